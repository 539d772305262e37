"""The Modbus meter sensors against the simulator: presets, roles, totals."""

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from simulators.modbus import FAULT_GARBAGE, MeterSimulator

from .conftest import form, start_flow, states_by_key


async def test_abb_grid_meter(hass: HomeAssistant, meters: MeterSimulator) -> None:
    meters.abb.held = True  # steady: the values compared are the ones polled
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "abb_b23", "grid")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.unique_id == f"abb_b23_{meters.abb_serial}"
    assert entry.title == "ABB B23 (grid)"
    await entry.runtime_data.coordinator.async_refresh()
    states = states_by_key(hass, entry.entry_id)
    assert float(states["meter_voltage_l1"]) == pytest.approx(230.4)
    assert float(states["meter_frequency"]) == pytest.approx(50.0)
    assert float(states["meter_power_factor"]) == pytest.approx(0.95)
    assert float(states["meter_grid_power"]) == pytest.approx(meters.abb.power_w, abs=1)
    assert float(states["meter_grid_energy_import"]) == pytest.approx(
        meters.abb.import_wh / 1000, abs=0.02
    )
    assert float(states["meter_grid_energy_export"]) == pytest.approx(
        meters.abb.export_wh / 1000, abs=0.02
    )
    assert float(states["meter_current_l1"]) == pytest.approx(
        meters.abb.currents()[0], abs=0.05
    )
    # The same meter again is refused.
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "abb_b23", "grid")
    )
    assert result["reason"] == "already_configured"


async def test_iem_solar_meter_and_totals_never_dip(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    meters.iem.held = True  # steady: the values compared are the ones polled
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 2, "iem3000", "solar")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    await entry.runtime_data.coordinator.async_refresh()
    states = states_by_key(hass, entry.entry_id)
    produced = float(states["meter_solar_energy_produced"])
    assert produced == pytest.approx(meters.iem.import_wh / 1000, abs=0.01)
    assert float(states["meter_solar_power"]) == pytest.approx(
        meters.iem.power_w, rel=1e-4
    )
    meters.faults.extra[FAULT_GARBAGE] = True
    for _ in range(3):
        await entry.runtime_data.coordinator.async_refresh()
        value = states_by_key(hass, entry.entry_id)["meter_solar_energy_produced"]
        assert value == STATE_UNAVAILABLE or float(value) >= produced
    meters.faults.extra[FAULT_GARBAGE] = False
    meters.iem.import_wh = 0.0  # a meter glitch reading 0
    await entry.runtime_data.coordinator.async_refresh()
    assert (
        float(states_by_key(hass, entry.entry_id)["meter_solar_energy_produced"])
        >= produced
    )
