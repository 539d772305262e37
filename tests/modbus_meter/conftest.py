"""Fixtures and helpers of the Modbus meter tests: the meter gateway simulator."""

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from simulators.modbus import MeterSimulator
from tests.modbus.fixtures import meters

__all__ = ["meters"]


def form(
    sim: MeterSimulator, unit: int, preset: str, meter_type: str
) -> dict[str, object]:
    """The meter form filled in for unit `unit` of `sim`."""
    return {
        "host": sim.host,
        "port": sim.port,
        "unit_id": unit,
        "preset": preset,
        "meter_type": meter_type,
    }


def mock_entry(
    sim: MeterSimulator,
    unit: int,
    preset: str,
    meter_type: str,
    *,
    title: str,
    unique_id: str,
) -> MockConfigEntry:
    """An entry for a preset meter of `sim`, as the flow creates it (not added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=unique_id,
        data={"source": "modbus_meter", **form(sim, unit, preset, meter_type)},
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
    )


async def start_flow(hass: HomeAssistant) -> str:
    """Open the config flow at the meter's form; return the flow id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "modbus_meter"}
    )
    assert result["step_id"] == "modbus_meter"
    return str(result["flow_id"])


def states_by_key(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """translation_key -> state of the entry's sensors."""
    states: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id):
        if (current := hass.states.get(entity.entity_id)) is not None:
            assert entity.translation_key is not None
            states[entity.translation_key] = current.state
    return states
