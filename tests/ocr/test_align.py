"""Alignment of knocked-camera photos to the reference frame, and its failures."""

import numpy as np
import pytest

from custom_components.energy_hub.ocr.align import Aligner
from simulators.meter_photos import Meter, Shot, Style
from tests.ocr.windows import pipeline_window


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: these are plain functions."""


# Corners of the digit window may be off by this much (photo pixels): a
# tenth of a 64-pixel digit cell.
TOLERANCE_PX = 4.0
METERS = {style: Meter(style=style) for style in Style}
ALIGNERS = {style: Aligner(meter.photo(111.1)) for style, meter in METERS.items()}


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize(
    "shot",
    [
        Shot(),
        Shot(shift=(12.0, -7.0)),
        Shot(shift=(-45.0, 30.0), rotation=2.5),
        Shot(shift=(80.0, 50.0), rotation=-3.6, noise=5, jpeg=60),
        Shot(shift=(6.0, 4.0), rotation=1.2, light=0.35, noise=6, blur=1.0),
        Shot(rotation=-0.7, glare=(1150.0, 600.0, 40.0)),
        # Swung sideways: a perspective the alignment does not model.
        Shot(shift=(-15.0, 10.0), rotation=1.5, tilt=0.05, noise=3),
    ],
    ids=["still", "shifted", "turned", "far-noisy", "dim-soft", "lamp", "tilted"],
)
def test_window_corners_are_found(style: Style, shot: Shot) -> None:
    meter = METERS[style]
    alignment = ALIGNERS[style].align(meter.photo(98765.4, shot))
    assert alignment is not None
    assert alignment.angle == pytest.approx(shot.rotation, abs=0.5)
    found = alignment.map_points(pipeline_window(meter).quad())
    error = np.abs(found - meter.window_in_photo(shot)).max()
    assert error < TOLERANCE_PX


def test_another_meter_does_not_match() -> None:
    # Another wall, another meter, hung lower and smaller, seen at a slant.
    mount = ((420.0, 300.0), (980.0, 260.0), (1000.0, 600.0), (400.0, 640.0))
    other = Meter(style=Style.LCD, seed=99, mount=mount).photo(5.0)
    assert ALIGNERS[Style.WHITE_ON_BLACK].align(other) is None


def test_noise_does_not_match() -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    assert ALIGNERS[Style.WHITE_ON_BLACK].align(noise) is None


def test_camera_moved_too_far_does_not_match() -> None:
    meter = METERS[Style.BLACK_ON_WHITE]
    moved = meter.photo(5.0, Shot(shift=(330.0, 0.0)))
    assert ALIGNERS[Style.BLACK_ON_WHITE].align(moved) is None


def test_turn_beyond_the_search_does_not_match() -> None:
    meter = METERS[Style.WHITE_ON_BLACK]
    turned = meter.photo(5.0, Shot(rotation=15.0))
    assert ALIGNERS[Style.WHITE_ON_BLACK].align(turned) is None


def test_other_resolution_does_not_match() -> None:
    photo = METERS[Style.WHITE_ON_BLACK].photo(5.0)
    assert ALIGNERS[Style.WHITE_ON_BLACK].align(photo[:480, :640]) is None


def test_mapping_of_points_turns_about_the_centre() -> None:
    meter = METERS[Style.WHITE_ON_BLACK]
    alignment = ALIGNERS[Style.WHITE_ON_BLACK].align(meter.photo(1.0))
    assert alignment is not None
    centre = np.array([alignment.centre])
    assert np.allclose(alignment.map_points(centre), centre, atol=2.0)


def test_the_last_photos_turn_does_not_change_the_answer() -> None:
    """The search starts from the last photo's turn; far off, it searches anew."""
    meter = METERS[Style.RED_DECIMALS]
    shot = Shot(shift=(20.0, -12.0), rotation=3.5, noise=3)
    photo = meter.photo(2024.6, shot)
    fresh = Aligner(meter.photo(111.1)).align(photo)
    primed = Aligner(meter.photo(111.1))
    assert primed.align(meter.photo(5.0, Shot(rotation=-3.8))) is not None
    after_far_turn = primed.align(photo)
    assert fresh is not None
    assert after_far_turn is not None
    assert after_far_turn.angle == pytest.approx(fresh.angle, abs=0.2)
    truth = meter.window_in_photo(shot)
    quad = pipeline_window(meter).quad()
    assert np.abs(after_far_turn.map_points(quad) - truth).max() < TOLERANCE_PX
