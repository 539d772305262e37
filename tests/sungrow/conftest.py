"""Fixtures and helpers of the Sungrow tests: the simulator and an entry on it."""

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from custom_components.energy_hub.sungrow.source import SungrowSource
import simulators.modbus
from simulators.modbus import MeterSimulator, SungrowModel, SungrowSimulator
from tests.modbus.fixtures import meters, sungrow

__all__ = ["meters", "sungrow"]


def form(
    sim: SungrowSimulator | MeterSimulator, connection: str = "lan"
) -> dict[str, object]:
    """The Sungrow form filled in for `sim`."""
    return {"host": sim.host, "port": sim.port, "unit_id": 1, "connection": connection}


def mock_entry(
    sim: SungrowSimulator | MeterSimulator, connection: str = "lan"
) -> MockConfigEntry:
    """The entry the flow would create for the inverter `sim` (not added yet)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Sungrow SH10RT",
        unique_id=SungrowSimulator.serial,
        data={"source": "sungrow", **form(sim, connection)},
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
    )


async def add_entry(
    hass: HomeAssistant, sim: SungrowSimulator, connection: str = "lan"
) -> MockConfigEntry:
    """Add the inverter through the config flow, as a user would."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sim, connection)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


def entity_id(hass: HomeAssistant, platform: Platform, key: str) -> str:
    """The entity id of the inverter's entity `key`."""
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{SungrowSimulator.serial}_{key}"
    )
    assert found is not None, key
    return found


def state(hass: HomeAssistant, platform: Platform, key: str) -> str:
    """The state of the inverter's entity `key`."""
    current = hass.states.get(entity_id(hass, platform, key))
    assert current is not None
    return current.state


async def refresh(entry: MockConfigEntry) -> None:
    """Poll the inverter now."""
    source: SungrowSource = entry.runtime_data
    await source.coordinator.async_refresh()


class _Midpoint:
    """Stands in for `random` in the simulator: every draw is the middle."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        return (low + high) / 2

    @staticmethod
    def randint(low: int, high: int) -> int:
        return (low + high) // 2


@pytest.fixture
def steady_sungrow(
    sungrow: SungrowSimulator, monkeypatch: pytest.MonkeyPatch
) -> SungrowSimulator:
    """The inverter at midday with time stopped and no noise: the same every run."""
    monkeypatch.setattr(simulators.modbus, "random", _Midpoint())
    sungrow.time_scale = 0.0
    sungrow.model = SungrowModel()
    sungrow.advance(force=True)
    return sungrow
