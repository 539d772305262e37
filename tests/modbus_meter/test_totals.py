"""A Modbus meter's energy totals through the core's guard, against the simulator.

A restart with a misread publishes nothing of it; a replaced meter is
rebased: the total never goes down and moves on by the new meter's counts.
"""

import datetime as dt

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import ABB_UNIT, MeterSimulator

from .conftest import mock_entry

# The guard's time is Home Assistant's wall clock: frozen here, but running
# (`tick`), so the Modbus client's pacing and timeouts still work.
pytestmark = pytest.mark.freeze_time("2026-06-01 00:00:00+00:00", tick=True)

IMPORT = "sensor.abb_b23_grid_energy_imported_from_grid"
UNIQUE_ID = f"abb_b23_{MeterSimulator.abb_serial}"


def _advance(freezer: FrozenDateTimeFactory, delta: dt.timedelta) -> None:
    """Move the clock on by `delta` (a ticking `freezer.tick` loses the time run)."""
    freezer.move_to(dt_util.utcnow() + delta)


def _record(hass: HomeAssistant, watched: str) -> list[float]:
    """Every numeric state `watched` takes from now on (also before it exists)."""
    values: list[float] = []

    def record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if (
            event.data["entity_id"] == watched
            and new is not None
            and new.state != STATE_UNAVAILABLE
        ):
            values.append(float(new.state))

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return values


def _state(hass: HomeAssistant) -> str:
    current = hass.states.get(IMPORT)
    assert current is not None
    return current.state


async def _setup(hass: HomeAssistant, meters: MeterSimulator) -> MockConfigEntry:
    entry = mock_entry(
        meters, ABB_UNIT, "abb_b23", "grid", title="ABB B23 (grid)", unique_id=UNIQUE_ID
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _poll(entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()


async def test_a_misread_right_after_a_restart_is_never_published(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    meters.abb.held = True  # the counter moves only when set
    restored_at = dt_util.utcnow() - dt.timedelta(minutes=1)
    mock_restore_cache_with_extra_data(
        hass,
        (
            (
                State(IMPORT, "12345.6"),
                {
                    "native_value": 12345.6,
                    "native_unit_of_measurement": "kWh",
                    "guard": {
                        "published": 12345.6,
                        "published_at": restored_at.timestamp(),
                        "raw": 12345.6,
                        "offset": 0.0,
                    },
                },
            ),
        ),
    )
    published = _record(hass, IMPORT)
    meters.abb.import_wh = 429_496_729_500.0  # reads 429 496 729.5 kWh
    entry = await _setup(hass, meters)
    assert _state(hass) == "12345.6"

    meters.abb.import_wh = 12_345_670.0  # a good reading: 12 345.67
    await _poll(entry)
    assert _state(hass) == "12345.67"
    assert published == [12345.6, 12345.67]


async def test_a_replaced_meter_is_rebased_never_down(
    hass: HomeAssistant, meters: MeterSimulator, freezer: FrozenDateTimeFactory
) -> None:
    meters.abb.held = True
    freezer.move_to(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    entry = await _setup(hass, meters)
    before = float(_state(hass))
    assert before == 12345.68  # the simulator's meter
    published = _record(hass, IMPORT)

    # A new meter: its counter starts at 5.00 kWh and counts on.
    for minutes, import_wh in ((0, 5_000.0), (2.5, 5_100.0), (2.5, 5_200.0)):
        _advance(freezer, dt.timedelta(minutes=minutes))
        meters.abb.import_wh = import_wh
        await _poll(entry)
    # Three readings over five minutes, consistent: the new meter is believed.
    assert float(_state(hass)) == pytest.approx(before + 0.2)
    _advance(freezer, dt.timedelta(minutes=1))
    meters.abb.import_wh = 5_450.0
    await _poll(entry)
    assert float(_state(hass)) == pytest.approx(before + 0.45)

    assert published == sorted(published)  # never down
    assert all(value < before + 1 for value in published)  # never the jump
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"counter_rebased_{UNIQUE_ID}_energy_import"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["new"] == "5"
