"""`MeterReader`: from a burst of photos to a meter reading; Home-Assistant-free.

Per photo: the frame gate on the whole photo, alignment to the reference
frame, the digit window cut, straightened and gated, its cells cut. Then
every cell of every photo of the burst is classified in one batched run
(the model is loaded once per process), the digits are voted over the
burst and the reading is composed (`reading.py`); with a time and a rate
bound it also goes through the lifetime-total guard.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
import math

import numpy as np

from ..lifetime_total import LifetimeTotal
from .align import Aligner
from .digits import NUM_CLASSES, load_network
from .frame import check_frame, check_window_stats, window_stats
from .preprocess import cells_tensor
from .reading import Composer, publish
from .result import Reading, Rejection, RejectReason
from .window import Window, normalise_contrast, split_cells, straighten

DEFAULT_BURST = 3
# Frames whose mean absolute difference (0-255, on every 8th pixel) is below
# this are the same picture sent again; a real second frame differs by at
# least its sensor noise.
SAME_FRAME_DIFFERENCE = 0.05
FRAME_SAMPLE_STRIDE = 8


@dataclass(frozen=True, slots=True)
class MeterConfig:
    """How to read one meter.

    `reference` is the photo saved at set-up (RGB uint8) on which `window`
    was drawn. `counter_maximum` is the largest value the counter shows
    (default: all nines); `max_rate_per_hour` bounds its rise in its unit per
    hour (kWh/h, m³/h). `burst` frames that differ make one reading; at least
    a majority of them must pass the gate. `rolling` is False for
    seven-segment displays, whose digits never stand between two numbers.
    """

    window: Window
    reference: np.ndarray
    decimals: int = 0
    counter_maximum: float | None = None
    max_rate_per_hour: float | None = None
    burst: int = DEFAULT_BURST
    rolling: bool = True

    @property
    def digits(self) -> int:
        """How many digits the window holds."""
        return self.window.digits


@dataclass(frozen=True, slots=True)
class FrameCells:
    """One photo that passed the gate: its straightened window and its cells."""

    window: np.ndarray
    cells: list[np.ndarray]


class MeterReader:
    """Reads one meter from bursts of photos; keeps the previous reading."""

    def __init__(self, config: MeterConfig, *, backend: str | None = None) -> None:
        """Prepare the reference and load the network (None: onnxruntime if importable)."""
        if not 0 <= config.decimals < config.digits:
            raise ValueError("decimals must be fewer than the digits")
        if config.burst < 1:
            raise ValueError("a burst has at least one frame")
        self.config = config
        self._aligner = Aligner(config.reference)
        self._quad = config.window.quad()
        self._network = load_network(backend)
        self.composer = Composer(
            digits=config.digits,
            decimals=config.decimals,
            counter_maximum=config.counter_maximum,
            max_rate=config.max_rate_per_hour,
            rolling=config.rolling,
        )
        self.guard = LifetimeTotal(max_rate=config.max_rate_per_hour)

    @property
    def backend(self) -> str:
        """The network's backend: "onnxruntime" or "numpy"."""
        return self._network.backend

    def cells(self, photo: np.ndarray) -> FrameCells | Rejection:
        """Gate, align and cut one photo (RGB uint8 H x W x 3)."""
        if photo.ndim != 3 or photo.shape[2] != 3:
            raise ValueError(f"a photo is H x W x 3 (RGB), not {photo.shape}")
        problem = check_frame(photo)
        if problem is not None:
            return Rejection(problem, "the whole photo")
        alignment = self._aligner.align(photo)
        if alignment is None:
            return Rejection(
                RejectReason.MISALIGNED, "the photo does not match the reference"
            )
        straight = straighten(photo, alignment.map_points(self._quad))
        stats = window_stats(straight)
        problem = check_window_stats(stats)
        if problem is not None:
            return Rejection(problem, "the digit window")
        normalised = normalise_contrast(straight, (stats.low, stats.high))
        return FrameCells(straight, split_cells(normalised, self.config.digits))

    def probabilities(self, cells: Sequence[np.ndarray]) -> np.ndarray:
        """Class probabilities of cells in one batched run (N x 11)."""
        return self._network.probabilities(cells_tensor(cells))

    def read(
        self, frames: Sequence[np.ndarray], now: float | None = None
    ) -> Reading | Rejection:
        """A reading from a burst of photos, or why there is none.

        With `now` (seconds since the epoch) the rise is bounded by the rate
        and the reading goes through the lifetime-total guard (`published`).
        """
        distinct = _distinct(frames)
        if len(distinct) < self.config.burst:
            return Rejection(
                RejectReason.TOO_FEW_FRAMES,
                f"{len(distinct)} different frames of {self.config.burst}",
            )
        passed: list[FrameCells] = []
        problems: Counter[RejectReason] = Counter()
        for photo in distinct:
            outcome = self.cells(photo)
            if isinstance(outcome, Rejection):
                problems[outcome.reason] += 1
            else:
                passed.append(outcome)
        needed = len(distinct) // 2 + 1
        if len(passed) < needed:
            reason, count = problems.most_common(1)[0]
            return Rejection(reason, f"{count} of {len(distinct)} frames")
        batch = [cell for frame in passed for cell in frame.cells]
        probabilities = self.probabilities(batch).reshape(
            len(passed), self.config.digits, NUM_CLASSES
        )
        reading = self.composer.compose(probabilities, now)
        if isinstance(reading, Reading) and now is not None and math.isfinite(now):
            return publish(self.guard, reading, now)
        return reading


def _distinct(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The frames that differ from every earlier one."""
    kept: list[np.ndarray] = []
    samples: list[np.ndarray] = []
    for frame in frames:
        sample = frame[::FRAME_SAMPLE_STRIDE, ::FRAME_SAMPLE_STRIDE].astype(np.int16)
        if any(
            other.shape == sample.shape
            and float(np.abs(other - sample).mean()) < SAME_FRAME_DIFFERENCE
            for other in samples
        ):
            continue
        kept.append(frame)
        samples.append(sample)
    return kept
