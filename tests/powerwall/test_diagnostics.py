"""Diagnostics: useful, with every credential and identity redacted.

Each kind of entry (local API with NetZero, local API with FleetAPI, TEDAPI)
is checked for every secret and identity the simulators know of, anywhere
in the downloaded JSON text.
"""

import json
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.fleetapi import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    SITE_ID as FLEET_SITE_ID,
    FleetApiSimulator,
)
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import (
    GATEWAY_DIN,
    PACK_SERIALS,
    PASSWORD,
    PowerwallGatewaySimulator,
)
from simulators.powerwall_tedapi import (
    EXPANSION_DIN,
    PW3_DIN,
    WIFI_PASSWORD,
    PowerwallTedapiSimulator,
)

from .conftest import entry_for, setup_entry

REDACTED = "**REDACTED**"
SECRETS = {
    "password": PASSWORD,
    "Wi-Fi password": WIFI_PASSWORD,
    "customer password derived from the Wi-Fi password": WIFI_PASSWORD[-5:],
    "email": "owner@example.com",
    "NetZero token": TOKEN,
    "NetZero site id": SITE_ID,
    "FleetAPI client id": CLIENT_ID,
    "FleetAPI client secret": CLIENT_SECRET,
    "FleetAPI access token": ACCESS_TOKEN,
    "FleetAPI refresh token": REFRESH_TOKEN,
    "FleetAPI site id": FLEET_SITE_ID,
    "gateway DIN": GATEWAY_DIN,
    "Powerwall 3 DIN": PW3_DIN,
    "expansion pack DIN": EXPANSION_DIN,
    **{f"pack serial {serial}": serial for serial in PACK_SERIALS},
}


async def diagnostics_without_secrets(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> dict[str, Any]:
    """Download the entry's diagnostics; no secret, identity or host may be in them."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    secrets = SECRETS | {
        "host": entry.data["host"],
        "site name (the entry's title)": entry.title,
        "certificate fingerprint": entry.data["certificate_sha256"],
    }
    leaked = {name for name, secret in secrets.items() if secret in text}
    assert not leaked
    assert diagnostics["entry"]["data"]["password"] == REDACTED
    assert diagnostics["entry"]["title"] == REDACTED
    assert diagnostics["source"]["gateway"]["host"] == REDACTED
    return dict(diagnostics)


async def test_diagnostics_with_netzero(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
) -> None:
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    diagnostics = await diagnostics_without_secrets(hass, hass_client, entry)
    assert diagnostics["entry"]["options"]["token"] == REDACTED
    assert diagnostics["entry"]["options"]["site_id"] == REDACTED
    # Still useful: the last reading and the control settings are there.
    source = diagnostics["source"]
    assert source["reading"]["meters"]["site"]["power_w"] == -500
    assert source["gateway"]["firmware"] == "25.10.4"
    assert source["gateway"]["pack_serials"] == REDACTED
    assert source["control"]["channel"] == "NetZero"
    assert source["control"]["settings"]["operational_mode"] == "self_consumption"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_with_fleetapi(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fleetapi: FleetApiSimulator,
    fleet_entry: MockConfigEntry,
) -> None:
    diagnostics = await diagnostics_without_secrets(hass, hass_client, fleet_entry)
    options = diagnostics["entry"]["options"]
    assert options["fleet_client_secret"] == REDACTED
    assert options["fleet_refresh_token"] == REDACTED
    assert diagnostics["source"]["control"]["channel"] == "FleetAPI"
    assert diagnostics["source"]["control"]["settings"]["backup_reserve_percent"] == 20


async def test_diagnostics_of_a_tedapi_gateway(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    diagnostics = await diagnostics_without_secrets(hass, hass_client, tedapi_entry)
    source = diagnostics["source"]
    assert source["gateway"]["tedapi"] is True
    assert source["gateway"]["firmware"] == "25.26.1"
    assert source["reading"]["meters"]["site"]["power_w"] == -500
    assert source["control"] is None
