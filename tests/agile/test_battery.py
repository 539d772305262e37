"""The plan reads the battery it is for: a Sungrow entry's capacity, SoC and reserve."""

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.const import CONF_BATTERY_ENTRY
from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from custom_components.energy_hub.sungrow.source import SungrowSource
from simulators.modbus import SungrowSimulator
from simulators.octopus import OctopusSimulator
from tests.modbus.fixtures import sungrow

from .conftest import SetUp, agile_entry

__all__ = ["sungrow"]

PLANNED_SOC = "sensor.octopus_agile_planned_state_of_charge"


@pytest.fixture
async def octopus(loopback: None) -> AsyncIterator[OctopusSimulator]:
    """The price API on the real clock: the inverter's Modbus client needs time to run."""
    async with OctopusSimulator(data_dir=None) as simulator:
        yield simulator


async def _sungrow_entry(
    hass: HomeAssistant, setup_entry: SetUp, simulator: SungrowSimulator
) -> SungrowSource:
    entry = await setup_entry(
        MockConfigEntry(
            domain=DOMAIN,
            title="Sungrow SH10RT",
            unique_id=SungrowSimulator.serial,
            data={
                "source": "sungrow",
                "host": simulator.host,
                "port": simulator.port,
                "unit_id": 1,
                "connection": "lan",
            },
            version=ENTRY_VERSION,
            minor_version=ENTRY_MINOR_VERSION,
        )
    )
    source = entry.runtime_data
    assert isinstance(source, SungrowSource)
    return source


async def test_battery_figures_come_from_the_battery_entry(
    hass: HomeAssistant,
    sungrow: SungrowSimulator,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
) -> None:
    battery = await _sungrow_entry(hass, setup_entry, sungrow)
    reading = battery.coordinator.data
    capacity = reading.number("battery_capacity")
    soc_percent = reading.number("battery_soc")
    min_soc = reading.setting("min_soc")
    assert capacity and soc_percent is not None and min_soc is not None

    # No battery parameters in the options: all read from the inverter.
    entry = agile_entry(
        octopus,
        options={},
        **{CONF_BATTERY_ENTRY: battery.coordinator.config_entry.entry_id},
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=battery.coordinator.config_entry.entry_id,
        data=dict(entry.data),
        options={"wear_cost": 0.0, "allow_grid_export": False},
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
    )
    await setup_entry(entry)
    planned = entry.runtime_data.coordinator.data.battery  # type: ignore[attr-defined]
    assert planned.capacity_kwh == pytest.approx(capacity)
    assert planned.floor_kwh == pytest.approx(capacity * min_soc / 100)
    expected_soc = max(capacity * soc_percent / 100, planned.floor_kwh)
    assert planned.soc_kwh == pytest.approx(expected_soc)

    state = hass.states.get(PLANNED_SOC)
    assert state is not None
    first = state.attributes["trajectory"][0]
    assert first["soc"] == pytest.approx(expected_soc / capacity * 100, abs=0.05)


async def test_options_override_the_battery(
    hass: HomeAssistant,
    sungrow: SungrowSimulator,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
) -> None:
    battery = await _sungrow_entry(hass, setup_entry, sungrow)
    entry = agile_entry(
        octopus,
        options={"capacity_kwh": 5.0, "reserve_percent": 20.0},
        **{CONF_BATTERY_ENTRY: battery.coordinator.config_entry.entry_id},
    )
    await setup_entry(entry)
    planned = entry.runtime_data.coordinator.data.battery  # type: ignore[attr-defined]
    assert planned.capacity_kwh == 5.0
    assert planned.floor_kwh == pytest.approx(1.0)
