"""The whole pipeline on synthetic meter photos, with the shipped digit model."""

import math
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from custom_components.energy_hub.ocr.digits import read_digits
from custom_components.energy_hub.ocr.pipeline import MeterConfig, MeterReader
from custom_components.energy_hub.ocr.result import Reading, Rejection, RejectReason
from custom_components.energy_hub.ocr.window import boxes_of, cell_quads
from simulators.meter_photos import Meter, Shot, Style, shown
from tests.ocr.windows import pipeline_window

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: the pipeline is Home-Assistant-free."""


# A burst as a camera takes it: each frame its own noise, the camera knocked
# a little since set-up, JPEG as cameras send.
BURST = (
    Shot(shift=(9.0, -6.0), rotation=1.1, noise=3, jpeg=80, seed=1),
    Shot(shift=(10.0, -6.0), rotation=1.1, noise=3, jpeg=80, seed=2),
    Shot(shift=(9.0, -5.0), rotation=1.2, noise=3, jpeg=80, seed=3),
)
HARD_BURST = (
    Shot(
        shift=(-35.0, 22.0),
        rotation=-2.8,
        tilt=0.03,
        light=0.4,
        noise=6,
        blur=0.8,
        jpeg=60,
        seed=4,
    ),
    Shot(
        shift=(-34.0, 22.0),
        rotation=-2.8,
        tilt=0.03,
        light=0.4,
        noise=6,
        blur=0.8,
        jpeg=60,
        seed=5,
    ),
    Shot(
        shift=(-35.0, 21.0),
        rotation=-2.7,
        tilt=0.03,
        light=0.4,
        noise=6,
        blur=0.8,
        jpeg=60,
        seed=6,
    ),
)


def reader_for(meter: Meter, **options: float) -> MeterReader:
    config = MeterConfig(
        window=pipeline_window(meter),
        reference=meter.photo(10.0),
        decimals=meter.decimals,
        rolling=meter.style is not Style.LCD,
        **options,  # type: ignore[arg-type]
    )
    return MeterReader(config)


def photos(
    meter: Meter, reading: float, shots: tuple[Shot, ...] = BURST
) -> list[np.ndarray]:
    return [meter.photo(reading, shot) for shot in shots]


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize(
    ("reading", "shots", "previous"),
    [
        (40217.3, BURST, None),
        (1985.6, HARD_BURST, None),
        # Drums caught half-way: 786.9 -> 787.0 under way.
        (786.945, BURST, 786.5),
    ],
    ids=["knocked", "dim-soft-turned-tilted", "drums-rolling"],
)
def test_known_readings(
    style: Style, reading: float, shots: tuple[Shot, ...], previous: float | None
) -> None:
    meter = Meter(style=style)
    reader = reader_for(meter)
    reader.composer.previous = previous
    result = reader.read(photos(meter, reading, shots))
    assert isinstance(result, Reading), result
    assert result.display == shown(reading, meter.digits, meter.decimals)
    assert result.value == result.display
    assert result.text == f"{shown(reading, 8, 1):09.1f}"
    assert len(result.confidences) == 8
    assert all(0 <= confidence <= 1 for confidence in result.confidences)


def test_six_digits_without_decimals() -> None:
    meter = Meter(style=Style.BLACK_ON_WHITE, digits=6, decimals=0)
    result = reader_for(meter).read(photos(meter, 370914))
    assert isinstance(result, Reading), result
    assert result.display == 370914
    assert result.text == "370914"


def test_dark_burst_is_rejected_never_read() -> None:
    meter = Meter(style=Style.WHITE_ON_BLACK)
    dark = [
        meter.photo(444.44, Shot(light=0.05, noise=2, seed=seed)) for seed in range(3)
    ]
    result = reader_for(meter).read(dark)
    assert result == Rejection(RejectReason.TOO_DARK, "3 of 3 frames")


def test_glared_burst_is_rejected() -> None:
    meter = Meter(style=Style.BLACK_ON_WHITE)
    centre = meter.window_in_photo(Shot()).mean(axis=0)
    glare = (float(centre[0]) + 60, float(centre[1]), 32.0)
    glared = [
        meter.photo(5000.0, Shot(glare=glare, noise=2, seed=seed)) for seed in range(3)
    ]
    result = reader_for(meter).read(glared)
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.GLARE


def test_one_glared_frame_of_three_is_outvoted() -> None:
    meter = Meter(style=Style.WHITE_ON_BLACK)
    centre = meter.window_in_photo(BURST[0]).mean(axis=0)
    frames = photos(meter, 2468.1)
    frames[1] = meter.photo(
        2468.1, Shot(glare=(float(centre[0]), float(centre[1]), 30.0))
    )
    result = reader_for(meter).read(frames)
    assert isinstance(result, Reading), result
    assert result.display == 2468.1


def test_the_same_frame_three_times_is_too_few() -> None:
    meter = Meter()
    frame = meter.photo(77.7, BURST[0])
    result = reader_for(meter).read([frame, frame.copy(), frame])
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.TOO_FEW_FRAMES


def test_moved_camera_is_misaligned() -> None:
    meter = Meter()
    mount = ((420.0, 300.0), (980.0, 260.0), (1000.0, 600.0), (400.0, 640.0))
    moved = Meter(mount=mount)
    result = reader_for(meter).read(photos(moved, 77.7))
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.MISALIGNED


def test_rolling_digits_read_forward() -> None:
    """Drums caught between numbers, carries across three drums, in order.

    A drum caught at some turns may be unreadable (the reading waits for the
    next burst); what is read is never wrong and never goes back.
    """
    meter = Meter(style=Style.RED_DECIMALS)
    reader = reader_for(meter)
    values, unreadable = [], 0
    for step in range(9):
        truth = 1239.8 + step * 0.045
        result = reader.read(photos(meter, truth))
        if isinstance(result, Rejection):
            assert result.reason is RejectReason.UNREADABLE, (truth, result)
            unreadable += 1
            continue
        assert truth - 0.1 - 1e-6 <= result.display <= truth + 0.1, (truth, result)
        values.append(result.value)
    assert unreadable <= 2
    assert values == sorted(values)
    assert values[0] == 1239.8
    assert 1240.1 <= values[-1] <= 1240.2


def test_rollover_is_accepted_once_confirmed() -> None:
    meter = Meter(style=Style.WHITE_ON_BLACK, digits=6, decimals=1)
    reader = reader_for(meter, counter_maximum=99999.9)
    # 99999.8, the drums rolling to 0, then 0.0 to 0.3 once confirmed.
    sequence = [
        (99999.8, Reading),
        (99999.95, Reading),
        (0.02, Rejection),
        (0.1, Reading),
        (0.3, Reading),
    ]
    results = [reader.read(photos(meter, value)) for value, _ in sequence]
    for (value, kind), result in zip(sequence, results, strict=True):
        assert isinstance(result, kind), (value, result)
    first, rolling, pending, confirmed, later = results
    assert isinstance(first, Reading)
    assert first.value == 99999.8
    assert isinstance(rolling, Reading)
    assert rolling.value == 99999.9
    assert isinstance(pending, Rejection)
    assert pending.reason is RejectReason.UNCONFIRMED
    assert isinstance(confirmed, Reading)
    assert confirmed.display == 0.1
    assert confirmed.value == 100000.1
    assert isinstance(later, Reading)
    assert later.value == 100000.3


def test_guard_publishes_with_a_time() -> None:
    meter = Meter(style=Style.LCD)
    reader = reader_for(meter, max_rate_per_hour=10.0)
    first = reader.read(photos(meter, 1500.0), now=1_800_000_000.0)
    assert isinstance(first, Reading)
    assert first.published == 1500.0
    second = reader.read(photos(meter, 1501.2), now=1_800_000_900.0)
    assert isinstance(second, Reading)
    assert second.published == 1501.2
    # 300 kWh in 15 minutes: withheld until confirmed.
    jump = reader.read(photos(meter, 1801.2), now=1_800_001_800.0)
    assert isinstance(jump, Rejection)
    assert jump.reason is RejectReason.UNCONFIRMED


def test_read_digits_reads_the_window_cells_of_a_still_photo() -> None:
    meter = Meter(style=Style.BLACK_ON_WHITE)
    photo = meter.photo(31415.9)
    boxes = boxes_of(cell_quads(meter.window_in_photo(Shot()), meter.digits))
    digits = read_digits(photo, boxes)
    assert "".join(str(digit.value) for digit in digits) == "00314159"


def test_burst_of_other_sizes_and_bad_input() -> None:
    meter = Meter()
    single = MeterReader(
        MeterConfig(
            window=pipeline_window(meter),
            reference=meter.photo(1.0),
            decimals=1,
            burst=1,
        )
    )
    result = single.read([meter.photo(321.0, BURST[0])])
    assert isinstance(result, Reading)
    assert result.display == 321.0
    with pytest.raises(ValueError, match="H x W x 3"):
        single.read([np.zeros((720, 1280), np.uint8)])
    with pytest.raises(ValueError, match="decimals"):
        MeterReader(
            MeterConfig(
                window=pipeline_window(meter), reference=meter.photo(1.0), decimals=8
            )
        )


def test_both_backends_give_the_same_readings() -> None:
    pytest.importorskip("onnxruntime")
    meter = Meter(style=Style.BLACK_ON_WHITE)
    window, reference = pipeline_window(meter), meter.photo(10.0)
    readers = [
        MeterReader(
            MeterConfig(window=window, reference=reference, decimals=1), backend=backend
        )
        for backend in ("onnxruntime", "numpy")
    ]
    for reading in (1985.6, 40217.3):
        frames = photos(meter, reading, HARD_BURST)
        onnx, numpy_ = (reader.read(frames) for reader in readers)
        assert isinstance(onnx, Reading)
        assert isinstance(numpy_, Reading)
        assert onnx.display == numpy_.display == shown(reading, 8, 1)
        assert all(
            math.isclose(a, b, abs_tol=1e-3)
            for a, b in zip(onnx.confidences, numpy_.confidences, strict=True)
        )


def test_pipeline_runs_without_onnxruntime_or_opencv() -> None:
    """Home Assistant OS (musl) has neither: the numpy path must do it all."""
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in ("onnxruntime", "onnx", "cv2"):
                    raise ImportError(f"{name} is not installed here")
                return None

        sys.meta_path.insert(0, Refuse())
        from custom_components.energy_hub.ocr.pipeline import MeterConfig, MeterReader
        from simulators.meter_photos import Meter, Shot
        from tests.ocr.windows import pipeline_window

        meter = Meter()
        reader = MeterReader(MeterConfig(
            window=pipeline_window(meter), reference=meter.photo(1.0), decimals=1))
        shots = [Shot(noise=3, seed=seed) for seed in range(3)]
        result = reader.read([meter.photo(2718.2, shot) for shot in shots])
        blocked = sorted(m for m in ("onnxruntime", "onnx", "cv2") if m in sys.modules)
        print(reader.backend, result.display, blocked)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["numpy", "2718.2", "[]"]
