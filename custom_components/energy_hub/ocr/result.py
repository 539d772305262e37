"""What reading a meter gives: a `Reading` or a `Rejection`; Home-Assistant-free."""

from dataclasses import dataclass
from enum import StrEnum


class RejectReason(StrEnum):
    """Why no reading came out of a burst (usable as a translation key)."""

    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    LOW_CONTRAST = "low_contrast"
    GLARE = "glare"
    MISALIGNED = "misaligned"
    # Fewer frames that really differ than the burst needs (a camera that
    # sends its cached picture again is no second look).
    TOO_FEW_FRAMES = "too_few_frames"
    # A digit that is neither read nor a drum between two neighbours.
    UNREADABLE = "unreadable"
    # A drop (or a jump beyond the rate bound) that the next reading has not
    # confirmed yet; a rollover waits here for its confirmation too.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class Rejection:
    """No reading: why, and for people a few words more."""

    reason: RejectReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """A meter reading composed from a burst of photos.

    `display` is what the counter shows; `value` adds the counter's
    rollovers since this reader started (a continuous total).
    `digits` holds the voted digits, most significant first (None: a drum
    between two numbers, resolved in `text`); `confidences` the vote's
    confidence of each. `raw` writes the votes with `?` for the drums
    between; `published` is what the lifetime-total guard published after
    this reading (None when no guard ran).
    """

    value: float
    display: float
    text: str
    raw: str
    digits: tuple[int | None, ...]
    confidences: tuple[float, ...]
    published: float | None = None
