"""Digit cell preprocessing shared by inference and training; numpy + Pillow only.

A cell is one digit window as cut from a photo: RGB `uint8`, any size, light
digits on a dark drum or dark digits on a light one. The network sees it as a
1 x 32 x 24 float32 tensor: grayscale, the digit's strokes bright (1) on a dark
(0) background, contrast stretched, the cell scaled to fit without distortion
and centred. `tools/ocr/train.py` imports this module, so the network is
trained on exactly what it is given at run time.
"""

from collections.abc import Sequence

import numpy as np
from PIL import Image

INPUT_HEIGHT = 32
INPUT_WIDTH = 24
# Percentiles that set black and white: robust to a few glare or dust pixels.
_LOW_PERCENTILE = 2.0
_HIGH_PERCENTILE = 98.0
# Below this range (out of 255) a cell is flat: nothing in it to stretch.
_MIN_RANGE = 8.0
# Nor is contrast stretched beyond a fifth of the cell's brightest level: an
# empty LCD position's faint ghost "8" must not become a lit 8.
_MIN_RELATIVE_RANGE = 0.2
# ITU-R BT.601 luma: what Pillow's "L" conversion uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _grayscale(cell: np.ndarray) -> np.ndarray:
    """Luma of an RGB (or already grayscale) cell, float32 in 0-255."""
    if cell.ndim == 2:
        return cell.astype(np.float32)
    if cell.ndim != 3 or cell.shape[2] not in (3, 4):
        raise ValueError(f"a cell is H x W x 3 (RGB), not {cell.shape}")
    rgb = cell[:, :, :3].astype(np.float32)
    return np.asarray(rgb @ _LUMA, dtype=np.float32)


def _fit(gray: np.ndarray) -> np.ndarray:
    """Scale to fit INPUT_HEIGHT x INPUT_WIDTH keeping the aspect ratio."""
    height, width = gray.shape
    scale = min(INPUT_HEIGHT / height, INPUT_WIDTH / width)
    new_height = min(INPUT_HEIGHT, max(1, round(height * scale)))
    new_width = min(INPUT_WIDTH, max(1, round(width * scale)))
    if (new_height, new_width) == (height, width):
        return gray
    image = Image.fromarray(gray)  # float32: mode "F"
    # BOX averages every source pixel when shrinking (no aliasing of noise);
    # BILINEAR is smooth when a tiny cell is enlarged.
    method = Image.Resampling.BOX if new_height < height else Image.Resampling.BILINEAR
    return np.asarray(image.resize((new_width, new_height), method), np.float32)


def cell_tensor(cell: np.ndarray) -> np.ndarray:
    """One cell (H x W x 3 RGB uint8) as the network's 1 x 32 x 24 input."""
    if cell.shape[0] == 0 or cell.shape[1] == 0:
        raise ValueError(f"a cell has no pixels: {cell.shape}")
    gray = _fit(_grayscale(cell))
    low, median, high = np.percentile(gray, (_LOW_PERCENTILE, 50.0, _HIGH_PERCENTILE))
    value_range = max(float(high - low), _MIN_RANGE, _MIN_RELATIVE_RANGE * float(high))
    # The background covers most of a cell, so the median is background and the
    # strokes are the long tail: bright strokes leave the median nearer black.
    # The background end of the range becomes 0, the strokes up to 1.
    strokes = gray - low if high - median >= median - low else high - gray
    stretched = np.clip(strokes / value_range, 0.0, 1.0)
    tensor = np.zeros((1, INPUT_HEIGHT, INPUT_WIDTH), dtype=np.float32)
    height, width = stretched.shape
    top = (INPUT_HEIGHT - height) // 2
    left = (INPUT_WIDTH - width) // 2
    tensor[0, top : top + height, left : left + width] = stretched
    return tensor


def cells_tensor(cells: Sequence[np.ndarray]) -> np.ndarray:
    """A batch of cells as an N x 1 x 32 x 24 float32 tensor."""
    if not cells:
        return np.zeros((0, 1, INPUT_HEIGHT, INPUT_WIDTH), dtype=np.float32)
    return np.stack([cell_tensor(cell) for cell in cells])
