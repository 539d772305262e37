"""Fixtures of the Powerwall tests: a gateway and a NetZero API on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import GATEWAY_DIN, PASSWORD, PowerwallGatewaySimulator
from simulators.powerwall_tedapi import PW3_DIN, PowerwallTedapiSimulator


@pytest.fixture
async def gateway(loopback: None) -> AsyncGenerator[PowerwallGatewaySimulator]:
    """A running gateway simulator."""
    simulator = PowerwallGatewaySimulator()
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def tedapi_gateway(loopback: None) -> AsyncGenerator[PowerwallTedapiSimulator]:
    """A running Powerwall 3 simulator, read through pypowerwall's TEDAPI mode."""
    simulator = PowerwallTedapiSimulator()
    await simulator.start()
    yield simulator
    await simulator.stop()


def tedapi_entry_for(gateway: PowerwallTedapiSimulator) -> MockConfigEntry:
    """A config entry as the flow creates it for a Powerwall 3 in TEDAPI mode."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=PW3_DIN,
        data={
            "source": "powerwall",
            "host": gateway.address,
            "password": gateway.wifi_password,
            "connection_mode": "tedapi",
        },
        options={"scan_interval": 5},
    )


@pytest.fixture
async def tedapi_entry(
    hass: HomeAssistant, tedapi_gateway: PowerwallTedapiSimulator
) -> AsyncGenerator[MockConfigEntry]:
    """A loaded Powerwall 3 entry in TEDAPI mode."""
    loaded = await setup_entry(hass, tedapi_entry_for(tedapi_gateway))
    yield loaded
    await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def netzero(
    gateway: PowerwallGatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncGenerator[NetZeroSimulator]:
    """A running NetZero API for the gateway's site, in place of the real one.

    The API's base URL is replaced at the network boundary only.
    """
    simulator = NetZeroSimulator(gateway)
    await simulator.start()
    monkeypatch.setattr(
        "custom_components.energy_hub.powerwall.netzero.DEFAULT_BASE_URL",
        simulator.url,
    )
    yield simulator
    await simulator.stop()


def entry_for(
    gateway: PowerwallGatewaySimulator, *, control: bool = False, **options: Any
) -> MockConfigEntry:
    """A config entry as the flow creates it for `gateway`."""
    entry_options: dict[str, Any] = {"scan_interval": 5} | options
    if control:
        entry_options |= {"token": TOKEN, "site_id": SITE_ID}
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=GATEWAY_DIN,
        data={
            "source": "powerwall",
            "host": gateway.address,
            "password": PASSWORD,
            "email": "owner@example.com",
        },
        options=entry_options,
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up `entry`; it must load."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def entry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> AsyncGenerator[MockConfigEntry]:
    """A loaded Powerwall entry without a control channel."""
    loaded = await setup_entry(hass, entry_for(gateway))
    yield loaded
    # Close the gateway session before the simulator goes away.
    await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def next_poll(hass: HomeAssistant, seconds: float = 5.5) -> None:
    """Let the poll interval pass and the poll finish."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


# The control entities, whichever channel (NetZero, FleetAPI) is behind them.
RESERVE = "number.powerwall_backup_reserve"
MODE = "select.powerwall_operation_mode"
EXPORTS = "select.powerwall_energy_exports"
GRID_CHARGING = "switch.powerwall_grid_charging"


def state(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def write_controls(
    hass: HomeAssistant, reserve: float, mode: str, exports: str, grid_charging: bool
) -> None:
    """Set every control entity through Home Assistant's services, in this order."""
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: RESERVE, "value": reserve},
        blocking=True,
    )
    for entity_id, option in ((MODE, mode), (EXPORTS, exports)):
        await hass.services.async_call(
            "select",
            "select_option",
            {ATTR_ENTITY_ID: entity_id, "option": option},
            blocking=True,
        )
    await hass.services.async_call(
        "switch",
        "turn_on" if grid_charging else "turn_off",
        {ATTR_ENTITY_ID: GRID_CHARGING},
        blocking=True,
    )
