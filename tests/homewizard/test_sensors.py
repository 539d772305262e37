"""P1 entities in a real Home Assistant, read from the meter simulator."""

import datetime as dt
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorEntityDescription, SensorStateClass
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.energy_hub.homewizard.entities import descriptions
from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter, p1_entry, setup_entry


def state(hass: HomeAssistant, key: str) -> str:
    entity = hass.states.get(f"sensor.p1_meter_{key}")
    assert entity is not None, key
    return entity.state


async def test_three_phase_v1_meter_entities(
    hass: HomeAssistant,
    meter: P1MeterSimulator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    meter.set_power(-2400.0, 310.0, 180.0)  # phase 1 exports solar
    entry = await setup_entry(hass, p1_entry(meter))

    assert state(hass, "power") == "-1910.0"
    assert state(hass, "power_phase_1") == "-2400.0"
    assert state(hass, "power_phase_3") == "180.0"
    assert state(hass, "current_phase_1") == str(round(-2400 / 231.2, 3))
    assert state(hass, "voltage_phase_1") == "231.2"
    assert state(hass, "frequency") == "50.0"
    assert state(hass, "energy_import_tariff_1") == "10830.511"
    assert state(hass, "energy_export") == "4532.254"
    assert state(hass, "active_tariff") in ("1", "2")
    assert state(hass, "gas") == "2569.646"
    assert state(hass, "smart_meter_model") == "ISKRA 2M550T-1012"
    assert state(hass, "dsmr_version") == "50"
    assert state(hass, "power_failures") == "4"
    assert state(hass, "wi_fi_strength") == "76"
    assert hass.states.get("sensor.p1_meter_water") is None  # no water meter

    energy = hass.states.get("sensor.p1_meter_energy_import")
    assert energy is not None
    assert energy.attributes["device_class"] == "energy"
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    gas = hass.states.get("sensor.p1_meter_gas")
    assert gas is not None
    assert gas.attributes["device_class"] == "gas"
    assert gas.attributes["unit_of_measurement"] == "m³"

    # Less used values exist but start disabled.
    voltage_l2 = entity_registry.async_get("sensor.p1_meter_voltage_phase_2")
    assert voltage_l2 is not None
    assert voltage_l2.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert voltage_l2.unique_id == f"{meter.serial}_voltage_l2"

    [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.name == "P1 meter"
    assert device.manufacturer == "HomeWizard"
    assert (dr.CONNECTION_NETWORK_MAC, "3c:39:e7:aa:bb:cc") in device.connections
    assert entry.state is ConfigEntryState.LOADED


async def test_single_phase_meter_without_gas_with_water(
    hass: HomeAssistant, make_meter: MakeMeter, entity_registry: er.EntityRegistry
) -> None:
    meter = await make_meter(three_phase=False, gas=False, water=True)
    await setup_entry(hass, p1_entry(meter))
    assert state(hass, "power_phase_1") == "910.0"
    # The meter sends null for L2/L3: no such entities.
    for key in (
        "power_phase_2",
        "power_phase_3",
        "voltage_phase_2",
        "frequency",
        "gas",
    ):
        assert entity_registry.async_get(f"sensor.p1_meter_{key}") is None, key
    water = hass.states.get("sensor.p1_meter_water")
    assert water is not None
    assert water.state == "123.456"
    assert water.attributes["device_class"] == "water"


async def test_v2_meter_entities(hass: HomeAssistant, make_meter: MakeMeter) -> None:
    meter = await make_meter(api="v2", gas=True)
    meter.tokens["TOKEN"] = "local/energy-hub#abcdef"
    await setup_entry(hass, p1_entry(meter, token="TOKEN"))
    assert state(hass, "power") == "910.0"
    assert state(hass, "energy_import") == "13779.338"
    assert state(hass, "gas") == "2569.646"
    assert state(hass, "voltage_phase_1") == "231.2"
    assert state(hass, "wi_fi_strength") == "76"  # from /api/system's RSSI
    assert state(hass, "dsmr_version") == "50"


async def test_gas_changes_only_when_the_meter_reports(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(
        dt.datetime(2026, 11, 23, 8, 0, 30, tzinfo=dt_util.get_default_time_zone())
    )
    meter = await make_meter()
    entry = await setup_entry(hass, p1_entry(meter))
    coordinator = entry.runtime_data.coordinator
    first = hass.states.get("sensor.p1_meter_gas")
    assert first is not None
    assert first.attributes["measured_at"].startswith("2026-11-23T08:00:00")

    # Three minutes on: gas flowed, but the gas meter has not reported.
    freezer.tick(dt.timedelta(minutes=3))
    await coordinator.async_refresh()
    assert state(hass, "gas") == first.state
    # A value that changes while the meter's timestamp does not is not a reading.
    meter.external[0].reported_value += 5
    await coordinator.async_refresh()
    assert state(hass, "gas") == first.state

    freezer.tick(dt.timedelta(minutes=2))  # 08:05:30: the five-minute report
    await coordinator.async_refresh()
    later = hass.states.get("sensor.p1_meter_gas")
    assert later is not None
    assert float(later.state) == pytest.approx(2569.646 + 0.3 * 5 / 60, abs=0.002)
    assert later.attributes["measured_at"].startswith("2026-11-23T08:05:00")


async def test_offline_malformed_and_recovery_never_move_totals_back(
    hass: HomeAssistant, meter: P1MeterSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    coordinator = entry.runtime_data.coordinator
    before = float(state(hass, "energy_import"))

    await meter.set_offline(True)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="custom_components.energy_hub"):
        await coordinator.async_refresh()
        await coordinator.async_refresh()
    assert state(hass, "power") == STATE_UNAVAILABLE
    assert state(hass, "energy_import") == STATE_UNAVAILABLE
    # One readable line for the outage, not one per poll.
    outage_lines = [r for r in caplog.records if "P1 meter" in r.getMessage()]
    assert len(outage_lines) == 1
    assert "Cannot communicate with P1 meter" in outage_lines[0].getMessage()

    await meter.set_offline(False)
    await coordinator.async_refresh()
    assert float(state(hass, "energy_import")) >= before
    assert state(hass, "power") == "910.0"

    meter.faults.malformed = True
    await coordinator.async_refresh()
    assert state(hass, "power") == STATE_UNAVAILABLE
    meter.faults.malformed = False

    # The meter glitches: counters read 0, then lower than before.
    await coordinator.async_refresh()
    good = float(state(hass, "energy_import"))
    meter.import_kwh = [0.0, 0.0]
    await coordinator.async_refresh()
    assert float(state(hass, "energy_import")) == good
    meter.import_kwh = [10000.0, 2000.0]
    await coordinator.async_refresh()
    assert float(state(hass, "energy_import")) == good
    assert float(state(hass, "energy_import_tariff_1")) >= 10830.511


async def test_peak_limit_is_kept_and_restored(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    limit = hass.states.get("number.p1_meter_capacity_peak_limit")
    assert limit is not None
    assert limit.state == "2.5"
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.p1_meter_capacity_peak_limit", "value": 4.2},
        blocking=True,
    )
    assert hass.states.get("number.p1_meter_capacity_peak_limit").state == "4.2"
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("number.p1_meter_capacity_peak_limit").state == "4.2"


async def test_options_change_poll_interval_and_rate(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "homewizard_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5, "capacity_rate": 120.0}
    )
    await hass.async_block_till_done()
    assert entry.options == {"poll_interval": 5, "capacity_rate": 120.0}
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval == dt.timedelta(seconds=5)
    # Nothing drawn now: the month's registered 3.412 kW * 120 EUR / 12 months.
    meter.set_power(0.0, 0.0, 0.0)
    await coordinator.async_refresh()
    assert state(hass, "projected_monthly_capacity_cost") == "34.12"


async def test_polls_every_five_seconds_by_default(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    """As core's HomeWizard integration: an entry without the option polls every 5 s."""
    entry = p1_entry(meter)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval == dt.timedelta(seconds=5)
    reads = meter.requests.count("GET /api/v1/data")
    meter.set_power(1500.0, 0.0, 0.0)
    # The coordinator aligns its timer to whole seconds plus a fixed offset.
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(seconds=7))
    # The timed refresh runs as a background task.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert meter.requests.count("GET /api/v1/data") > reads
    assert state(hass, "power") == "1500.0"


async def test_one_second_stays_available_and_is_kept(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    """An entry that chose 1 s keeps it; the options still offer it."""
    entry = await setup_entry(hass, p1_entry(meter, poll_interval=1))
    assert entry.runtime_data.coordinator.update_interval == dt.timedelta(seconds=1)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"].schema
    [poll_key] = [key for key in schema if key == "poll_interval"]
    assert poll_key.default() == 1
    assert schema[poll_key].config["min"] == 1
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 1, "capacity_rate": 50.0}
    )
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.update_interval == dt.timedelta(seconds=1)


async def test_setup_retries_while_the_meter_is_offline(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    """The identity read before the first poll fails: retry later, say why."""
    await meter.set_offline(True)
    entry = await setup_entry(hass, p1_entry(meter))
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "Cannot communicate with P1 meter" in entry.reason

    await meter.set_offline(False)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.device.serial == meter.serial
    assert state(hass, "power") == "910.0"


async def test_setup_with_a_revoked_token_starts_reauth(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    entry = await setup_entry(hass, p1_entry(meter, token="REVOKED"))
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["step_id"] == "homewizard_reauth_pair"


@pytest.mark.parametrize(
    ("product_type", "meter_type", "at_least"),
    [("HWE-P1", None, 15), ("HWE-KWH3", "solar", 30), ("HWE-WTR", None, 2)],
)
def test_every_measurement_has_a_display_precision(
    product_type: str, meter_type: str | None, at_least: int
) -> None:
    sensors = descriptions(product_type, meter_type)[Platform.SENSOR]
    measurements = [
        description
        for description in sensors
        if isinstance(description, SensorEntityDescription)
        and description.state_class is SensorStateClass.MEASUREMENT
    ]
    assert len(measurements) >= at_least
    missing = [
        description.key
        for description in measurements
        if description.suggested_display_precision is None
    ]
    assert not missing
