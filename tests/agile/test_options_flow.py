"""The Agile options: battery parameters, wear cost, grid export, forecast sensors."""

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.const import NO_BATTERY_UNIQUE_ID
from custom_components.energy_hub.const import DOMAIN
from simulators.octopus import OctopusSimulator

BATTERY_DEFAULTS = {
    "capacity_kwh": 13.5,
    "reserve_percent": 5.0,
    "max_charge_kw": 5.0,
    "max_discharge_kw": 5.0,
    "efficiency_percent": 95.0,
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """These tests run Home Assistant (the folder's conftest turns it off)."""


@pytest.fixture(autouse=True)
async def hub(hass: HomeAssistant) -> None:
    """Energy Hub loaded first: battery entries added later stay as they are."""
    assert await async_setup_component(hass, DOMAIN, {})


@pytest.fixture
async def octopus(loopback: None) -> AsyncGenerator[OctopusSimulator]:
    """Octopus's API on 127.0.0.1 with generated prices (no price files)."""
    simulator = OctopusSimulator(data_dir=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def agile_entry(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    *,
    battery_entry_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A loaded Agile entry on the simulator, as the config flow creates it."""
    data: dict[str, Any] = {
        "source": "agile",
        "price_source": "octopus_api",
        "api_url": f"{octopus.url}/v1",
        "region": "C",
        "product": "AGILE-24-10-01",
        "export": "none",
    }
    if battery_entry_id is not None:
        data["battery_entry_id"] = battery_entry_id
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Octopus Agile (region C)",
        data=data,
        options=options if options is not None else dict(BATTERY_DEFAULTS),
        unique_id=battery_entry_id or NO_BATTERY_UNIQUE_ID,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def fields(result: dict[str, Any]) -> dict[str, Any]:
    """Each field of a form: (required?, default or suggested value)."""
    shown = {}
    for marker in result["data_schema"].schema:
        value = marker.default() if marker.default is not probatio.UNDEFINED else None
        if value is None and marker.description:
            value = marker.description.get("suggested_value")
        shown[str(marker)] = (isinstance(marker, probatio.Required), value)
    return shown


async def test_options_without_battery(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await agile_entry(hass, octopus)
    assert entry.state is ConfigEntryState.LOADED
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "agile_options"
    # Without a battery entry its parameters are always set, defaults first.
    assert fields(result) == {
        "capacity_kwh": (True, 13.5),
        "reserve_percent": (True, 5.0),
        "max_charge_kw": (True, 5.0),
        "max_discharge_kw": (True, 5.0),
        "efficiency_percent": (True, 95.0),
        "wear_cost": (True, 0.0),
        "allow_grid_export": (True, False),
        "load_entity": (False, None),
        "pv_entity": (False, None),
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "capacity_kwh": 10,
            "reserve_percent": 20,
            "max_charge_kw": 3.68,
            "max_discharge_kw": 4.6,
            "efficiency_percent": 90,
            "wear_cost": 0.025,
            "allow_grid_export": True,
            "load_entity": "sensor.home_load_power",
            "pv_entity": "sensor.solar_power",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {
        "capacity_kwh": 10.0,
        "reserve_percent": 20.0,
        "max_charge_kw": 3.68,
        "max_discharge_kw": 4.6,
        "efficiency_percent": 90.0,
        "wear_cost": 0.025,
        "allow_grid_export": True,
        "load_entity": "sensor.home_load_power",
        "pv_entity": "sensor.solar_power",
    }
    # The entry reloads with them.
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Shown again as saved; clearing the sensors removes them.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    shown = fields(result)
    assert shown["max_charge_kw"] == (True, 3.68)
    assert shown["allow_grid_export"] == (True, True)
    assert shown["load_entity"] == (False, "sensor.home_load_power")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**BATTERY_DEFAULTS, "wear_cost": 0, "allow_grid_export": False},
    )
    assert dict(entry.options) == {
        **BATTERY_DEFAULTS,
        "wear_cost": 0.0,
        "allow_grid_export": False,
    }


async def test_options_with_a_battery_entry(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    powerwall = MockConfigEntry(
        domain=DOMAIN,
        title="Powerwall",
        data={"source": "powerwall", "host": "192.0.2.10"},
    )
    powerwall.add_to_hass(hass)
    entry = await agile_entry(
        hass, octopus, battery_entry_id=powerwall.entry_id, options={}
    )
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The battery's own figures are used for every parameter left empty.
    shown = fields(result)
    assert shown["capacity_kwh"] == (False, None)
    assert shown["efficiency_percent"] == (False, None)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"reserve_percent": 30, "wear_cost": 0.05, "allow_grid_export": False},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {
        "reserve_percent": 30.0,
        "wear_cost": 0.05,
        "allow_grid_export": False,
    }
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert fields(result)["reserve_percent"] == (False, 30.0)


async def test_out_of_range_values_are_refused(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await agile_entry(hass, octopus)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    for bad in (
        {"reserve_percent": 100},
        {"efficiency_percent": 120},
        {"capacity_kwh": 0},
        {"wear_cost": -0.01},
    ):
        with pytest.raises(probatio.Invalid):
            await hass.config_entries.options.async_configure(
                result["flow_id"],
                {**BATTERY_DEFAULTS, "wear_cost": 0, "allow_grid_export": False} | bad,
            )
    assert dict(entry.options) == BATTERY_DEFAULTS
