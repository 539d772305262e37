"""The Sungrow sensors against the simulator: signs, quirks, totals."""

from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import (
    FAULT_GARBAGE,
    FAULT_ILLEGAL_ADDRESS,
    SungrowSimulator,
)

from .conftest import add_entry, entity_id, refresh, state


async def test_entities_show_the_inverter_with_documented_signs(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    model = sungrow.model
    assert float(state(hass, Platform.SENSOR, "battery_soc")) == pytest.approx(
        model.soc, abs=0.1
    )
    assert float(state(hass, Platform.SENSOR, "pv_power")) == pytest.approx(
        model.pv_w, abs=1
    )
    # Midday, self-consumption: the battery charges (negative) and the surplus is exported (negative).
    assert float(state(hass, Platform.SENSOR, "battery_power")) < 0
    assert float(state(hass, Platform.SENSOR, "grid_power")) == pytest.approx(
        model.grid_w, abs=1
    )
    assert state(hass, Platform.SENSOR, "running_state") == "running"
    assert float(state(hass, Platform.SENSOR, "grid_import_total")) == pytest.approx(
        round(model.totals["import"] / 100) / 10, abs=0.1
    )
    total = hass.states.get(entity_id(hass, Platform.SENSOR, "pv_energy_total"))
    assert total is not None
    assert total.attributes["state_class"] == "total_increasing"
    assert total.attributes["unit_of_measurement"] == "kWh"
    assert total.attributes["device_class"] == "energy"
    assert state(hass, Platform.SELECT, "ems_mode") == "self_consumption"
    assert state(hass, Platform.SWITCH, "export_limit_enabled") == "off"
    assert (
        entry.runtime_data.battery_controller is entry.runtime_data.coordinator.inverter
    )


async def test_registers_winet_hides_do_not_break_the_rest(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    sungrow.winet_rs = True
    sungrow.hour = 0.0
    sungrow.model.soc = 5.0  # at the floor: idle battery
    await add_entry(hass, sungrow, "winet")
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id(
            "sensor", DOMAIN, f"{sungrow.serial}_running_state"
        )
        is None
    )
    assert float(state(hass, Platform.SENSOR, "battery_soc")) == pytest.approx(
        5.0, abs=0.1
    )
    # Signed 5213 refused: the legacy magnitude (idle, 0 W) stands in.
    assert float(state(hass, Platform.SENSOR, "battery_power")) == 0
    assert float(state(hass, Platform.SENSOR, "grid_power")) > 0


async def test_a_refused_register_only_disables_its_entity(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("input", 13024)}
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "battery_temperature") == STATE_UNAVAILABLE
    assert state(hass, Platform.SENSOR, "battery_soc") != STATE_UNAVAILABLE
    assert entry.runtime_data.diagnostics()["refused_registers"] == ["input 13024"]


async def test_no_total_goes_backwards(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    keys = (
        "pv_energy_total",
        "grid_import_total",
        "grid_export_total",
        "battery_charge_total",
        "battery_discharge_total",
    )
    before = {key: float(state(hass, Platform.SENSOR, key)) for key in keys}
    sungrow.faults.extra[FAULT_GARBAGE] = True
    for _ in range(3):
        await refresh(entry)
        for key in keys:
            value = state(hass, Platform.SENSOR, key)
            assert float(value) >= before[key], key
    sungrow.faults.extra[FAULT_GARBAGE] = False
    for key in sungrow.model.totals:
        sungrow.model.totals[key] = 0.0  # a glitch reading 0
    await refresh(entry)
    for key in keys:
        assert float(state(hass, Platform.SENSOR, key)) >= before[key], key
