"""The P1 meter's totals on the simulator: restarts, misreads, replaced meters.

Electricity, gas and water totals go through the core's counter guard: what
they publish never goes down and never jumps, a misread right after a restart
is withheld like any other, and a replaced meter is rebased (with a repair
issue) once its new count has persisted.
"""

import datetime as dt
import itertools
import logging
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.p1 import DSMR4_GAS_INTERVAL, P1MeterSimulator
from tests.helpers import record_numbers

from .conftest import MakeMeter, p1_entry, setup_entry

IMPORT = "sensor.p1_meter_energy_import"
GAS = "sensor.p1_meter_gas"
PEAK_LIMIT = "number.p1_meter_capacity_peak_limit"
MISREAD = 429496729.5  # 2^32 - 1 tenths: an all-ones register read as kWh
# The simulator's counters when it starts (kWh, m³).
IMPORT_KWH = 13779.338
GAS_M3 = 2569.646


@pytest.fixture(autouse=True)
def monday_morning(freezer: FrozenDateTimeFactory) -> None:
    """08:00:30 on a Monday: gas reports on the marks that follow are predictable."""
    freezer.move_to(
        dt.datetime(2026, 11, 23, 8, 0, 30, tzinfo=dt_util.get_default_time_zone())
    )


async def poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 60
) -> None:
    """Let the wall clock move on and the coordinator's own timer poll the meter."""
    freezer.tick(dt.timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def value(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def restored_total(entity_id: str, published: float, unit: str) -> Any:
    """Restore data of a guarded total published a minute ago."""
    at = (dt_util.utcnow() - dt.timedelta(minutes=1)).timestamp()
    return (
        State(entity_id, str(published)),
        {
            "native_value": published,
            "native_unit_of_measurement": unit,
            "guard": {
                "published": published,
                "published_at": at,
                "raw": published,
                "offset": 0.0,
            },
        },
    )


def never_decreases(series: list[float]) -> bool:
    return all(later >= earlier for earlier, later in itertools.pairwise(series))


async def test_misread_right_after_a_restart_is_never_published(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    meter = await make_meter()
    meter.faults.extra["import_kwh_misread"] = MISREAD
    mock_restore_cache_with_extra_data(
        hass, (restored_total(IMPORT, IMPORT_KWH, "kWh"),)
    )
    await setup_entry(hass, p1_entry(meter))
    # The first poll after the restart read the misread: the restored total stays.
    assert value(hass, IMPORT) == str(IMPORT_KWH)
    recorded = record_numbers(hass, [IMPORT])

    await poll(hass, freezer)
    assert value(hass, IMPORT) == str(IMPORT_KWH)
    del meter.faults.extra["import_kwh_misread"]
    meter.set_power(3000.0, 0.0, 0.0)  # the first minute drew 0.91 kW
    await poll(hass, freezer)
    good = float(value(hass, IMPORT))
    assert good == pytest.approx(IMPORT_KWH + (0.91 + 3.0) / 60, abs=0.002)
    assert max(recorded[IMPORT]) == good
    assert never_decreases(recorded[IMPORT])


async def test_gas_misread_right_after_a_restart_is_never_published(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    meter = await make_meter()
    [gas] = meter.external
    gas.reported_value = 99999999.999  # the report the meter holds now
    mock_restore_cache_with_extra_data(hass, (restored_total(GAS, GAS_M3, "m³"),))
    await setup_entry(hass, p1_entry(meter))
    assert value(hass, GAS) == str(GAS_M3)
    recorded = record_numbers(hass, [GAS])
    for _ in range(4):  # the same report is sent until the 08:05 mark
        await poll(hass, freezer)
    assert value(hass, GAS) == str(GAS_M3)
    assert recorded[GAS] == [GAS_M3]
    await poll(hass, freezer)  # 08:05:30: the 08:05 report is a good one
    assert float(value(hass, GAS)) == pytest.approx(GAS_M3 + 0.3 / 12, abs=0.002)
    assert never_decreases(recorded[GAS])


async def test_replaced_meter_is_rebased_and_counts_on(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    meter = await make_meter()
    meter.set_power(1200.0, 0.0, 0.0)
    await setup_entry(hass, p1_entry(meter))
    await poll(hass, freezer)
    before = float(value(hass, IMPORT))
    recorded = record_numbers(hass, [IMPORT])

    # The grid operator fits a new meter; the home keeps drawing 1.2 kW.
    meter.replace_meter((12.0, 3.0), (0.0, 0.0))
    with caplog.at_level(logging.WARNING, logger="custom_components.energy_hub"):
        for _ in range(7):  # a minute apart: 3 readings over 5 minutes and more
            await poll(hass, freezer)
    assert never_decreases(recorded[IMPORT])
    assert min(recorded[IMPORT]) == before
    issue = issue_registry.async_get_issue(
        DOMAIN, f"counter_rebased_{meter.serial}_energy_import"
    )
    assert issue is not None
    assert issue.translation_key == "counter_rebased"
    warnings = [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING
        and record.getMessage().startswith(f"{IMPORT}:")
    ]
    assert len(warnings) == 1

    # From now on the total moves by what the new meter counts.
    published = float(value(hass, IMPORT))
    state = hass.states.get(IMPORT)
    assert state is not None
    raw = float(state.attributes["raw_reading"])
    assert raw < 20  # the new meter's own count
    await poll(hass, freezer)
    state = hass.states.get(IMPORT)
    assert state is not None
    new_raw = float(state.attributes["raw_reading"])
    assert new_raw - raw == pytest.approx(1.2 / 60, abs=0.002)
    assert float(state.state) - published == pytest.approx(new_raw - raw, abs=1e-6)
    # Nothing was lost but the minute in which the counter changed.
    assert float(state.state) - before == pytest.approx(1.2 * 7 / 60, abs=0.002)
    assert never_decreases(recorded[IMPORT])
    # The capacity figures follow the new meter too (not frozen on its lower count).
    average = float(value(hass, "sensor.p1_meter_quarter_hour_average_power"))
    await poll(hass, freezer)
    later = float(value(hass, "sensor.p1_meter_quarter_hour_average_power"))
    assert later - average == pytest.approx(1.2 / 60 / 0.25, abs=0.01)


async def test_replaced_gas_meter_is_rebased_and_counts_on(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    meter = await make_meter()
    await setup_entry(hass, p1_entry(meter))
    recorded = record_numbers(hass, [GAS])
    [gas] = meter.external
    gas.replace(1.0)
    # Reports at 08:05, 08:10 and 08:15 confirm the new count; 08:20 counts on.
    for _ in range(20):  # to 08:20:30
        await poll(hass, freezer)
    assert never_decreases(recorded[GAS])
    assert min(recorded[GAS]) == GAS_M3
    assert issue_registry.async_get_issue(DOMAIN, f"counter_rebased_{meter.serial}_gas")
    state = hass.states.get(GAS)
    assert state is not None
    assert float(state.attributes["raw_reading"]) < 2
    # What the new meter counted from its first report (08:05) to 08:20.
    assert float(state.state) == pytest.approx(GAS_M3 + 0.3 * 15 / 60, abs=0.002)


async def test_hourly_gas_meter_stays_available_until_it_stops_reporting(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    """DSMR 4 meters report gas once an hour; the total is stale after 3 hours."""
    meter = await make_meter(gas_interval=DSMR4_GAS_INTERVAL)
    await setup_entry(hass, p1_entry(meter, poll_interval=5))
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    first = value(hass, GAS)
    freezer.tick(dt.timedelta(minutes=55))
    await coordinator.async_refresh()
    assert value(hass, GAS) == first  # not stale: no report due yet
    freezer.tick(dt.timedelta(minutes=10))  # 09:05:30: the 09:00 report
    await coordinator.async_refresh()
    assert float(value(hass, GAS)) == pytest.approx(GAS_M3 + 0.3 * 65 / 60, abs=0.002)

    [gas] = meter.external
    gas.reporting = False  # a flat battery: the meter re-sends the 09:00 report
    freezer.tick(dt.timedelta(hours=2, minutes=50))
    await coordinator.async_refresh()
    assert value(hass, GAS) != STATE_UNAVAILABLE
    freezer.tick(dt.timedelta(minutes=15))  # more than 3 h since 09:05:30
    await coordinator.async_refresh()
    assert value(hass, GAS) == STATE_UNAVAILABLE
    assert value(hass, IMPORT) != STATE_UNAVAILABLE

    gas.reporting = True
    freezer.tick(dt.timedelta(minutes=1))
    await coordinator.async_refresh()
    assert float(value(hass, GAS)) > GAS_M3 + 0.3


# Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 0.0, 50.1])
async def test_peak_limit_refuses_bad_values_and_stores_nothing(
    hass: HomeAssistant,
    meter: P1MeterSimulator,
    hass_storage: dict[str, Any],
    bad: float,
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    key = f"{DOMAIN}.p1_{entry.entry_id}"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: PEAK_LIMIT, ATTR_VALUE: bad},
            blocking=True,
        )
    # The coordinator's own door, for any other caller.
    with pytest.raises(ServiceValidationError):
        await entry.runtime_data.coordinator.async_set_peak_limit(bad)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert value(hass, PEAK_LIMIT) == "2.5"
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert value(hass, PEAK_LIMIT) == "2.5"


@pytest.mark.parametrize(
    "stored",
    [
        {"peak_limit_kw": None},  # what a NaN saved by an older version became
        {"peak_limit_kw": math.nan},
        {"peak_limit_kw": math.inf},
        {"peak_limit_kw": "4.2"},
        {"peak_limit_kw": True},
        {"peak_limit_kw": 1e9},
        {"peak_limit_kw": -3.0},
        {},
        ["not", "a", "dict"],
    ],
)
async def test_a_bad_stored_peak_limit_is_ignored(
    hass: HomeAssistant,
    meter: P1MeterSimulator,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    stored: Any,
) -> None:
    entry = p1_entry(meter)
    hass_storage[f"{DOMAIN}.p1_{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.p1_{entry.entry_id}",
        "data": stored,
    }
    with caplog.at_level(logging.WARNING, logger="custom_components.energy_hub"):
        await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert value(hass, PEAK_LIMIT) == "2.5"
    lines = [r for r in caplog.records if "peak limit" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING


async def test_a_good_stored_peak_limit_is_restored_silently(
    hass: HomeAssistant,
    meter: P1MeterSimulator,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = p1_entry(meter)
    hass_storage[f"{DOMAIN}.p1_{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.p1_{entry.entry_id}",
        "data": {"peak_limit_kw": 4},
    }
    with caplog.at_level(logging.WARNING, logger="custom_components.energy_hub"):
        await setup_entry(hass, entry)
    assert value(hass, PEAK_LIMIT) == "4.0"
    assert not [r for r in caplog.records if "peak limit" in r.getMessage()]


async def test_deleting_the_entry_deletes_its_store(
    hass: HomeAssistant, meter: P1MeterSimulator, hass_storage: dict[str, Any]
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: PEAK_LIMIT, ATTR_VALUE: 4.2},
        blocking=True,
    )
    await hass.async_block_till_done()
    key = f"{DOMAIN}.p1_{entry.entry_id}"
    assert hass_storage[key]["data"] == {"peak_limit_kw": 4.2}
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
