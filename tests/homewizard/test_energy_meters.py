"""kWh meters, sockets and the water meter: set-up, entities per meter type, controls."""

import datetime as dt
from ipaddress import ip_address
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.p1 import EnergyMeterSimulator, HomeWizardSimulator, WaterMeterSimulator

from .conftest import MakeDevice, enable_all, homewizard_entry, setup_entry


def state(hass: HomeAssistant, entity_id: str) -> str:
    entity = hass.states.get(entity_id)
    assert entity is not None, entity_id
    return entity.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    entity = hass.states.get(entity_id)
    assert entity is not None, entity_id
    return dict(entity.attributes)


async def _add_by_address(
    hass: HomeAssistant, device: HomeWizardSimulator
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homewizard"}
    )
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": device.address}
        )
    )


# Adding them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product_type", "default"),
    [
        ("HWE-KWH1", "solar"),
        ("HWE-KWH3", "solar"),
        ("SDM230-wifi", "solar"),
        ("SDM630-wifi", "solar"),
        ("HWE-SKT", "zone"),
    ],
)
async def test_kwh_meters_and_sockets_are_added_with_a_meter_type(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    product_type: str,
    default: str,
) -> None:
    meter = await make_energy_meter(product_type=product_type)
    result = await _add_by_address(hass, meter)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homewizard_meter_type"
    [field] = result["data_schema"].schema
    assert field.default() == default
    assert result["data_schema"].schema[field].config["options"] == [
        "grid",
        "solar",
        "building",
        "zone",
    ]
    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {"meter_type": "grid"}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "source": "homewizard",
        "host": meter.address,
        "api_version": "v1",
        "meter_type": "grid",
    }
    entry = result["result"]
    assert entry.unique_id == f"{product_type}_{meter.serial}"
    name = "Energy socket" if product_type == "HWE-SKT" else "kWh meter"
    assert entry.title == f"{name} (grid)"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    prefix = (
        "sensor.energy_socket_grid"
        if product_type == "HWE-SKT"
        else "sensor.kwh_meter_grid"
    )
    assert float(state(hass, f"{prefix}_grid_power")) == pytest.approx(meter.power_w)
    assert float(state(hass, f"{prefix}_energy_imported_from_grid")) == pytest.approx(
        meter.import_kwh, abs=0.001
    )

    # The same device again is refused before its type is asked.
    result = await _add_by_address(hass, meter)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_water_meter_is_added_without_a_meter_type(
    hass: HomeAssistant, make_water_meter: MakeDevice[WaterMeterSimulator]
) -> None:
    meter = await make_water_meter()
    result = await _add_by_address(hass, meter)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Water meter"
    assert "meter_type" not in result["data"]
    await hass.async_block_till_done()
    assert state(hass, "sensor.water_meter_water") == "123.456"
    assert state(hass, "sensor.water_meter_water_flow") == "7.2"
    water = attributes(hass, "sensor.water_meter_water")
    assert water["device_class"] == "water"
    assert water["state_class"] == "total_increasing"
    assert water["unit_of_measurement"] == "m³"
    flow = attributes(hass, "sensor.water_meter_water_flow")
    assert flow["device_class"] == "volume_flow_rate"
    assert flow["unit_of_measurement"] == "L/min"


async def test_kwh_meter_over_v2_pairs_then_asks_the_meter_type(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    meter = await make_energy_meter(product_type="HWE-KWH1", api="v2")
    result = await _add_by_address(hass, meter)
    assert result["step_id"] == "homewizard_pair"
    meter.press_button()
    result = dict(await hass.config_entries.flow.async_configure(result["flow_id"], {}))
    assert result["step_id"] == "homewizard_meter_type"
    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {"meter_type": "building"}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token"] in meter.tokens
    await hass.async_block_till_done()
    # v2: the status light and the uptime come from /api/system.
    assert state(hass, "sensor.kwh_meter_building_building_power") == "-2400.0"
    assert state(hass, "number.kwh_meter_building_status_light_brightness") == "100"
    await hass.services.async_call(
        "number",
        "set_value",
        {
            ATTR_ENTITY_ID: "number.kwh_meter_building_status_light_brightness",
            "value": 40,
        },
        blocking=True,
    )
    assert meter.status_led_brightness_pct == 40
    assert state(hass, "number.kwh_meter_building_status_light_brightness") == "40"


def _zeroconf(device: HomeWizardSimulator) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address(device.host),
        ip_addresses=[ip_address(device.host)],
        hostname="energysocket-aabbcc.local.",
        name="energysocket-aabbcc._hwenergy._tcp.local.",
        port=device.port,
        type="_hwenergy._tcp.local.",
        properties={
            "product_type": device.product_type,
            "product_name": device.product_name,
            "serial": device.serial,
            "api_enabled": "1",
            "path": "/api/v1",
        },
    )


async def test_zeroconf_offers_a_socket_and_asks_its_meter_type(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    socket = await make_energy_meter(product_type="HWE-SKT")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(socket)
    )
    assert result["step_id"] == "homewizard_discovery_confirm"
    assert result["description_placeholders"]["name"] == "Energy Socket"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "homewizard_meter_type"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"meter_type": "zone"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Energy socket (zone)"


async def test_zeroconf_skips_a_kwh_meter_core_homewizard_has(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    meter = await make_energy_meter(product_type="HWE-KWH3")
    MockConfigEntry(
        domain="homewizard",
        unique_id=f"HWE-KWH3_{meter.serial}",
        data={"ip_address": "192.0.2.7"},
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(meter)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "homewizard_in_core"


async def test_dhcp_updates_the_address_of_a_known_socket(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    socket = await make_energy_meter(product_type="HWE-SKT")
    entry = homewizard_entry(socket, meter_type="zone")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "host": f"192.0.2.10:{socket.port}"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="127.0.0.1", hostname="energysocket", macaddress=socket.serial
        ),
    )
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == socket.address


# Entities per meter type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("meter_type", "power", "imported", "exported", "power_sign"),
    [
        (
            "grid",
            "grid_power",
            "energy_imported_from_grid",
            "energy_exported_to_grid",
            1,
        ),
        (
            "solar",
            "solar_power",
            "inverter_standby_energy",
            "solar_energy_produced",
            -1,
        ),
        ("building", "building_power", "energy_consumed", "energy_returned", 1),
        ("zone", "zone_power", "energy_consumed", "energy_returned", 1),
    ],
)
async def test_meter_type_names_power_and_energy(
    hass: HomeAssistant,
    *,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    entity_registry: er.EntityRegistry,
    meter_type: str,
    power: str,
    imported: str,
    exported: str,
    power_sign: int,
) -> None:
    meter = await make_energy_meter(product_type="HWE-KWH3")
    await setup_entry(hass, homewizard_entry(meter, meter_type=meter_type))
    prefix = f"sensor.kwh_meter_{meter_type}"
    assert float(state(hass, f"{prefix}_{power}")) == pytest.approx(
        power_sign * -2400.0
    )
    assert float(state(hass, f"{prefix}_{imported}")) == pytest.approx(12.345)
    assert float(state(hass, f"{prefix}_{exported}")) == pytest.approx(4321.087)
    # Per phase, signed like the total.
    assert float(state(hass, f"{prefix}_power_phase_1")) == pytest.approx(
        power_sign * -800.0
    )
    for key in (imported, exported):
        total = attributes(hass, f"{prefix}_{key}")
        assert total["device_class"] == "energy"
        assert total["state_class"] == "total_increasing"
        assert total["unit_of_measurement"] == "kWh"
        entity = entity_registry.async_get(f"{prefix}_{key}")
        assert entity is not None
        assert entity.unique_id in (
            f"{meter.serial}_energy_import",
            f"{meter.serial}_energy_export",
        )


async def test_three_phase_meter_has_every_documented_value(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    meter = await make_energy_meter(product_type="SDM630-wifi")
    entry = await setup_entry(hass, homewizard_entry(meter, meter_type="grid"))
    entities = {
        entity.unique_id.removeprefix(f"{meter.serial}_"): entity
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    expected = {
        "power",
        "energy_import",
        "energy_export",
        "current",
        "apparent_power",
        "reactive_power",
        "apparent_current",
        "reactive_current",
        "frequency",
        "wifi_strength",
        "wifi_ssid",
        "cloud_connection",
        *(
            f"{quantity}_{phase}"
            for quantity in (
                "power",
                "voltage",
                "current",
                "power_factor",
                "apparent_power",
                "reactive_power",
                "apparent_current",
                "reactive_current",
            )
            for phase in ("l1", "l2", "l3")
        ),
    }
    assert set(entities) == expected
    enabled = {key for key, entity in entities.items() if entity.disabled_by is None}
    assert enabled == {
        "power",
        "energy_import",
        "energy_export",
        "current",
        "power_l1",
        "power_l2",
        "power_l3",
        "wifi_strength",
    }
    [device] = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.name == "kWh meter (grid)"
    assert device.model_id == "SDM630-wifi"
    assert device.model == "kWh Meter 3-phase"


async def test_values_the_library_drops_are_read_from_the_body(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    entity_registry: er.EntityRegistry,
) -> None:
    """Apparent and reactive currents, power factor in percent, per phase."""
    meter = await make_energy_meter(product_type="HWE-KWH3")
    entry = await setup_entry(hass, homewizard_entry(meter, meter_type="grid"))
    await enable_all(hass, entry)
    prefix = "sensor.kwh_meter_grid"
    phases = meter._phases()
    assert float(state(hass, f"{prefix}_apparent_current")) == pytest.approx(
        sum(phase["apparent_current_a"] for phase in phases), abs=0.01
    )
    assert float(state(hass, f"{prefix}_reactive_current_phase_2")) == pytest.approx(
        phases[1]["reactive_current_a"]
    )
    assert state(hass, f"{prefix}_power_factor_phase_1") == "97.0"
    factor = attributes(hass, f"{prefix}_power_factor_phase_1")
    assert factor["unit_of_measurement"] == "%"
    assert factor["device_class"] == "power_factor"
    assert float(state(hass, f"{prefix}_apparent_power")) == pytest.approx(
        2400 / 0.97, abs=0.1
    )
    assert attributes(hass, f"{prefix}_apparent_power")["unit_of_measurement"] == "VA"
    assert float(state(hass, f"{prefix}_reactive_power_phase_3")) == pytest.approx(
        phases[2]["reactive_power_var"]
    )
    reactive = attributes(hass, f"{prefix}_reactive_power_phase_3")
    assert reactive["unit_of_measurement"] == "var"
    assert state(hass, f"{prefix}_voltage_phase_2") == "229.4"
    assert state(hass, f"{prefix}_frequency") == "49.98"


async def test_single_phase_meter_has_voltage_and_no_phases(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    entity_registry: er.EntityRegistry,
) -> None:
    meter = await make_energy_meter(product_type="HWE-KWH1")
    entry = await setup_entry(hass, homewizard_entry(meter, meter_type="solar"))
    keys = {
        entity.unique_id.removeprefix(f"{meter.serial}_")
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert "voltage" in keys
    assert not {key for key in keys if key.endswith(("_l1", "_l2", "_l3"))}
    assert state(hass, "sensor.kwh_meter_solar_voltage") == "230.8"
    assert float(state(hass, "sensor.kwh_meter_solar_current")) == pytest.approx(
        -2400 / 230.8, abs=0.01
    )
    assert state(hass, "sensor.kwh_meter_solar_solar_power") == "2400.0"


async def test_counters_follow_the_meter_and_never_go_back(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    freezer: FrozenDateTimeFactory,
) -> None:
    meter = await make_energy_meter(product_type="HWE-KWH1")
    entry = await setup_entry(hass, homewizard_entry(meter, meter_type="solar"))
    coordinator = entry.runtime_data.coordinator
    produced = "sensor.kwh_meter_solar_solar_energy_produced"
    before = float(state(hass, produced))
    freezer.tick(dt.timedelta(hours=1))  # an hour at 2.4 kW
    await coordinator.async_refresh()
    assert float(state(hass, produced)) == pytest.approx(before + 2.4, abs=0.01)
    meter.export_kwh = 0.0  # a glitch: the meter reads zero
    freezer.tick(dt.timedelta(minutes=1))
    await coordinator.async_refresh()
    assert float(state(hass, produced)) == pytest.approx(before + 2.4, abs=0.01)
    # A jump no 1-phase meter can make in a minute.
    meter.export_kwh = before + 500
    freezer.tick(dt.timedelta(minutes=1))
    await coordinator.async_refresh()
    assert float(state(hass, produced)) == pytest.approx(before + 2.4, abs=0.01)


# The socket's controls -------------------------------------------------------------


async def test_socket_switch_lock_and_ring(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    socket = await make_energy_meter(product_type="HWE-SKT")
    await setup_entry(hass, homewizard_entry(socket, meter_type="zone"))
    outlet = "switch.energy_socket_zone_outlet"
    lock = "switch.energy_socket_zone_switch_lock"
    ring = "number.energy_socket_zone_status_light_brightness"
    power = "sensor.energy_socket_zone_zone_power"
    assert state(hass, outlet) == "on"
    assert attributes(hass, outlet)["device_class"] == "outlet"
    assert state(hass, power) == "543.3"

    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: outlet}, blocking=True
    )
    assert socket.power_on is False
    assert state(hass, outlet) == "off"
    assert state(hass, power) == "0.0"
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: outlet}, blocking=True
    )
    assert socket.power_on is True

    # Locked, the socket stays on: its switch cannot be used.
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: lock}, blocking=True
    )
    assert socket.switch_lock is True
    assert state(hass, lock) == "on"
    assert state(hass, outlet) == STATE_UNAVAILABLE
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: lock}, blocking=True
    )
    assert state(hass, outlet) == "on"

    # The LED ring: 0-255 on the socket, percent in Home Assistant.
    assert state(hass, ring) == "100"
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: ring, "value": 50}, blocking=True
    )
    assert socket.brightness == 128
    assert state(hass, ring) == "50"


async def test_socket_offline_write_is_a_clear_error(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    socket = await make_energy_meter(product_type="HWE-SKT")
    await setup_entry(hass, homewizard_entry(socket, meter_type="zone"))
    await socket.set_offline(True)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "switch",
            "turn_off",
            {ATTR_ENTITY_ID: "switch.energy_socket_zone_outlet"},
            blocking=True,
        )
    assert raised.value.translation_key == "communication_error"
    assert state(hass, "switch.energy_socket_zone_outlet") == STATE_UNAVAILABLE


async def test_cloud_connection_switch(
    hass: HomeAssistant,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    entity_registry: er.EntityRegistry,
) -> None:
    """Off, the HomeWizard app loses the device: offered, but disabled by default."""
    meter = await make_energy_meter(product_type="HWE-KWH1")
    entry = homewizard_entry(meter, meter_type="solar")
    entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        "switch",
        DOMAIN,
        f"{meter.serial}_cloud_connection",
        config_entry=entry,
        suggested_object_id="meter_cloud",
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "switch.meter_cloud") == "on"
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: "switch.meter_cloud"}, blocking=True
    )
    assert meter.cloud_enabled is False
    assert state(hass, "switch.meter_cloud") == "off"
    assert "PUT /api/v1/system" in meter.requests


async def test_options_of_a_kwh_meter_are_its_poll_interval(
    hass: HomeAssistant, make_energy_meter: MakeDevice[EnergyMeterSimulator]
) -> None:
    """The capacity tariff's rate is a P1 meter's option only."""
    meter = await make_energy_meter(product_type="HWE-KWH1")
    entry = await setup_entry(hass, homewizard_entry(meter, meter_type="solar"))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "homewizard_options"
    assert [str(key) for key in result["data_schema"].schema] == ["poll_interval"]
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 2}
    )
    await hass.async_block_till_done()
    assert entry.options == {"poll_interval": 2}
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 2
