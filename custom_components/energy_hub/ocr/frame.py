"""The frame gate: photos too poor to read are rejected with a reason; Home-Assistant-free.

Two looks, both cheap: the whole photo before alignment (a camera in the dark
or pointed at a lamp is not worth aligning), then the straightened digit
window before any digit is read. A dark frame must never read as 444.44:
the classifier is only ever shown windows that pass.
"""

from dataclasses import dataclass

import numpy as np

from .result import RejectReason

# Luminance (0-255) thresholds; docs/ocr.md explains the choice.
FRAME_MIN_MEAN = 18.0
FRAME_MAX_MEAN = 240.0
FRAME_MIN_STD = 6.0
# In the window: its brightest 1 % must reach this (the digits or their drum).
WINDOW_MIN_HIGH = 32.0
# Its darkest 1 % above this: nothing dark is left to tell a digit by.
WINDOW_MAX_LOW = 200.0
# Between its darkest and brightest 1 %.
WINDOW_MIN_SPREAD = 24.0
# Glare: a square of the window (a third of its height on a side) more than
# GLARE_BLOCK_FRACTION blown out (every channel at SATURATED or more): no ink
# shows through there (white drums partly overexposed still show their black
# strokes in every such square), in a window whose median is not blown
# itself (white drums overexposed as a whole still show their digits).
SATURATED = 250
GLARE_BLOCK_FRACTION = 0.85
# The window's median at or above this: its paper is (nearly) blown as a whole.
GLARE_MAX_MEDIAN = 240.0
# Every FRAME_STRIDE-th pixel each way is enough for the photo's statistics.
FRAME_STRIDE = 4

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def luminance(image: np.ndarray) -> np.ndarray:
    """Luminance of an RGB image (H x W x 3, uint8) as float32 (0-255)."""
    return image.astype(np.float32) @ _LUMA


@dataclass(frozen=True, slots=True)
class WindowStats:
    """The window's luminance statistics, for diagnostics and the gate."""

    low: float
    median: float
    high: float
    glare_fraction: float


def check_frame(image: np.ndarray) -> RejectReason | None:
    """Reject a whole photo that is too dark, too bright or without contrast."""
    sample = luminance(image[::FRAME_STRIDE, ::FRAME_STRIDE])
    mean = float(sample.mean())
    if mean < FRAME_MIN_MEAN:
        return RejectReason.TOO_DARK
    if mean > FRAME_MAX_MEAN:
        return RejectReason.TOO_BRIGHT
    if float(sample.std()) < FRAME_MIN_STD:
        return RejectReason.LOW_CONTRAST
    return None


def window_stats(window: np.ndarray) -> WindowStats:
    """Percentiles and the largest blown-out share of a block of the window."""
    # Every other pixel each way is plenty for percentiles, at a quarter of the cost.
    luma = luminance(window[::2, ::2])
    low, median, high = np.percentile(luma, (1.0, 50.0, 99.0))
    blown = np.all(window >= SATURATED, axis=2)
    height, width = blown.shape
    side = max(2, height // 3)
    rows, cols = height // side, width // side
    worst = 0.0
    if rows and cols:
        blocks = blown[: rows * side, : cols * side].reshape(rows, side, cols, side)
        worst = float(blocks.mean(axis=(1, 3)).max())
        # Blocks straddling the grid too: a glare spot cut in four is still one.
        half = side // 2
        shifted = blown[half:, half:]
        rows, cols = shifted.shape[0] // side, shifted.shape[1] // side
        if rows and cols:
            blocks = shifted[: rows * side, : cols * side].reshape(
                rows, side, cols, side
            )
            worst = max(worst, float(blocks.mean(axis=(1, 3)).max()))
    return WindowStats(float(low), float(median), float(high), worst)


def check_window(window: np.ndarray) -> RejectReason | None:
    """Reject a straightened digit window (RGB uint8) that cannot be read."""
    return check_window_stats(window_stats(window))


def check_window_stats(stats: WindowStats) -> RejectReason | None:
    """The window gate on statistics already taken."""
    if stats.glare_fraction > GLARE_BLOCK_FRACTION and stats.median < GLARE_MAX_MEDIAN:
        return RejectReason.GLARE
    if stats.high < WINDOW_MIN_HIGH:
        return RejectReason.TOO_DARK
    if stats.low > WINDOW_MAX_LOW:
        return RejectReason.TOO_BRIGHT
    if stats.high - stats.low < WINDOW_MIN_SPREAD:
        return RejectReason.LOW_CONTRAST
    return None
