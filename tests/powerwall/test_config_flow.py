"""Powerwall config flow: set-up, every error, reauth, reconfigure, DHCP, options."""

from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import (
    GATEWAY_DIN,
    MAX_FAILED_LOGINS,
    PASSWORD,
    PowerwallGatewaySimulator,
)

from .conftest import entry_for, setup_entry


async def start_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert "powerwall" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "powerwall"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "powerwall"
    return dict(result)


async def test_user_flow_creates_the_entry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    result = await start_flow(hass)
    # The form offers the gateway's own Wi-Fi address by default.
    schema = result["data_schema"].schema
    host_key = next(key for key in schema if key == "host")
    assert host_key.default() == "192.168.91.1"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": gateway.address, "password": PASSWORD, "email": "me@example.com"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "powerwall_control"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    assert result["result"].unique_id == GATEWAY_DIN
    assert result["data"] == {
        "source": "powerwall",
        "host": gateway.address,
        "password": PASSWORD,
        "email": "me@example.com",
        "connection_mode": "local",
        # The certificate the gateway presented, recorded for DHCP moves.
        "certificate_sha256": gateway.certificate_sha256,
    }
    assert result["options"] == {"poll_interval": 5}
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["result"].state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_user_flow_with_the_netzero_channel(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    result = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": gateway.address, "password": PASSWORD}
    )
    for user_input, error in (
        ({"token": TOKEN}, {"base": "netzero_incomplete"}),
        ({"token": "wrong", "site_id": SITE_ID}, {"token": "invalid_auth"}),
        ({"token": TOKEN, "site_id": "999"}, {"site_id": "site_not_found"}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], user_input
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == error
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": TOKEN, "site_id": SITE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {"poll_interval": 5, "token": TOKEN, "site_id": SITE_ID}
    await hass.async_block_till_done(wait_background_tasks=True)
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    result = await start_flow(hass)
    flow_id = result["flow_id"]
    good = {"host": gateway.address, "password": PASSWORD}

    result = await hass.config_entries.flow.async_configure(
        flow_id, good | {"password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    await gateway.set_offline(True)
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "cannot_connect"}
    await gateway.set_offline(False)

    gateway.faults.http_status = 500
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "cannot_connect"}
    gateway.faults.http_status = None

    gateway.faults.malformed = True
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "cannot_connect"}
    gateway.faults.malformed = False

    # Repeated bad logins lock the gateway: it answers 429 even to the right one.
    for _ in range(MAX_FAILED_LOGINS):
        result = await hass.config_entries.flow.async_configure(
            flow_id, good | {"password": "wrong"}
        )
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "rate_limited"}
    gateway.locked_until = 0  # the lock-out ends

    # A library failure nobody foresaw (at the network boundary).
    with patch("pypowerwall.Powerwall.poll", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "unknown"}

    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["step_id"] == "powerwall_control"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_same_gateway_is_not_added_twice(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = entry_for(gateway)
    entry.add_to_hass(hass)  # not set up: only its unique id matters
    result = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": gateway.address, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_takes_the_new_password(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    gateway.password = "newpw"
    entry = entry_for(gateway)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["step_id"] == "powerwall_reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "stillwrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "newpw", "email": "owner@example.com"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.data["password"] == "newpw"
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_moves_to_a_new_address(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    async with PowerwallGatewaySimulator() as moved:  # same gateway, new address
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "powerwall_reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": moved.address, "password": PASSWORD}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.data["host"] == moved.address
        assert entry.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_refuses_another_gateway(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    other = PowerwallGatewaySimulator()
    other.din = "1232100-10-J--TG999999999XYZ"
    async with other:
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": other.address, "password": PASSWORD}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "unique_id_mismatch"
    assert entry.data["host"] == gateway.address
    await hass.config_entries.async_unload(entry.entry_id)


def dhcp(hostname: str, ip: str = "192.168.1.60") -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname=hostname, macaddress="98ed5c123456")


async def test_dhcp_discovery_adds_the_gateway(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    # The simulator listens on a port of its own; a real gateway on 443.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=dhcp(GATEWAY_DIN.lower(), ip=gateway.address),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "powerwall_discovery"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": PASSWORD}
    )
    assert result["step_id"] == "powerwall_control"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == GATEWAY_DIN
    assert result["data"]["host"] == gateway.address
    await hass.async_block_till_done(wait_background_tasks=True)
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_dhcp_leaves_unverifiable_and_other_devices_alone(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    # An entry that never connected since the fingerprint was kept: nothing to
    # compare a new address with, so it stays where it is.
    entry = entry_for(gateway)
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=dhcp(GATEWAY_DIN.lower(), ip="192.168.1.77"),
    )
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == gateway.address

    # Already set up through Home Assistant's own Powerwall integration.
    MockConfigEntry(
        domain="powerwall", unique_id="1118431-00-L--TG00000001"
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=dhcp("1118431-00-l--tg00000001"),
    )
    assert result["reason"] == "powerwall_core_configured"

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=dhcp("my-laptop"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] != "powerwall_core_configured"


async def test_options_set_poll_interval_and_add_control(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    registry = er.async_get(hass)

    def control_entities() -> set[str]:
        return {
            e.domain
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if e.domain in {"number", "select", "switch"}
        }

    assert control_entities() == set()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "powerwall_options"
    with pytest.raises(InvalidData, match="poll_interval"):  # faster than 1 s
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"poll_interval": 0.5}
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 2, "token": "wrong", "site_id": SITE_ID}
    )
    assert result["errors"] == {"token": "invalid_auth"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 2, "token": TOKEN, "site_id": SITE_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {"poll_interval": 2, "token": TOKEN, "site_id": SITE_ID}
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 2
    assert control_entities() == {"number", "select", "switch"}

    # Taking the channel out again removes the control entities, not just
    # leaves them unavailable.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 2, "token": "", "site_id": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {"poll_interval": 2}
    assert control_entities() == set()
    assert hass.states.async_entity_ids(["number", "select", "switch"]) == []
    await hass.config_entries.async_unload(entry.entry_id)


async def test_options_never_show_the_token_and_keep_it_when_left_empty(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert "token" not in suggested  # never sent back to the browser
    assert suggested["site_id"] == SITE_ID
    assert suggested["control_channel"] == "netzero"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"poll_interval": 7, "control_channel": "netzero", "site_id": SITE_ID},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {"poll_interval": 7, "token": TOKEN, "site_id": SITE_ID}
    await hass.config_entries.async_unload(entry.entry_id)
