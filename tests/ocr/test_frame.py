"""The frame gate on synthetic meter photos: what is too poor to read, and why."""

import numpy as np
import pytest

from custom_components.energy_hub.ocr.frame import check_frame, check_window
from custom_components.energy_hub.ocr.result import RejectReason
from custom_components.energy_hub.ocr.window import straighten
from simulators.meter_photos import Meter, Shot, Style


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: these are plain functions."""


METERS = {style: Meter(style=style) for style in Style}


def gate(
    meter: Meter, shot: Shot, photo: np.ndarray | None = None
) -> RejectReason | None:
    if photo is None:
        photo = meter.photo(4321.5, shot)
    problem = check_frame(photo)
    if problem is not None:
        return problem
    return check_window(straighten(photo, meter.window_in_photo(shot)))


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize(
    "shot",
    [
        Shot(),
        Shot(light=0.3, noise=6, jpeg=60),
        Shot(light=1.6),
        # White drums partly blown out: their black strokes still show.
        Shot(light=1.25, noise=3),
        Shot(blur=1.5, noise=4),
        # A lamp on the wall, away from the window.
        Shot(glare=(1180.0, 620.0, 40.0)),
    ],
    ids=["clean", "low-light", "bright", "overexposed", "soft", "glare-elsewhere"],
)
def test_readable_photos_pass(style: Style, shot: Shot) -> None:
    assert gate(METERS[style], shot) is None


@pytest.mark.parametrize("style", list(Style))
def test_dark_photo_is_too_dark(style: Style) -> None:
    assert gate(METERS[style], Shot(light=0.06, noise=2)) is RejectReason.TOO_DARK


def test_night_photo_is_too_dark_before_anything_else() -> None:
    meter = METERS[Style.WHITE_ON_BLACK]
    assert (
        check_frame(meter.photo(1.0, Shot(light=0.08, noise=3)))
        is RejectReason.TOO_DARK
    )


def test_shadow_over_the_window_is_too_dark() -> None:
    meter = METERS[Style.BLACK_ON_WHITE]
    photo = meter.photo(1.0).copy()
    x0, y0 = meter.window_in_photo(Shot()).min(axis=0).astype(int) - 20
    x1, y1 = meter.window_in_photo(Shot()).max(axis=0).astype(int) + 20
    photo[y0:y1, x0:x1] = (photo[y0:y1, x0:x1] * 0.08).astype(np.uint8)
    assert check_frame(photo) is None
    assert gate(meter, Shot(), photo) is RejectReason.TOO_DARK


@pytest.mark.parametrize("style", list(Style))
def test_glare_on_the_window_is_glare(style: Style) -> None:
    meter = METERS[style]
    centre = meter.window_in_photo(Shot()).mean(axis=0)
    shot = Shot(glare=(float(centre[0]) + 40, float(centre[1]), 30.0))
    assert gate(meter, shot) is RejectReason.GLARE


def test_overexposed_photo_is_too_bright() -> None:
    meter = METERS[Style.BLACK_ON_WHITE]
    assert gate(meter, Shot(light=3.0)) is RejectReason.TOO_BRIGHT


def test_flat_grey_photo_has_no_contrast() -> None:
    photo = np.full((720, 1280, 3), 128, np.uint8)
    assert check_frame(photo) is RejectReason.LOW_CONTRAST


def test_fogged_window_has_no_contrast() -> None:
    meter = METERS[Style.WHITE_ON_BLACK]
    clean = meter.photo(55.5)
    fogged = (clean * 0.08 + 110).astype(np.uint8)
    # The whole photo is still bright enough to look at; its contrast is gone.
    window = straighten(fogged, meter.window_in_photo(Shot()))
    assert check_window(window) is RejectReason.LOW_CONTRAST
