"""Meters on the P1 port: every kind in its own unit, unreadable entries, old firmware."""

import datetime as dt
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from simulators.p1 import INVALID_EXTERNAL_ENTRIES, ExternalMeter, P1MeterSimulator

from .conftest import MakeMeter, p1_entry, setup_entry

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
# What each kind of meter becomes: entity, unit, device class.
KINDS = {
    "gas_meter": ("sensor.p1_meter_gas", "m³", "gas"),
    "water_meter": ("sensor.p1_meter_water", "m³", "water"),
    "warm_water_meter": ("sensor.p1_meter_warm_water", "m³", "water"),
    "heat_meter": ("sensor.p1_meter_heat", "GJ", "energy"),
    # A heat meter counting its water: a volume, not for the Energy dashboard.
    "inlet_heat_meter": ("sensor.p1_meter_inlet_heat", "m³", "volume"),
}


@pytest.fixture(autouse=True)
def monday_morning(freezer: FrozenDateTimeFactory) -> None:
    """08:00:30 on a Monday: the meters' 5-minute reports are predictable."""
    freezer.move_to(
        dt.datetime(2026, 11, 23, 8, 0, 30, tzinfo=dt_util.get_default_time_zone())
    )


async def _setup(hass: HomeAssistant, meter: P1MeterSimulator) -> None:
    if meter.api == "v2":
        meter.tokens[TOKEN] = "local/energy-hub#abcdef"
        await setup_entry(hass, p1_entry(meter, token=TOKEN))
    else:
        await setup_entry(hass, p1_entry(meter))


def state(hass: HomeAssistant, entity_id: str) -> str:
    entity = hass.states.get(entity_id)
    assert entity is not None, entity_id
    return entity.state


async def poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float = 1
) -> None:
    freezer.tick(dt.timedelta(minutes=minutes))
    entry = hass.config_entries.async_entries("energy_hub")[0]
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_every_meter_on_the_port_is_its_own_sensor(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
    api: str,
) -> None:
    meter = await make_meter(
        api=api, gas=True, water=True, warm_water=True, heat=True, inlet_heat=True
    )
    await _setup(hass, meter)
    for external in meter.external:
        entity_id, unit, device_class = KINDS[external.meter_type]
        sensor = hass.states.get(entity_id)
        assert sensor is not None, entity_id
        assert float(sensor.state) == external.reported_value
        assert sensor.attributes["unit_of_measurement"] == unit
        assert sensor.attributes["device_class"] == device_class
        assert sensor.attributes["state_class"] == "total_increasing"
        assert sensor.attributes["measured_at"].startswith("2026-11-23T08:00:00")
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        key = entity_id.removeprefix("sensor.p1_meter_")
        assert entry.unique_id == f"{meter.serial}_{key}"

    # Each follows its own meter's reports: at 08:05 every one moved on.
    await poll(hass, freezer, 5)
    for external in meter.external:
        entity_id = KINDS[external.meter_type][0]
        assert float(state(hass, entity_id)) == pytest.approx(external.reported_value)
        assert external.reported_value > 0


async def test_a_heat_meter_misread_is_withheld(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    """Through the same guard as gas: a jump a home cannot draw is not published."""
    meter = await make_meter(gas=False, heat=True)
    await _setup(hass, meter)
    heat = "sensor.p1_meter_heat"
    first = float(state(hass, heat))
    [meter_on_port] = meter.external
    meter_on_port.value += 5.0  # 5 GJ in five minutes: 16 MW
    await poll(hass, freezer, 5)
    assert float(state(hass, heat)) == first
    meter_on_port.value -= 5.0
    await poll(hass, freezer, 5)
    assert float(state(hass, heat)) == pytest.approx(first + 0.018 * 10 / 60, abs=1e-3)


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_unreadable_entries_are_skipped_one_by_one_and_said_once(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    api: str,
) -> None:
    """Missing id, type, value or unit, bad timestamps: the rest still reads.

    python-homewizard-energy would log an ERROR for each on every poll, and a
    bad timestamp would fail the whole measurement.
    """
    meter = await make_meter(api=api, gas=True, water=True)
    meter.faults.extra["invalid_external"] = True
    with caplog.at_level(logging.DEBUG):
        await _setup(hass, meter)
        for _ in range(5):
            await poll(hass, freezer)
    assert float(state(hass, "sensor.p1_meter_gas")) > 2569
    assert float(state(hass, "sensor.p1_meter_water")) > 123
    assert state(hass, "sensor.p1_meter_power") == "910.0"
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("homewizard_energy") and r.levelno > logging.DEBUG
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    skipped = [
        r.getMessage()
        for r in caplog.records
        if "skipped an entry of the external meters" in r.getMessage()
    ]
    # Each unreadable entry once over six polls (and the untyped device a
    # v1 body carries); a warning for a meter, debug for an unknown device.
    assert len(skipped) == len(INVALID_EXTERNAL_ENTRIES) + (api == "v1")
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "external meters" in r.getMessage()
    ]
    assert len(warnings) == sum(
        1 for entry in INVALID_EXTERNAL_ENTRIES if entry.get("type") in KINDS
    )
    reasons = " | ".join(skipped)
    for reason in (
        "no id",
        "unknown type",
        "no value",
        "bad value",
        "no unit",
        "unknown unit",
        "bad timestamp",
        "no timestamp",
    ):
        assert reason in reasons, reason
    # The meters' ids are not logged.
    assert not any(
        entry["unique_id"] in reasons
        for entry in INVALID_EXTERNAL_ENTRIES
        if "unique_id" in entry
    )


async def test_older_firmware_reports_gas_in_the_legacy_fields(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    """A meter from before `external`: `total_gas_m3` at `gas_timestamp`."""
    meter = await make_meter(firmware="legacy")
    body = meter.v1_data_body()
    assert "external" not in body
    assert body["gas_timestamp"] == 261123080000
    await _setup(hass, meter)
    gas = hass.states.get("sensor.p1_meter_gas")
    assert gas is not None
    assert gas.state == "2569.646"
    assert gas.attributes["device_class"] == "gas"
    assert gas.attributes["measured_at"].startswith("2026-11-23T08:00:00")
    # Only a new `gas_timestamp` is a new reading.
    await poll(hass, freezer, 3)
    assert state(hass, "sensor.p1_meter_gas") == "2569.646"
    await poll(hass, freezer, 2)
    assert float(state(hass, "sensor.p1_meter_gas")) == pytest.approx(
        2569.646 + 0.3 * 5 / 60, abs=0.002
    )


async def test_legacy_gas_fields_stand_in_for_an_unreadable_gas_entry(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter()
    [gas] = meter.external
    gas.unit = "m^3"  # an `external` entry nobody can read
    await _setup(hass, meter)
    assert state(hass, "sensor.p1_meter_gas") == "2569.646"


async def test_legacy_fields_do_not_double_a_readable_gas_entry(
    hass: HomeAssistant, make_meter: MakeMeter, entity_registry: er.EntityRegistry
) -> None:
    """Current v1 firmware sends both: one gas sensor, from `external`."""
    meter = await make_meter()
    assert "total_gas_m3" in meter.v1_data_body()
    entry = await setup_entry(hass, p1_entry(meter))
    gas = [
        entity
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.original_device_class == "gas" or entity.unique_id.endswith("_gas")
    ]
    assert len(gas) == 1
    data = entry.runtime_data.coordinator.data
    assert data.external["gas_meter"].unique_id == "4730303339303031383838303434"


async def test_a_meter_that_starts_reporting_later_is_added(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    meter = await make_meter()
    await _setup(hass, meter)
    assert hass.states.get("sensor.p1_meter_warm_water") is None
    meter.external.append(
        ExternalMeter(
            "4730303339303031373739383231", "warm_water_meter", "m3", 0.01, 45.6
        )
    )
    await poll(hass, freezer)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "sensor.p1_meter_warm_water") == "45.6"
    assert float(state(hass, "sensor.p1_meter_gas")) > 2569


async def test_a_silent_heat_meter_goes_stale_after_three_hours(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    meter = await make_meter(gas=False, heat=True)
    await _setup(hass, meter)
    [heat] = meter.external
    heat.reporting = False
    await poll(hass, freezer, 170)
    assert state(hass, "sensor.p1_meter_heat") != STATE_UNAVAILABLE
    await poll(hass, freezer, 15)
    assert state(hass, "sensor.p1_meter_heat") == STATE_UNAVAILABLE
    assert state(hass, "sensor.p1_meter_power") != STATE_UNAVAILABLE
