"""A control token NetZero or Tesla refuses: a repair that leads to the options.

The gateway's own login is not the problem, so no reauth: the control
entities become unavailable, a write says the control token was refused, and
a fixable repair issue opens the entry's options at the page where the token
is entered. A good token clears the issue.
"""

from typing import Any

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.components.repairs.const import FlowType
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.fleetapi import FleetApiSimulator
from simulators.netzero import SITE_ID, NetZeroSimulator
from simulators.powerwall import PowerwallGatewaySimulator

from .conftest import RESERVE, entry_for, fleet_options, setup_entry, state


def token_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"powerwall_control_token_refused_{entry.entry_id}"
    )


async def fix(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Run the repair; return the options flow it opens."""
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(
        DOMAIN,
        context={"issue_id": f"powerwall_control_token_refused_{entry.entry_id}"},
    )
    assert result["step_id"] == "confirm"
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    flow_type, flow_id = result["next_flow"]
    assert flow_type is FlowType.OPTIONS_FLOW
    # The options flow as the frontend fetches it.
    return dict(await hass.config_entries.options.async_configure(flow_id))


async def test_a_refused_netzero_token_leads_to_the_token_field(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    netzero.token = "nz-new-token"  # the old one was revoked in the NetZero app

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 50}, blocking=True
        )
    # Not "re-authenticate the entry": that asks for the gateway password.
    assert raised.value.translation_key == "control_token_refused"
    assert raised.value.translation_placeholders == {"channel": "NetZero"}
    assert state(hass, RESERVE) == STATE_UNAVAILABLE
    issue = token_issue(hass, entry)
    assert issue is not None
    assert issue.is_fixable
    # No reauth of the gateway login was started.
    assert not [
        f
        for f in hass.config_entries.flow.async_progress()
        if f["context"]["source"] == SOURCE_REAUTH
    ]

    options = await fix(hass, entry)
    assert options["step_id"] == "powerwall_options"
    result = await hass.config_entries.options.async_configure(
        options["flow_id"],
        {
            "poll_interval": 5,
            "control_channel": "netzero",
            "token": "nz-new-token",
            "site_id": SITE_ID,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options["token"] == "nz-new-token"
    assert float(state(hass, RESERVE)) == 20
    assert token_issue(hass, entry) is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_refused_fleetapi_token_leads_to_the_fleetapi_page(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, fleetapi: FleetApiSimulator
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    entry = await setup_entry(
        hass, entry_for(gateway, control_channel="fleetapi", **fleet_options(fleetapi))
    )
    # Tesla revoked the grant: the access token expires, the refresh is refused.
    fleetapi.expire_access_token()
    fleetapi.refresh_token = "fleet-refresh-revoked"
    control = entry.runtime_data.control
    assert control is not None
    await control.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, RESERVE) == STATE_UNAVAILABLE
    assert token_issue(hass, entry) is not None

    # A new grant from pypowerwall's setup; the client id, region and site
    # are shown again, the secrets are not: left empty, the client secret stays.
    fleetapi.access_token = "fleet-access-0100"
    fleetapi.refresh_token = "fleet-refresh-0100"
    options = await fix(hass, entry)
    assert options["step_id"] == "powerwall_fleetapi"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in options["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert set(suggested) == {"fleet_client_id", "fleet_audience", "fleet_site_id"}
    fields = fleet_options(fleetapi) | {
        "fleet_client_secret": "",
        "fleet_access_token": "fleet-access-0100",
        "fleet_refresh_token": "fleet-refresh-0100",
    }
    result = await hass.config_entries.options.async_configure(
        options["flow_id"], fields
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options["fleet_access_token"] == "fleet-access-0100"
    assert (
        entry.options["fleet_client_secret"]
        == fleet_options(fleetapi)["fleet_client_secret"]
    )
    assert float(state(hass, RESERVE)) == 20
    assert token_issue(hass, entry) is None
    await hass.config_entries.async_unload(entry.entry_id)
