"""Cutting, straightening and splitting the digit window."""

import numpy as np
from PIL import Image, ImageDraw
import pytest

from custom_components.energy_hub.ocr.align import Aligner
from custom_components.energy_hub.ocr.window import (
    Window,
    boxes_of,
    cell_quads,
    normalise_contrast,
    split_cells,
    straighten,
    window_cells,
)
from simulators.meter_photos import Meter, Shot, Style
from tests.ocr.windows import pipeline_window


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: these are plain functions."""


def test_rectangle_quad_is_clockwise_from_top_left() -> None:
    quad = Window(10, 20, 100, 30, digits=5).quad()
    assert np.allclose(quad, [[10, 20], [110, 20], [110, 50], [10, 50]])


def test_turned_rectangle_keeps_its_centre_and_size() -> None:
    quad = Window(100, 100, 200, 40, digits=5, angle=10.0).quad()
    assert np.allclose(quad.mean(axis=0), [200, 120])
    assert np.hypot(*(quad[1] - quad[0])) == pytest.approx(200)
    assert np.hypot(*(quad[3] - quad[0])) == pytest.approx(40)
    # Clockwise as seen (y down): the right end lower than the left.
    assert quad[1][1] > quad[0][1]


def test_corners_win_over_the_rectangle() -> None:
    corners = ((1.0, 2.0), (50.0, 3.0), (52.0, 20.0), (0.0, 19.0))
    assert np.allclose(Window(0, 0, 1, 1, digits=3, corners=corners).quad(), corners)


@pytest.mark.parametrize(
    "kwargs",
    [{"digits": 0}, {"digits": 4, "width": 0.0}, {"digits": 4, "height": -1.0}],
)
def test_impossible_windows_are_refused(kwargs: dict[str, float]) -> None:
    values = {"x": 0.0, "y": 0.0, "width": 10.0, "height": 10.0} | kwargs
    with pytest.raises(ValueError, match="window"):
        Window(**values)  # type: ignore[arg-type]


def test_straighten_undoes_a_slanted_quad() -> None:
    # Four coloured squares on a slanted quadrilateral come out upright.
    canvas = Image.new("RGB", (400, 300), (0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    quad = np.array([[60.0, 80.0], [330.0, 50.0], [350.0, 220.0], [70.0, 250.0]])
    centre = quad.mean(axis=0)
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    for corner, colour in zip(quad, colours, strict=True):
        inner = corner + (centre - corner) * 0.3
        draw.ellipse((*(inner - 12), *(inner + 12)), fill=colour)
    upright = straighten(np.asarray(canvas), quad)
    height, width = upright.shape[:2]
    assert width == pytest.approx(275, abs=3)
    assert height == pytest.approx(170, abs=3)
    # 30 % of the way from each corner to the centre.
    expected = [(0.15, 0.15), (0.85, 0.15), (0.85, 0.85), (0.15, 0.85)]
    for (fx, fy), colour in zip(expected, colours, strict=True):
        pixel = upright[round(fy * height), round(fx * width)]
        assert tuple(int(v) for v in pixel) == pytest.approx(colour, abs=60)


def test_straighten_outside_the_photo_is_black() -> None:
    photo = np.full((100, 100, 3), 200, np.uint8)
    quad = np.array([[500.0, 500.0], [600.0, 500.0], [600.0, 540.0], [500.0, 540.0]])
    assert not straighten(photo, quad).any()


def test_contrast_is_stretched_alike_in_every_channel() -> None:
    window = np.zeros((20, 40, 3), np.uint8)
    window[:, :20] = (60, 20, 20)  # dark red
    window[:, 20:] = (110, 70, 70)
    stretched = normalise_contrast(window)
    assert stretched.min() == 0
    assert stretched.max() == 255
    # Red stays the strongest channel.
    assert (stretched[:, 20:, 0] >= stretched[:, 20:, 1]).all()


def test_split_cells_covers_the_window_in_order() -> None:
    window = np.arange(7 * 100 * 3, dtype=np.uint32).reshape(7, 100, 3).astype(np.uint8)
    cells = split_cells(window, 8)
    assert len(cells) == 8
    assert sum(cell.shape[1] for cell in cells) == 100
    assert all(cell.shape[1] in (12, 13) for cell in cells)
    assert np.array_equal(np.hstack(cells), window)


def test_cell_quads_and_boxes_split_the_window() -> None:
    quad = Window(100, 50, 400, 60, digits=4).quad()
    quads = cell_quads(quad, 4)
    assert boxes_of(quads) == [
        (100, 50, 100, 60),
        (200, 50, 100, 60),
        (300, 50, 100, 60),
        (400, 50, 100, 60),
    ]


@pytest.mark.parametrize("style", list(Style))
def test_cells_of_a_knocked_photo_match_the_still_ones(style: Style) -> None:
    """Aligned and straightened, a knocked camera's cells look like the mount's."""
    meter = Meter(style=style)
    window = pipeline_window(meter)
    still = meter.photo(3210.7)
    aligner = Aligner(meter.photo(1.0))
    knocked_shot = Shot(shift=(-30.0, 18.0), rotation=2.2)
    knocked = meter.photo(3210.7, knocked_shot)
    alignment = aligner.align(knocked)
    assert alignment is not None
    _, still_cells = window_cells(still, window.quad(), window.digits)
    _, knocked_cells = window_cells(
        knocked, alignment.map_points(window.quad()), window.digits
    )
    assert len(knocked_cells) == window.digits
    _, other_cells = window_cells(meter.photo(4567.8), window.quad(), window.digits)
    for a, b in zip(still_cells, knocked_cells, strict=True):
        assert a.dtype == np.uint8
        assert a.ndim == 3
        assert a.shape[2] == 3
        assert _difference(a, b) < 16
    # 0003210.7 against 0004567.8: another digit differs far more than the
    # same one knocked.
    for index in range(3, 8):
        knocked_by = _difference(still_cells[index], knocked_cells[index])
        assert knocked_by * 1.5 < _difference(still_cells[index], other_cells[index])


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    height = min(a.shape[0], b.shape[0])
    width = min(a.shape[1], b.shape[1])
    return float(
        np.abs(a[:height, :width].astype(int) - b[:height, :width].astype(int)).mean()
    )
