"""Alignment of a photo to the reference frame saved at set-up; Home-Assistant-free.

A camera on a bracket moves a little (a knock, the wall warming up): each
photo is matched to the reference by phase correlation on a small
grayscale copy (numpy FFT). The turn comes from how far the photo's left
and right halves shift apart (a few rounds, starting from the last photo's
turn; a search over turns on a smaller copy when that does not settle);
the whole copy, turned back, then gives the shift. A correlation peak too
low (the camera was moved, something stands in front of the meter) is
reported as a failure instead of reading digits from the wrong place.

Convention: the photo is the reference turned by `angle` degrees about the
image centre (counter-clockwise as seen, Pillow's `rotate`), then shifted by
(`dx`, `dy`) photo pixels.
"""

from dataclasses import dataclass
import math

import numpy as np
from PIL import Image

# Photos are compared at this width (a quarter of 1280 x 720); the search
# over turns, when needed, on a copy COARSE_FACTOR times smaller.
WORK_WIDTH = 320
COARSE_FACTOR = 2
# The turn is measured on the fine copy from how far its left and right
# halves shift apart, in at most HALVES_ROUNDS rounds, until a round changes
# it by less than SETTLED_ANGLE degrees. Should that not settle, the coarse
# copy is tried at every ANGLE_STEP up to MAX_ANGLE either side, and the
# halves start again from the best turn.
MAX_ANGLE = 4.0
ANGLE_STEP = 1.0
HALVES_ROUNDS = 4
SETTLED_ANGLE = 0.05
# Rounds that still swing by less than this have settled between two values.
WOBBLE_ANGLE = 0.3
# A correlation peak below this (1.0 = the same picture) is no match.
MIN_SCORE = 0.15
# Shifts beyond this share of the photo's width or height are no match:
# the camera was moved, not knocked.
MAX_SHIFT_FRACTION = 0.2


@dataclass(frozen=True, slots=True)
class Alignment:
    """How a photo lies on the reference frame, and how sure the match is."""

    dx: float
    dy: float
    angle: float
    score: float
    # The centre of rotation (photo pixels).
    centre: tuple[float, float]

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Reference-frame points (N x 2) to the photo's pixels."""
        turn = math.radians(self.angle)
        cos, sin = math.cos(turn), math.sin(turn)
        rotation = np.array([[cos, sin], [-sin, cos]])
        centre = np.array(self.centre)
        mapped = (points - centre) @ rotation.T + centre + np.array([self.dx, self.dy])
        return np.asarray(mapped, dtype=np.float64)


def _small_gray(image: np.ndarray) -> Image.Image:
    width = image.shape[1]
    photo = Image.fromarray(np.ascontiguousarray(image))
    factor = max(1, round(width / WORK_WIDTH))
    if factor > 1:
        photo = photo.reduce(factor)
    return photo.convert("L")


def _hann(height: int, width: int) -> np.ndarray:
    return np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)


def _spectrum(gray: np.ndarray, taper: np.ndarray) -> np.ndarray:
    centred = gray - gray.mean()
    return np.fft.rfft2(centred * taper)


def _subpixel(values: np.ndarray, index: int) -> float:
    """The peak's offset from `index` by a parabola through it and its neighbours."""
    size = values.shape[0]
    left, centre, right = (
        values[(index - 1) % size],
        values[index],
        values[(index + 1) % size],
    )
    curvature = left - 2 * centre + right
    if curvature >= 0:
        return 0.0
    return float(0.5 * (left - right) / curvature)


def _vertex(left: float, centre: float, right: float) -> float:
    """Where a parabola through three equally spaced values peaks (-1 to 1 steps)."""
    curvature = left - 2 * centre + right
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curvature, -1.0, 1.0))


class _Level:
    """One size of the reference: its taper and conjugate spectrum."""

    def __init__(self, small: Image.Image) -> None:
        self.taper = _hann(small.height, small.width)
        self.reference = np.conj(_spectrum(np.asarray(small, np.float32), self.taper))

    def correlate(self, small: Image.Image, angle: float) -> tuple[float, float, float]:
        """Peak score and shift (pixels of this level) of `small` turned back by `angle`."""
        turned = (
            small.rotate(-angle, resample=Image.Resampling.BILINEAR) if angle else small
        )
        cross = _spectrum(np.asarray(turned, np.float32), self.taper) * self.reference
        cross /= np.maximum(np.abs(cross), 1e-9)
        surface = np.fft.irfft2(cross, s=self.taper.shape)
        row, col = np.unravel_index(int(np.argmax(surface)), surface.shape)
        dy = row + _subpixel(surface[:, col], int(row))
        dx = col + _subpixel(surface[row, :], int(col))
        height, width = surface.shape
        if dy > height / 2:
            dy -= height
        if dx > width / 2:
            dx -= width
        # A shift between pixels splits the peak: its 3 x 3 neighbourhood
        # holds it whole, whatever the fraction.
        rows = [(row + step) % height for step in (-1, 0, 1)]
        cols = [(col + step) % width for step in (-1, 0, 1)]
        score = float(surface[np.ix_(rows, cols)].sum())
        return score, float(dx), float(dy)


class Aligner:
    """Aligns photos to one reference frame; the reference is prepared once."""

    def __init__(
        self,
        reference: np.ndarray,
        *,
        max_angle: float = MAX_ANGLE,
        min_score: float = MIN_SCORE,
    ) -> None:
        """Prepare the reference (RGB uint8, H x W x 3)."""
        self._shape = reference.shape[:2]
        self._max_angle = max_angle
        self._min_score = min_score
        small = _small_gray(reference)
        self._scale = reference.shape[1] / small.width
        self._small_size = small.size
        self._coarse = _Level(small.reduce(COARSE_FACTOR))
        half = small.width // 2
        self._left = _Level(small.crop((0, 0, half, small.height)))
        self._right = _Level(
            small.crop((small.width - half, 0, small.width, small.height))
        )
        # Distance between the halves' centres (small pixels).
        self._baseline = float(small.width - half)
        self._last_angle = 0.0

    def _turn(self, coarse: Image.Image) -> float:
        """The photo's turn: every step on the coarse copy, then a parabola."""
        steps = int(self._max_angle / ANGLE_STEP + 1e-9)
        angles = [index * ANGLE_STEP for index in range(-steps, steps + 1)]
        scores = [self._coarse.correlate(coarse, angle)[0] for angle in angles]
        best = int(np.argmax(scores))
        if best in (0, len(angles) - 1):
            return angles[best]
        return angles[best] + ANGLE_STEP * _vertex(*scores[best - 1 : best + 2])

    def _halves(
        self, small: Image.Image, start: float
    ) -> tuple[float, float, float, float] | None:
        """Turn, score and shift (small pixels) from the photo's two halves.

        Turned back by the estimate so far, the left and right halves of the
        photo shift vertically apart by what turn is left; a few rounds
        settle it. Then their mean shift is the photo's, the weaker of their
        peaks the score. None when the rounds do not settle.
        """
        angle = start
        half = small.width // 2
        left_over = math.inf
        for _ in range(HALVES_ROUNDS):
            turned = (
                small.rotate(-angle, resample=Image.Resampling.BILINEAR)
                if angle
                else small
            )
            left = self._left.correlate(turned.crop((0, 0, half, small.height)), 0.0)
            right = self._right.correlate(
                turned.crop((small.width - half, 0, small.width, small.height)), 0.0
            )
            rise = max(-1.0, min(1.0, (right[2] - left[2]) / self._baseline))
            left_over = -math.degrees(math.asin(rise))
            if abs(left_over) < SETTLED_ANGLE:
                break
            angle += left_over
            if abs(angle) > self._max_angle + ANGLE_STEP:
                return None
        else:
            if abs(left_over) >= WOBBLE_ANGLE:
                return None
            # Swinging either side of it by the peaks' sub-pixel noise.
            angle -= left_over / 2
        score = min(left[0], right[0])
        return angle, score, (left[1] + right[1]) / 2, (left[2] + right[2]) / 2

    def align(self, photo: np.ndarray) -> Alignment | None:
        """Where the photo lies on the reference; None when it does not match."""
        if photo.shape[:2] != self._shape:
            return None
        small = _small_gray(photo)
        # Cameras mostly stay put: start from the last photo's turn; search
        # the coarse copy only when that does not settle.
        found = self._halves(small, self._last_angle)
        if found is None:
            found = self._halves(small, self._turn(small.reduce(COARSE_FACTOR)))
        if found is None or abs(found[0]) > self._max_angle + 1e-9:
            return None
        angle, score, dx, dy = found
        height, width = self._shape
        # The shift was measured after turning the photo back: turn it forward.
        turn = math.radians(angle)
        cos, sin = math.cos(turn), math.sin(turn)
        shift_x = (cos * dx + sin * dy) * self._scale
        shift_y = (-sin * dx + cos * dy) * self._scale
        if (
            score < self._min_score
            or abs(shift_x) > MAX_SHIFT_FRACTION * width
            or abs(shift_y) > MAX_SHIFT_FRACTION * height
        ):
            return None
        # Pillow turns about the centre of the small image; in photo pixels:
        centre = (
            self._small_size[0] / 2 * self._scale,
            self._small_size[1] / 2 * self._scale,
        )
        self._last_angle = angle
        return Alignment(shift_x, shift_y, angle, score, centre)
