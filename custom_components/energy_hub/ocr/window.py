"""The digit window: cut, straighten, normalise, split into cells; Home-Assistant-free.

The window is configured once, on the reference frame saved at set-up: a
rectangle (x, y, width, height in reference pixels), optionally turned by
`angle` degrees about its centre, or four corners for a camera that looks at
the meter at a slant. Alignment maps those corners into each photo; the
quadrilateral is then mapped onto an upright rectangle (Pillow's
perspective transform), its contrast stretched, and cut into equal cells,
one per digit, as RGB uint8 arrays for the classifier.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import itertools
import math

import numpy as np
from PIL import Image

from .frame import luminance

type Point = tuple[float, float]

# Straightened windows are never made smaller than this (pixels high).
MIN_HEIGHT = 16
# Percentiles mapped to black and white by the contrast stretch.
STRETCH_LOW = 1.0
STRETCH_HIGH = 99.0


@dataclass(frozen=True, slots=True)
class Window:
    """Where the digits are on the reference frame, and how many there are.

    `corners` (top-left, top-right, bottom-right, bottom-left, reference
    pixels) wins over the rectangle when given.
    """

    x: float
    y: float
    width: float
    height: float
    digits: int
    angle: float = 0.0
    corners: tuple[Point, Point, Point, Point] | None = None

    def __post_init__(self) -> None:
        """Refuse windows no photo can hold."""
        if self.digits < 1:
            raise ValueError("a window holds at least one digit")
        if self.corners is None and (self.width <= 0 or self.height <= 0):
            raise ValueError("a window needs a positive width and height")

    def quad(self) -> np.ndarray:
        """The four corners (4 x 2, float64) in reference pixels, clockwise from top-left."""
        if self.corners is not None:
            return np.array(self.corners, dtype=np.float64)
        half_w, half_h = self.width / 2, self.height / 2
        centre = np.array([self.x + half_w, self.y + half_h])
        offsets = np.array(
            [[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]]
        )
        turn = math.radians(self.angle)
        rotation = np.array(
            [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]
        )
        return np.asarray(centre + offsets @ rotation.T, dtype=np.float64)


def _perspective_coefficients(
    source: np.ndarray, width: int, height: int
) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data mapping an upright width x height box onto `source`."""
    target = np.array(
        [[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64
    )
    rows: list[list[float]] = []
    values: list[float] = []
    for (u, v), (x, y) in zip(target, source, strict=True):
        rows.append([u, v, 1, 0, 0, 0, -u * x, -v * x])
        rows.append([0, 0, 0, u, v, 1, -u * y, -v * y])
        values.extend((x, y))
    solution = np.linalg.solve(np.array(rows), np.array(values))
    return tuple(float(value) for value in solution)


def straighten(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Map the quadrilateral `quad` (4 x 2, photo pixels) onto an upright RGB image.

    The result keeps the window's own size in the photo (its mean edge
    lengths), so no detail is invented or thrown away.
    """
    top = float(np.hypot(*(quad[1] - quad[0])))
    bottom = float(np.hypot(*(quad[2] - quad[3])))
    left = float(np.hypot(*(quad[3] - quad[0])))
    right = float(np.hypot(*(quad[2] - quad[1])))
    height = max(MIN_HEIGHT, round((left + right) / 2))
    width = max(MIN_HEIGHT, round((top + bottom) / 2 * height / ((left + right) / 2)))
    # Only the window's surroundings are handed to Pillow: converting the
    # whole photo costs more than the transform itself.
    x0 = max(0, math.floor(float(quad[:, 0].min())) - 2)
    y0 = max(0, math.floor(float(quad[:, 1].min())) - 2)
    x1 = min(image.shape[1], math.ceil(float(quad[:, 0].max())) + 2)
    y1 = min(image.shape[0], math.ceil(float(quad[:, 1].max())) + 2)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((height, width, 3), dtype=np.uint8)
    region = Image.fromarray(np.ascontiguousarray(image[y0:y1, x0:x1]))
    local = quad - np.array([x0, y0], dtype=np.float64)
    straight = region.transform(
        (width, height),
        Image.Transform.PERSPECTIVE,
        _perspective_coefficients(local, width, height),
        resample=Image.Resampling.BILINEAR,
    )
    return np.asarray(straight, dtype=np.uint8)


def normalise_contrast(
    window: np.ndarray, levels: tuple[float, float] | None = None
) -> np.ndarray:
    """Stretch the window's luminance to the full range, the same for every channel.

    One linear map for all three channels keeps red drums red. `levels`
    (black, white) are the window's 1st and 99th luminance percentiles when
    already known.
    """
    if levels is None:
        low, high = np.percentile(luminance(window), (STRETCH_LOW, STRETCH_HIGH))
    else:
        low, high = levels
    spread = max(float(high - low), 1.0)
    stretched = (window.astype(np.float32) - float(low)) * (255.0 / spread)
    return np.clip(stretched, 0, 255).astype(np.uint8)


def split_cells(window: np.ndarray, digits: int) -> list[np.ndarray]:
    """Cut a straightened window into `digits` cells of equal width, left to right."""
    width = window.shape[1]
    edges = [round(index * width / digits) for index in range(digits + 1)]
    return [
        np.ascontiguousarray(window[:, start:stop])
        for start, stop in itertools.pairwise(edges)
    ]


def cell_quads(quad: np.ndarray, digits: int) -> list[np.ndarray]:
    """Each digit's own quadrilateral inside the window's `quad`, left to right."""
    top_left, top_right, bottom_right, bottom_left = quad
    quads = []
    for index in range(digits):
        start, stop = index / digits, (index + 1) / digits
        quads.append(
            np.array(
                [
                    top_left + (top_right - top_left) * start,
                    top_left + (top_right - top_left) * stop,
                    bottom_left + (bottom_right - bottom_left) * stop,
                    bottom_left + (bottom_right - bottom_left) * start,
                ]
            )
        )
    return quads


def window_cells(
    image: np.ndarray, quad: np.ndarray, digits: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The straightened window (before the contrast stretch) and its normalised cells."""
    straight = straighten(image, quad)
    return straight, split_cells(normalise_contrast(straight), digits)


def boxes_of(quads: Sequence[np.ndarray]) -> list[tuple[int, int, int, int]]:
    """Upright bounding boxes (x, y, width, height) of quadrilaterals, for `read_digits`."""
    boxes = []
    for quad in quads:
        x0, y0 = np.floor(quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
        boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return boxes
