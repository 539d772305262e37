"""The Sungrow energy counters through the core's guard, against the simulator.

Lifetime totals survive a restart with a misread and an inverter whose
counters were reset; daily counters restart only at local midnight.
"""

import datetime as dt

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import SungrowSimulator

from .conftest import add_entry, entity_id, mock_entry, refresh, state

# The guard's time is Home Assistant's wall clock: frozen here, but running
# (`tick`), so the Modbus client's pacing and timeouts still work.
pytestmark = pytest.mark.freeze_time("2026-06-01 00:00:00+00:00", tick=True)

GRID_IMPORT = "sensor.sungrow_inverter_grid_import_total"
# 0xFFFFFFFE tenths of a kWh: one below the "not available" pattern.
MISREAD_WH = 0xFFFFFFFE * 100


def _local(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(
        2026, 6, day, hour, minute, tzinfo=dt_util.get_default_time_zone()
    )


def _advance(freezer: FrozenDateTimeFactory, delta: dt.timedelta) -> None:
    """Move the clock on by `delta` (a ticking `freezer.tick` loses the time run)."""
    freezer.move_to(dt_util.utcnow() + delta)


def _record(hass: HomeAssistant, watched: str) -> list[str]:
    """Every state `watched` takes from now on (also before the entity exists)."""
    states: list[str] = []

    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == watched and event.data["new_state"] is not None:
            states.append(event.data["new_state"].state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return states


def _numbers(states: list[str]) -> list[float]:
    return [float(value) for value in states if value != STATE_UNAVAILABLE]


@pytest.fixture
def still_sungrow(sungrow: SungrowSimulator) -> SungrowSimulator:
    """The inverter with its simulated time stopped: counters move only when set."""
    sungrow.time_scale = 0.0
    return sungrow


async def test_a_misread_right_after_a_restart_is_never_published(
    hass: HomeAssistant,
    still_sungrow: SungrowSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(_local(1, 10, 0))
    restored_at = dt_util.utcnow() - dt.timedelta(minutes=1)
    mock_restore_cache_with_extra_data(
        hass,
        (
            (
                State(GRID_IMPORT, "12345.6"),
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
    published = _record(hass, GRID_IMPORT)
    still_sungrow.model.totals["import"] = MISREAD_WH  # the first poll misreads
    entry = mock_entry(still_sungrow)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, Platform.SENSOR, "grid_import_total") == "12345.6"

    still_sungrow.model.totals["import"] = 12_345_700.0  # a good reading: 12 345.7
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "grid_import_total") == "12345.7"
    assert _numbers(published) == [12345.6, 12345.7]


async def test_an_inverter_reset_is_rebased_never_down(
    hass: HomeAssistant,
    still_sungrow: SungrowSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(_local(1, 10, 0))
    entry = await add_entry(hass, still_sungrow)
    before = float(state(hass, Platform.SENSOR, "grid_import_total"))
    assert before == 3456.7  # the simulator's lifetime import
    published = _record(hass, GRID_IMPORT)

    # Reset: the counter starts again from 12.0 kWh and counts on.
    for minutes, import_wh in ((0, 12_000.0), (2.5, 12_100.0), (2.5, 12_200.0)):
        _advance(freezer, dt.timedelta(minutes=minutes))
        still_sungrow.model.totals["import"] = import_wh
        await refresh(entry)
    # Three readings over five minutes, consistent: the new series is believed.
    assert float(state(hass, Platform.SENSOR, "grid_import_total")) == pytest.approx(
        before + 0.2
    )
    _advance(freezer, dt.timedelta(minutes=1))
    still_sungrow.model.totals["import"] = 12_500.0
    await refresh(entry)
    total = hass.states.get(GRID_IMPORT)
    assert total is not None
    assert float(total.state) == pytest.approx(before + 0.5)
    assert total.attributes["raw_reading"] == 12.5

    values = _numbers(published)
    assert values == sorted(values)  # never down
    assert all(value < before + 1 for value in values)  # never the jump
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"counter_rebased_{still_sungrow.serial}_grid_import_total"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["previous"] == "3456.7"
    assert issue.translation_placeholders["new"] == "12"


async def test_daily_counters_restart_at_midnight(
    hass: HomeAssistant,
    still_sungrow: SungrowSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(_local(1, 23, 50))
    daily = still_sungrow.model.daily
    daily["import"] = 12_300.0
    entry = await add_entry(hass, still_sungrow)
    today = hass.states.get(entity_id(hass, Platform.SENSOR, "grid_import_today"))
    assert today is not None
    assert today.state == "12.3"
    assert today.attributes["state_class"] == "total_increasing"

    freezer.move_to(_local(2, 0, 5))  # five minutes after midnight
    daily["import"] = 100.0
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "grid_import_today") == "0.1"
    _advance(freezer, dt.timedelta(minutes=1))
    daily["import"] = 200.0
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "grid_import_today") == "0.2"


async def test_daily_counters_do_not_restart_away_from_midnight(
    hass: HomeAssistant,
    still_sungrow: SungrowSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(_local(1, 12, 0))
    daily = still_sungrow.model.daily
    daily["import"] = 12_300.0
    entry = await add_entry(hass, still_sungrow)
    assert state(hass, Platform.SENSOR, "grid_import_today") == "12.3"

    daily["import"] = 100.0  # a drop at noon: a glitch, not a new day
    _advance(freezer, dt.timedelta(seconds=10))
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "grid_import_today") == "12.3"
    daily["import"] = 12_400.0
    _advance(freezer, dt.timedelta(seconds=10))
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "grid_import_today") == "12.4"
