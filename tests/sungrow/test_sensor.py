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


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_entity_has_its_own_name(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """E.g. the export power limit (number) and its on/off switch."""
    entry = await add_entry(hass, sungrow)
    names: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        current = hass.states.get(entity.entity_id)
        assert current is not None, entity.entity_id
        name = current.attributes["friendly_name"]
        assert name not in names, (entity.entity_id, names.get(name))
        names[name] = entity.entity_id
    assert names["Sungrow inverter Export power limit"].startswith("number.")
    assert names["Sungrow inverter Export power limiting"].startswith("switch.")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_measurements_are_rounded_and_say_how_to_show_them(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """Values have their register's decimals; each says how many to display."""
    entry = await add_entry(hass, sungrow)
    measurements = 0
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if entity.domain != "sensor":
            continue
        current = hass.states.get(entity.entity_id)
        assert current is not None
        if current.attributes.get("state_class") != "measurement":
            continue
        measurements += 1
        precision = entity.options["sensor"]["suggested_display_precision"]
        assert isinstance(precision, int), entity.entity_id
        if current.state not in (STATE_UNAVAILABLE, "unknown"):
            decimals = current.state.partition(".")[2]
            assert len(decimals) <= max(precision, 1), (entity.entity_id, current.state)
    assert measurements >= 20
