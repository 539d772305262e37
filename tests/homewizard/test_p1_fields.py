"""Every field the P1 meter's APIs document, as an entity (core's list and more)."""

import datetime as dt

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter, enable_all, p1_entry, setup_entry

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
P1 = "sensor.p1_meter"


@pytest.fixture(autouse=True)
def monday_morning(freezer: FrozenDateTimeFactory) -> None:
    """08:05:30 on a Monday, five minutes into a quarter."""
    freezer.move_to(
        dt.datetime(2026, 11, 23, 8, 5, 30, tzinfo=dt_util.get_default_time_zone())
    )


async def _setup(hass: HomeAssistant, meter: P1MeterSimulator) -> None:
    if meter.api == "v2":
        meter.tokens[TOKEN] = "local/energy-hub#abcdef"
        await setup_entry(hass, p1_entry(meter, token=TOKEN))
    else:
        await setup_entry(hass, p1_entry(meter))


def state(hass: HomeAssistant, key: str) -> str:
    entity = hass.states.get(f"{P1}_{key}")
    assert entity is not None, key
    return entity.state


@pytest.mark.parametrize("api", ["v1", "v2"])
async def test_the_meters_own_billing_figures_next_to_energy_hubs(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    freezer: FrozenDateTimeFactory,
    api: str,
) -> None:
    """Belgian meters: current average demand, the month's peak and its time."""
    meter = await make_meter(api=api)
    meter.set_power(2000.0, 0.0, 0.0)
    await _setup(hass, meter)
    coordinator = hass.config_entries.async_entries("energy_hub")[
        0
    ].runtime_data.coordinator
    freezer.tick(dt.timedelta(minutes=2))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    # The meter's: energy of the quarter so far over 15 minutes.
    assert float(state(hass, "average_demand_meter")) == pytest.approx(
        meter.average_power_15m_w, abs=1
    )
    assert meter.average_power_15m_w > 0
    demand = hass.states.get(f"{P1}_average_demand_meter")
    assert demand is not None
    assert demand.attributes["unit_of_measurement"] == "W"
    assert demand.attributes["device_class"] == "power"
    assert state(hass, "monthly_peak_demand_meter") == "3412.0"
    peak_time = dt.datetime.fromisoformat(state(hass, "monthly_peak_demand_time_meter"))
    assert peak_time == dt.datetime(
        2026, 11, 22, 18, 45, tzinfo=dt_util.get_default_time_zone()
    )
    # Energy Hub's own, from the import counter (the meter's peak is higher;
    # the quarter joined late is Energy Hub's estimate).
    assert state(hass, "monthly_capacity_peak") == "3.412"
    assert float(state(hass, "quarter_hour_average_power")) > 0


async def test_a_fresh_month_has_a_peak_of_zero_at_an_unknown_time(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2", fresh_month=True)
    await _setup(hass, meter)
    assert state(hass, "monthly_peak_demand_meter") == "0.0"
    assert state(hass, "monthly_peak_demand_time_meter") == STATE_UNKNOWN


async def test_every_documented_field_has_an_entity(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    meter = await make_meter(api="v2", tariffs=4)
    meter.voltage_sag_count = [3, 1, 0]
    meter.voltage_swell_count = [0, 2, 5]
    await _setup(hass, meter)
    entry = hass.config_entries.async_entries("energy_hub")[0]
    disabled = {
        entity.unique_id.removeprefix(f"{meter.serial}_")
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.disabled_by is not None
    }
    # Noise for most users: there, but off until wanted.
    assert {
        "voltage_sag_l1",
        "voltage_swell_l3",
        "meter_id",
        "meter_timestamp",
        "wifi_ssid",
        "uptime",
        "current",
        "wifi_rssi",
        "cloud_connection",
    } <= disabled
    assert (
        not {
            "energy_import_t3",
            "energy_export_t4",
            "average_demand",
            "meter_monthly_peak",
            "meter_monthly_peak_time",
            "power_fail_count",
            "long_power_fail_count",
            "status_light_brightness",
        }
        & disabled
    )
    await enable_all(hass, entry)

    assert state(hass, "energy_import_tariff_3") == "120.5"
    assert state(hass, "energy_import_tariff_4") == "80.25"
    assert state(hass, "energy_export_tariff_3") == "10.125"
    assert state(hass, "energy_export_tariff_4") == "4.5"
    assert state(hass, "voltage_sags_phase_1") == "3"
    assert state(hass, "voltage_sags_phase_2") == "1"
    assert state(hass, "voltage_swells_phase_3") == "5"
    sags = hass.states.get(f"{P1}_voltage_sags_phase_1")
    assert sags is not None
    assert sags.attributes["state_class"] == "total_increasing"
    assert state(hass, "power_failures") == "4"
    assert state(hass, "long_power_failures") == "1"
    assert float(state(hass, "current")) == pytest.approx(
        sum(
            abs(p / v)
            for p, v in zip(meter.phase_power_w, meter.voltage_v, strict=True)
        ),
        abs=0.01,
    )
    assert state(hass, "smart_meter_id") == "E0044007131610"
    assert dt.datetime.fromisoformat(state(hass, "smart_meter_time")) == dt_util.now()
    assert state(hass, "wi_fi_network") == "Energy Hub Lab"
    assert state(hass, "wi_fi_rssi") == "-62"
    assert state(hass, "dsmr_version") == "50"
    assert state(hass, "smart_meter_model") == "ISKRA 2M550T-1012"
    assert state(hass, "active_tariff") == "2"


async def test_uptime_is_the_start_time_and_moves_only_on_a_restart(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    meter = await make_meter(api="v2")
    await _setup(hass, meter)
    entry = hass.config_entries.async_entries("energy_hub")[0]
    await enable_all(hass, entry)
    coordinator = entry.runtime_data.coordinator
    started = state(hass, "uptime")
    assert dt.datetime.fromisoformat(started) == dt_util.now().replace(
        microsecond=0
    ) - dt.timedelta(seconds=35_812)
    for _ in range(3):
        freezer.tick(dt.timedelta(minutes=1, seconds=1))
        coordinator._system_read_at = -float("inf")  # /api/system is due
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert state(hass, "uptime") == started
    meter.reboot()
    freezer.tick(dt.timedelta(minutes=1))
    coordinator._system_read_at = -float("inf")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert dt.datetime.fromisoformat(state(hass, "uptime")) > dt.datetime.fromisoformat(
        started
    )


async def test_status_light_and_cloud_of_a_v2_meter(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    await _setup(hass, meter)
    entry = hass.config_entries.async_entries("energy_hub")[0]
    await enable_all(hass, entry)
    light = "number.p1_meter_status_light_brightness"
    assert hass.states.get(light).state == "100"
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: light, "value": 25}, blocking=True
    )
    assert meter.status_led_brightness_pct == 25
    assert hass.states.get(light).state == "25"
    await hass.services.async_call(
        "switch",
        "turn_off",
        {ATTR_ENTITY_ID: "switch.p1_meter_cloud_connection"},
        blocking=True,
    )
    assert meter.cloud_enabled is False
    assert hass.states.get("switch.p1_meter_cloud_connection").state == "off"


async def test_a_v1_meter_has_no_status_light(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    await setup_entry(hass, p1_entry(meter))
    assert hass.states.get("number.p1_meter_status_light_brightness") is None
    assert hass.states.get("number.p1_meter_capacity_peak_limit") is not None


async def test_plug_in_battery_group_of_a_v2_meter(
    hass: HomeAssistant, make_meter: MakeMeter, entity_registry: er.EntityRegistry
) -> None:
    """As core's: the group's mode (the modes this firmware has) and its power."""
    meter = await make_meter(api="v2", batteries=2)
    await _setup(hass, meter)
    mode = "select.p1_meter_battery_group_mode"
    select = hass.states.get(mode)
    assert select is not None
    assert select.state == "zero"
    assert select.attributes["options"] == ["standby", "to_full", "zero"]
    for key in ("battery_group_power", "battery_group_target_power"):
        entity = entity_registry.async_get(f"sensor.p1_meter_{key}")
        assert entity is not None
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: mode, "option": "to_full"},
        blocking=True,
    )
    assert meter.battery_mode == "to_full"
    assert hass.states.get(mode).state == "to_full"
    entry = hass.config_entries.async_entries("energy_hub")[0]
    await enable_all(hass, entry)
    assert state(hass, "battery_group_power") == "-404.0"
    assert state(hass, "battery_group_target_power") == "-400.0"


async def test_no_battery_group_is_asked_for_once(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    await _setup(hass, meter)
    coordinator = hass.config_entries.async_entries("energy_hub")[
        0
    ].runtime_data.coordinator
    await coordinator.async_refresh()
    await coordinator.async_refresh()
    assert meter.requests.count("GET /api/batteries") == 1
    assert hass.states.get("select.p1_meter_battery_group_mode") is None
