"""The Modbus meter sensors against the simulator: presets, roles, totals."""

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
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


@pytest.mark.parametrize(
    ("unit", "preset", "meter_type"), [(1, "abb_b23", "grid"), (2, "iem3000", "solar")]
)
async def test_measurements_are_rounded_and_say_how_to_show_them(
    hass: HomeAssistant,
    meters: MeterSimulator,
    unit: int,
    preset: str,
    meter_type: str,
) -> None:
    """No 230.39999389648438 V from a float32, no 230.10000000000002 from a scale."""
    meters.abb.held = meters.iem.held = True
    meters.abb.volts = meters.iem.volts = (230.1, 230.4, 229.7)
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, unit, preset, meter_type)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    states = states_by_key(hass, entry.entry_id)
    assert (
        states["meter_voltage_l1"],
        states["meter_voltage_l2"],
        states["meter_voltage_l3"],
    ) == ("230.1", "230.4", "229.7")
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        current = hass.states.get(entity.entity_id)
        assert current is not None
        precision = entity.options["sensor"]["suggested_display_precision"]
        assert isinstance(precision, int), entity.entity_id
        if current.attributes.get("state_class") == "measurement":
            # A float32 has 6-9 significant digits; noise would show 17.
            digits = current.state.lstrip("-").replace(".", "").strip("0")
            assert len(digits) <= 9, (entity.entity_id, current.state)
