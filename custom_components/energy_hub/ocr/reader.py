"""One OCR meter's reader as Home Assistant uses it; Home-Assistant-free.

Wraps part 1's `MeterReader`: photos arrive as encoded bytes (JPEG, PNG)
and are decoded here; each burst also gives the picture the image entity
shows (the straightened digit window with what was read) and the cells of
uncertain digits for the kept-crops folder. The composer's state (previous
reading, its time, the counter's wraps) is what survives a restart.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from PIL import Image

from .pipeline import FrameCells, MeterConfig, MeterReader
from .reading import Composer
from .render import annotate_crop, decode, png
from .result import Reading, Rejection
from .window import Window


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """What the user set: the window (x, y, width, height) and how to read it."""

    window: tuple[int, int, int, int]
    digits: int
    decimals: int
    counter_max: float | None
    max_rate: float
    # Drums roll between two numbers; seven-segment digits never do.
    rolling: bool = True

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BurstOutcome:
    """A burst's result, the annotated window (PNG) and each cell as PNG.

    `values` and `confidences` are the vote per cell (None: not a digit, or a
    drum between two numbers).
    """

    result: Reading | Rejection
    crop: bytes | None
    cells: tuple[bytes, ...] = ()
    values: tuple[int | None, ...] = ()
    confidences: tuple[float, ...] = ()


def _photo(content: bytes) -> np.ndarray:
    return np.asarray(decode(content), np.uint8)


class OcrReader:
    """Decodes photos, reads them, and draws what was read."""

    def __init__(self, settings: ReaderSettings, reference: bytes) -> None:
        """Load the reference frame and the network (blocking: run in the executor)."""
        x, y, width, height = settings.window
        self.settings = settings
        self.meter = MeterReader(
            MeterConfig(
                window=Window(x, y, width, height, settings.digits),
                reference=_photo(reference),
                decimals=settings.decimals,
                counter_maximum=settings.counter_max,
                max_rate_per_hour=settings.max_rate,
                rolling=settings.rolling,
            )
        )

    @property
    def backend(self) -> str:
        """The network's backend: onnxruntime or numpy."""
        return self.meter.backend

    @property
    def composer(self) -> Composer:
        """The composer: the previous reading and the counter's wraps."""
        return self.meter.composer

    def read(self, frames: Sequence[bytes], now: float) -> BurstOutcome:
        """Read a burst taken at `now` (seconds since the epoch)."""
        photos = []
        for content in frames:
            try:
                photos.append(_photo(content))
            except OSError:
                continue  # a broken frame is one look fewer
        result = self.meter.read(photos, now)
        crop = cells = None
        for photo in reversed(photos):
            if not isinstance(outcome := self.meter.cells(photo), Rejection):
                crop, cells = outcome, outcome.cells
                break
        if crop is None or cells is None:
            return BurstOutcome(result, None)
        return self._drawn(result, crop)

    def _drawn(self, result: Reading | Rejection, frame: FrameCells) -> BurstOutcome:
        """The window annotated with the reading's digits, and the cells as PNG."""
        window = Image.fromarray(frame.window)
        if isinstance(result, Reading):
            values: Sequence[int | None] = result.digits
            confidences: Sequence[float] = result.confidences
        else:
            values, confidences = [None] * len(frame.cells), [0.0] * len(frame.cells)
        return BurstOutcome(
            result,
            png(annotate_crop(window, values, confidences)),
            tuple(png(Image.fromarray(cell)) for cell in frame.cells),
            tuple(values),
            tuple(confidences),
        )

    # The composer's state, stored with each reading -------------------------

    def state(self) -> dict[str, Any]:
        """What to store so that the next reading after a restart is composed alike."""
        composer = self.meter.composer
        return {
            "previous": composer.previous,
            "previous_at": composer.previous_at,
            "wraps": composer.wraps,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take the state `state()` returned before a restart."""
        composer = self.meter.composer
        previous = state.get("previous")
        previous_at = state.get("previous_at")
        wraps = state.get("wraps")
        composer.previous = (
            float(previous) if isinstance(previous, (int, float)) else None
        )
        composer.previous_at = (
            float(previous_at) if isinstance(previous_at, (int, float)) else None
        )
        composer.wraps = int(wraps) if isinstance(wraps, int) else 0

    def seed(self, value: float, now: float) -> None:
        """The meter's face shows `value` (set by the user): continue from it."""
        composer = self.meter.composer
        composer.previous = value
        composer.previous_at = now
        composer.wraps = 0

    def snapshot(self) -> Composer:
        """A copy of the composer, to undo a reading that was not stored."""
        return replace(self.meter.composer)

    def undo(self, snapshot: Composer) -> None:
        """Go back to a copy `snapshot()` made."""
        self.meter.composer = snapshot
