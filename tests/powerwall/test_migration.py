"""Entries written by older Energy Hub versions keep their settings and entities."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from simulators.powerwall import GATEWAY_DIN, PASSWORD, PowerwallGatewaySimulator

SOC_UNIQUE_ID = f"{GATEWAY_DIN}_state_of_charge"


def _entry_1_1(gateway: PowerwallGatewaySimulator) -> MockConfigEntry:
    """A Powerwall entry as Energy Hub 1.1 stored it (`scan_interval`)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=GATEWAY_DIN,
        version=1,
        minor_version=1,
        data={"source": "powerwall", "host": gateway.address, "password": PASSWORD},
        options={"scan_interval": 17},
    )


async def test_powerwall_1_1_poll_interval_migrates(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    """`scan_interval` becomes `poll_interval`; the entity keeps its id and unique id."""
    entry = _entry_1_1(gateway)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    # An entity the old version created, renamed by the user.
    registry.async_get_or_create(
        "sensor",
        DOMAIN,
        SOC_UNIQUE_ID,
        config_entry=entry,
        suggested_object_id="my_powerwall_soc",
    )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (ENTRY_VERSION, ENTRY_MINOR_VERSION)
    assert entry.options == {"poll_interval": 17}
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval.total_seconds() == 17
    assert registry.async_get_entity_id("sensor", DOMAIN, SOC_UNIQUE_ID) == (
        "sensor.my_powerwall_soc"
    )
    assert hass.states.get("sensor.my_powerwall_soc") is not None
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_entry_of_a_newer_version_is_refused(hass: HomeAssistant) -> None:
    """An entry written by a newer Energy Hub is not misread."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=ENTRY_VERSION + 1,
        data={"source": "powerwall", "host": "127.0.0.1:1", "password": "x"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
