"""Diagnostics: useful, with every credential and identity redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import (
    GATEWAY_DIN,
    PACK_SERIALS,
    PASSWORD,
    PowerwallGatewaySimulator,
)

from .conftest import entry_for, setup_entry


async def test_diagnostics_redact_credentials_and_identities(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
) -> None:
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (
        PASSWORD,
        TOKEN,
        SITE_ID,
        GATEWAY_DIN,
        *PACK_SERIALS,
        "owner@example.com",
    ):
        assert secret not in text, secret
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["options"]["token"] == "**REDACTED**"
    # Still useful: the last reading and the control settings are there.
    source = diagnostics["source"]
    assert source["reading"]["meters"]["site"]["power_w"] == -500
    assert source["gateway"]["firmware"] == "25.10.4"
    assert source["control"]["settings"]["operational_mode"] == "self_consumption"
    await hass.config_entries.async_unload(entry.entry_id)
