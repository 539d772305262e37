"""An OCR meter added through the flow on the meter-camera simulator's image URL.

The simulator's meter rises at 0.6 kWh/h on a clock the test moves; a time
change fired into Home Assistant runs the poll, which reads a burst of real
JPEGs over HTTP (the burst's pauses are real: time is not frozen).
"""

from collections.abc import AsyncGenerator
from datetime import timedelta
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulators.meter_camera import START_READING, MeterCameraSimulator
from simulators.meter_photos import shown

from ..helpers import add_demo_entry

READING = "sensor.electricity_meter_meter_reading"
REJECTION = "sensor.electricity_meter_last_rejection_reason"
FAILURES = "sensor.electricity_meter_consecutive_failures"


class MeterClock:
    """The simulated meter's clock; `advance` moves it (and only it) forward."""

    def __init__(self) -> None:
        self.now = time.time()
        self.travelled = timedelta()

    def __call__(self) -> float:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta.total_seconds()
        self.travelled += delta


@pytest.fixture
def clock() -> MeterClock:
    """Where the simulated meter is in time."""
    return MeterClock()


@pytest.fixture
async def camera(
    loopback: None, clock: MeterClock
) -> AsyncGenerator[MeterCameraSimulator]:
    """The meter camera on 127.0.0.1, its meter on the test's clock."""
    simulator = MeterCameraSimulator(clock=clock)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def _add_meter(hass: HomeAssistant, camera: MeterCameraSimulator) -> None:
    """The simulator's demo entry, through the config flow (image-URL path)."""
    (demo,) = camera.demo_entries()
    # Polls here are seconds apart in real time: a rate bound that lets an
    # hour's rise through (the pipeline divides by the real time between reads).
    demo.steps[1]["max_rate"] = 36000.0
    entry, _ = await add_demo_entry(hass, demo)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["image_url"] == camera.snapshot_url


async def _poll_after(hass: HomeAssistant, clock: MeterClock, delta: timedelta) -> None:
    """The meter runs on by `delta`; Home Assistant's next poll comes due."""
    clock.advance(delta)
    async_fire_time_changed(hass, dt_util.utcnow() + clock.travelled)
    # The coordinator's scheduled refresh runs as a background task.
    await hass.async_block_till_done(wait_background_tasks=True)


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _reading(hass: HomeAssistant) -> float:
    return float(_state(hass, READING))


def _shown(camera: MeterCameraSimulator) -> float:
    return shown(camera.reading(), camera.meter.digits, camera.meter.decimals)


async def test_the_reading_follows_the_rising_meter(
    hass: HomeAssistant,
    camera: MeterCameraSimulator,
    clock: MeterClock,
) -> None:
    """Set-up reads the start; each later poll reads what the drums show then."""
    await _add_meter(hass, camera)
    assert _reading(hass) == START_READING

    # 35 minutes at 0.6 kWh/h: 12345.95, the last two drums half-way round.
    await _poll_after(hass, clock, timedelta(minutes=35))
    assert camera.reading() == pytest.approx(12345.95)
    assert _reading(hass) == _shown(camera) == 12345.9

    await _poll_after(hass, clock, timedelta(minutes=85))
    assert _reading(hass) == _shown(camera) == 12346.8
    assert _state(hass, FAILURES) == "0"
    # Three frames per reading, each drawn anew.
    assert camera.requests.count("GET /snapshot.jpg") >= 9


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"extra": {"dark": True}}, "too_dark"),
        ({"extra": {"glare": True}}, "glare"),
        ({"http_status": 503}, "camera_unavailable"),
        ({"offline": True}, "camera_unavailable"),
    ],
    ids=["dark", "glare", "http-503", "offline"],
)
async def test_a_fault_keeps_the_last_reading(
    hass: HomeAssistant,
    camera: MeterCameraSimulator,
    clock: MeterClock,
    fault: dict[str, Any],
    reason: str,
) -> None:
    """No reading while the camera fails; the last one stays, then it catches up."""
    await _add_meter(hass, camera)
    assert _reading(hass) == START_READING

    if fault.get("offline"):
        await camera.set_offline(True)
    camera.faults.http_status = fault.get("http_status")
    camera.faults.extra = dict(fault.get("extra", {}))
    await _poll_after(hass, clock, timedelta(hours=1))
    assert _state(hass, READING) != STATE_UNAVAILABLE
    assert _reading(hass) == START_READING
    assert _state(hass, REJECTION) == reason
    assert _state(hass, FAILURES) == "1"

    await camera.set_offline(False)
    camera.faults.http_status = None
    camera.faults.extra = {}
    await _poll_after(hass, clock, timedelta(hours=1))
    assert _reading(hass) == _shown(camera) == 12346.8
    assert _state(hass, FAILURES) == "0"
