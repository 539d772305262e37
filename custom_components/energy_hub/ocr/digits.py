"""Digit classification: a small CNN on onnxruntime where installed, else numpy.

The network (docs/ocr-model.md) maps each preprocessed cell to 11 class
probabilities: the digits 0-9 and 10, "not a digit" (a drum caught between
two digits, an empty position). Home Assistant OS and the Container image are
Alpine (musl), where onnxruntime has no wheels, so the same weights are also
shipped as an `.npz` and evaluated with numpy; the backend is chosen at the
first classification, not at import.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import functools
import importlib
import logging
from pathlib import Path
import threading
from typing import Any, Protocol

import numpy as np

from .preprocess import cells_tensor

MODEL_DIR = Path(__file__).parent / "model"
ONNX_MODEL = MODEL_DIR / "digits.onnx"
NUMPY_WEIGHTS = MODEL_DIR / "digits.npz"
NUM_CLASSES = 11
NOT_A_DIGIT = 10
BACKEND_ONNXRUNTIME = "onnxruntime"
BACKEND_NUMPY = "numpy"

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digit:
    """One cell's reading: its digit (None: not a digit) and its probability."""

    value: int | None
    confidence: float


class DigitNetwork(Protocol):
    """The CNN on one backend: N x 1 x 32 x 24 tensors in, N x 11 softmax out."""

    backend: str

    def probabilities(self, tensors: np.ndarray) -> np.ndarray:
        """Class probabilities of a batch of preprocessed cells."""


class OnnxNetwork:
    """The network on onnxruntime, one thread (Home Assistant shares the CPU)."""

    backend = BACKEND_ONNXRUNTIME

    def __init__(self, path: Path = ONNX_MODEL) -> None:
        """Open an inference session on the model file."""
        onnxruntime: Any = importlib.import_module("onnxruntime")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name

    def probabilities(self, tensors: np.ndarray) -> np.ndarray:
        """Class probabilities of a batch of preprocessed cells."""
        if len(tensors) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        outputs = self._session.run(None, {self._input: tensors})
        return np.asarray(outputs[0], np.float32)


def _matmul(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Matrix product in numpy's own loops, on the calling thread.

    `@` hands small products to a multi-threaded BLAS whose threads spin and
    slow everything down when the CPU is busy (a Raspberry Pi running Home
    Assistant); einsum without optimisation never calls BLAS.
    """
    return np.asarray(np.einsum("ij,jk->ik", left, right, optimize=False))


def _conv3x3_relu(
    images: np.ndarray, weight: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """3x3 convolution (padding 1) and ReLU on N x H x W x C, as one matmul."""
    count, height, width, channels = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    shifted = [
        padded[:, dy : dy + height, dx : dx + width, :]
        for dy in range(3)
        for dx in range(3)
    ]
    # N x H x W x C x 9 rows match the weight's C x 3 x 3 order.
    columns = np.stack(shifted, axis=-1).reshape(count * height * width, channels * 9)
    kernel = weight.reshape(weight.shape[0], -1).T
    output = np.maximum(_matmul(columns, kernel) + bias, 0.0)
    return np.asarray(output, np.float32).reshape(count, height, width, -1)


def _max_pool2(images: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2, on N x H x W x C (even H and W)."""
    count, height, width, channels = images.shape
    blocks = images.reshape(count, height // 2, 2, width // 2, 2, channels)
    return np.asarray(blocks.max(axis=(2, 4)))


class NumpyNetwork:
    """The same network evaluated with numpy from the exported weights."""

    backend = BACKEND_NUMPY

    def __init__(self, path: Path = NUMPY_WEIGHTS) -> None:
        """Load the weights (float32) exported next to the ONNX model."""
        with np.load(path) as weights:
            self._weights = {
                name: np.asarray(weights[name], np.float32) for name in weights.files
            }

    def probabilities(self, tensors: np.ndarray) -> np.ndarray:
        """Class probabilities of a batch of preprocessed cells."""
        if len(tensors) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        weights = self._weights
        images = np.ascontiguousarray(tensors.transpose(0, 2, 3, 1), np.float32)
        for index in (1, 2, 3):
            images = _conv3x3_relu(
                images, weights[f"conv{index}_w"], weights[f"conv{index}_b"]
            )
            images = _max_pool2(images)
        # Flatten in ONNX's (and PyTorch's) C x H x W order.
        flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
        hidden = np.maximum(
            _matmul(flat, weights["dense1_w"].T) + weights["dense1_b"], 0.0
        )
        logits = _matmul(hidden, weights["dense2_w"].T) + weights["dense2_b"]
        exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = exponentials / exponentials.sum(axis=1, keepdims=True)
        return np.asarray(probabilities, np.float32)


_load_lock = threading.Lock()


@functools.cache
def _cached_network(backend: str | None) -> DigitNetwork:
    if backend == BACKEND_NUMPY:
        return NumpyNetwork()
    if backend == BACKEND_ONNXRUNTIME:
        return OnnxNetwork()
    if backend is not None:
        raise ValueError(f"unknown backend {backend!r}")
    try:
        return OnnxNetwork()
    except (ImportError, OSError, RuntimeError) as err:
        # Not installed (musl), or a build that cannot load: numpy reads the same.
        _LOGGER.debug("Digit network on numpy: onnxruntime unavailable (%s)", err)
        return NumpyNetwork()


def load_network(backend: str | None = None) -> DigitNetwork:
    """The network on a backend (None: onnxruntime if importable), loaded once."""
    with _load_lock:
        return _cached_network(backend)


def backend_name() -> str:
    """The backend classify() runs on: "onnxruntime" or "numpy"."""
    return load_network().backend


def classify_probabilities(cells: Sequence[np.ndarray]) -> np.ndarray:
    """N x 11 class probabilities (class 10: not a digit), one batched run."""
    return load_network().probabilities(cells_tensor(cells))


def digits_from_probabilities(probabilities: np.ndarray) -> list[Digit]:
    """The most probable class of each row as a Digit."""
    digits = []
    for row in probabilities:
        best = int(np.argmax(row))
        value = None if best == NOT_A_DIGIT else best
        digits.append(Digit(value, float(row[best])))
    return digits


def classify(cells: Sequence[np.ndarray]) -> list[Digit]:
    """Read each cell (RGB uint8, H x W x 3, any size, as cut from the photo)."""
    return digits_from_probabilities(classify_probabilities(cells))


def read_digits(
    image: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]
) -> list[Digit]:
    """Read one digit per (x, y, width, height) box of a photo, in box order.

    Boxes are in photo pixels and are clipped to the photo; no alignment is
    applied here. A box with no pixels inside the photo is a ValueError.
    """
    if image.ndim not in (2, 3):
        raise ValueError(f"a photo is H x W x 3 (RGB), not {image.shape}")
    height, width = image.shape[:2]
    cells = []
    for x, y, box_width, box_height in boxes:
        left, top = max(0, int(x)), max(0, int(y))
        right = min(width, int(x) + int(box_width))
        bottom = min(height, int(y) + int(box_height))
        if right <= left or bottom <= top:
            raise ValueError(
                f"box {(x, y, box_width, box_height)} is outside the photo"
            )
        cells.append(image[top:bottom, left:right])
    return classify(cells)
