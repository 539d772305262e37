"""Fixtures of the Powerwall tests: a gateway, NetZero and FleetAPI on loopback."""

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pypowerwall.fleetapi import fleetapi as pypowerwall_fleetapi
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.energy_hub.const import DOMAIN
from simulators.fleetapi import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    SITE_ID as FLEET_SITE_ID,
    FleetApiSimulator,
)
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import GATEWAY_DIN, PASSWORD, PowerwallGatewaySimulator
from simulators.powerwall_tedapi import PW3_DIN, PowerwallTedapiSimulator

TESLA_AUTH = "https://auth.tesla.com"


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
        options={"poll_interval": 5},
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
    entry_options: dict[str, Any] = {"poll_interval": 5} | options
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


@pytest.fixture
async def fleetapi(
    gateway: PowerwallGatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncGenerator[FleetApiSimulator]:
    """The FleetAPI of the gateway's site on loopback HTTPS.

    Network boundary only: clients trust the simulator's CA (through the
    environment, as a system CA would be), and pypowerwall's fixed token URL
    on auth.tesla.com is sent to the simulator. pypowerwall itself runs as is.
    """
    simulator = FleetApiSimulator(gateway)
    await simulator.start()
    ca = str(simulator.certificate.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", ca)  # httpx (HTTP/2), the normal path
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)  # pypowerwall's HTTP/1.1 fallback
    # pypowerwall shares one httpx client per process: start one with this CA.
    monkeypatch.setattr(pypowerwall_fleetapi, "_http2_client", None)
    real_request = pypowerwall_fleetapi._http2_request

    def to_simulator(method: str, url: str, **kwargs: Any) -> Any:
        if url.startswith(TESLA_AUTH):
            url = simulator.url + url.removeprefix(TESLA_AUTH)
        return real_request(method, url, **kwargs)

    monkeypatch.setattr(pypowerwall_fleetapi, "_http2_request", to_simulator)
    yield simulator
    client = pypowerwall_fleetapi._http2_client
    if client is not None:
        client.close()
    await simulator.stop()


def fleet_options(simulator: FleetApiSimulator) -> dict[str, str]:
    """The FleetAPI fields as pypowerwall's setup would have written them."""
    return {
        "fleet_client_id": CLIENT_ID,
        "fleet_client_secret": CLIENT_SECRET,
        "fleet_audience": simulator.url,
        "fleet_access_token": ACCESS_TOKEN,
        "fleet_refresh_token": REFRESH_TOKEN,
        "fleet_site_id": FLEET_SITE_ID,
    }


@pytest.fixture
async def fleet_entry(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    fleetapi: FleetApiSimulator,
) -> AsyncGenerator[MockConfigEntry]:
    """A loaded entry whose control entities go through FleetAPI."""
    entry = await setup_entry(
        hass,
        entry_for(gateway, control_channel="fleetapi", **fleet_options(fleetapi)),
    )
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def next_poll(hass: HomeAssistant, seconds: float = 5.5) -> None:
    """Let the poll interval pass and the poll finish."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


# The control entities, whichever channel (NetZero, FleetAPI) is behind them.
RESERVE = "number.powerwall_backup_reserve_setting"
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
