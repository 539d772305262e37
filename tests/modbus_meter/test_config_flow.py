"""The Modbus meter config, reconfigure and options flows against the simulator."""

import json

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import MeterSimulator
from tests.helpers import STRINGS

from .conftest import form, start_flow, states_by_key


async def test_custom_map_and_errors(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 2, "custom", "zone")
    )
    assert result["step_id"] == "modbus_meter_map"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"register_map": '{"power": {}}'}
    )
    assert result["errors"] == {"register_map": "modbus_meter_map_missing_partner"}
    assert result["description_placeholders"]["partner"] == "power.address"
    custom = {
        "power": {"address": 3059, "type": "float32", "scale": 1000},
        "energy_import": {"address": 3203, "type": "s64", "scale": 0.001},
        "voltage_l1": {"address": 3027, "type": "float32"},
    }
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"register_map": json.dumps(custom)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.unique_id == f"{meters.host}:{meters.port}:2"
    states = states_by_key(hass, entry.entry_id)
    assert set(states) == {
        "meter_zone_power",
        "meter_energy_consumed",
        "meter_voltage_l1",
    }
    assert float(states["meter_voltage_l1"]) == pytest.approx(230.4, abs=0.001)
    # Unreachable gateway.
    flow_id = await start_flow(hass)
    await meters.set_offline(True)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "abb_b23", "building")
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_guide_form_map_on_an_abb_meter(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    """The guide's flat map, pointed at the ABB's registers, gives its readings.

    The ABB's wide registers are read through their low words: the 64-bit
    import counter through its low 32 bits (energy + energyHigh), the 32-bit
    power (0.01 W) through its low word, exact for a load under 327 W.
    """
    meters.abb.power_w = -150.5  # exporting
    meters.abb.held = True
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "custom", "grid")
    )
    assert result["step_id"] == "modbus_meter_map"
    guide_map = {
        "power": 0x5B15,
        "powerScale": 0.00001,  # 0.01 W -> kW
        "energy": 0x5003,
        "energyHigh": 0x5002,
        "energyScale": 0.01,
        "voltage": 0x5B01,
        "voltageScale": 0.1,
        "current": 0x5B0D,
        "currentScale": 0.01,
        "powerFactor": 0x5B3A,
        "powerFactorScale": 0.001,
        "frequency": 0x5B2C,
        "frequencyScale": 0.01,
    }
    # energyHigh two registers away: refused, naming the field.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"register_map": json.dumps({**guide_map, "energyHigh": 0x5001})}
    )
    assert result["errors"] == {"register_map": "modbus_meter_map_not_adjacent"}
    message = STRINGS["config"]["error"]["modbus_meter_map_not_adjacent"].format(
        **result["description_placeholders"]
    )
    assert "`energyHigh`" in message
    assert "`energy`" in message
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"register_map": json.dumps({**guide_map, "voltsScale": 0.1})}
    )
    assert result["errors"] == {"register_map": "modbus_meter_map_unknown_key"}
    assert result["description_placeholders"]["field"] == "voltsScale"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"register_map": json.dumps(guide_map)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert json.loads(entry.data["register_map"]) == guide_map
    await entry.runtime_data.coordinator.async_refresh()
    states = states_by_key(hass, entry.entry_id)
    assert set(states) == {
        "meter_grid_power",
        "meter_grid_energy_import",
        "meter_voltage_l1",
        "meter_current_l1",
        "meter_power_factor",
        "meter_frequency",
    }
    assert float(states["meter_grid_power"]) == pytest.approx(-150.5)
    # Above 65535 raw: the high word counts.
    assert meters.abb.import_wh / 10 > 0xFFFF
    assert float(states["meter_grid_energy_import"]) == pytest.approx(
        meters.abb.import_wh / 1000, abs=0.01
    )
    assert float(states["meter_voltage_l1"]) == pytest.approx(230.4)
    assert float(states["meter_current_l1"]) == pytest.approx(
        meters.abb.currents()[0], abs=0.01
    )
    assert float(states["meter_power_factor"]) == pytest.approx(0.95)
    assert float(states["meter_frequency"]) == pytest.approx(50.0)
    # The counter moves on (within the jump guard's 60 kWh/h): the entity follows.
    meters.abb.import_wh += 15.0
    await entry.runtime_data.coordinator.async_refresh()
    assert float(
        states_by_key(hass, entry.entry_id)["meter_grid_energy_import"]
    ) == pytest.approx(meters.abb.import_wh / 1000, abs=0.01)


async def test_outage_reconfigure_and_options(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "abb_b23", "building")
    )
    entry = result["result"]
    await hass.async_block_till_done()
    await meters.set_offline(True)
    await entry.runtime_data.coordinator.async_refresh()
    assert (
        states_by_key(hass, entry.entry_id)["meter_building_power"] == STATE_UNAVAILABLE
    )
    await meters.set_offline(False)
    await entry.runtime_data.coordinator.async_refresh()
    assert (
        states_by_key(hass, entry.entry_id)["meter_building_power"] != STATE_UNAVAILABLE
    )
    # Unit 2 is a different meter (no ABB serial there): refused as a mismatch.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": meters.host, "port": meters.port, "unit_id": 2}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": meters.host, "port": meters.port, "unit_id": 1}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 5
