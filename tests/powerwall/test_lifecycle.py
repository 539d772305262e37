"""What a Powerwall entry writes to disk, and that it goes when it should.

The session cookies live in one file per entry, named after the entry id;
a changed password or address never reuses them; the FleetAPI config file
goes when the channel changes; deleting the entry deletes both.
"""

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.powerwall.const import (
    CACHE_FOLDER,
    FLEETAPI_FOLDER,
)
from custom_components.energy_hub.powerwall.gateway import legacy_cache_file
from simulators.fleetapi import FleetApiSimulator
from simulators.powerwall import PASSWORD, PowerwallGatewaySimulator

from .conftest import entry_for, fleet_options, setup_entry


def cookie_file(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    return Path(hass.config.path(CACHE_FOLDER)) / f"powerwall-{entry.entry_id}.json"


def fleet_file(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    return Path(hass.config.path(FLEETAPI_FOLDER, entry.entry_id, "fleetapi.json"))


async def test_the_cookie_file_is_named_after_the_entry_and_removed_with_it(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = entry_for(gateway)
    # A cookie file an earlier version left, named from host and password.
    legacy = legacy_cache_file(
        Path(hass.config.path(CACHE_FOLDER)), gateway.address, PASSWORD
    )
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text("{}")
    await setup_entry(hass, entry)
    assert cookie_file(hass, entry).is_file()
    assert not legacy.exists()

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not cookie_file(hass, entry).exists()


async def test_a_new_password_never_reuses_the_old_session(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    old_session = cookie_file(hass, entry).read_text()
    # The owner changes the password; the gateway keeps its open sessions.
    gateway.password = "newpw"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": gateway.address, "password": "newpw"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    # The reloaded entry logged in with the new password: a session of its own.
    assert cookie_file(hass, entry).read_text() != old_session
    await hass.config_entries.async_unload(entry.entry_id)


async def test_fleetapi_file_goes_with_the_channel_and_the_entry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, fleetapi: FleetApiSimulator
) -> None:
    entry = await setup_entry(
        hass, entry_for(gateway, control_channel="fleetapi", **fleet_options(fleetapi))
    )
    assert fleet_file(hass, entry).is_file()

    # Switching to no channel deletes the file with its secret and tokens.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5, "control_channel": "none"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not fleet_file(hass, entry).parent.exists()

    # Back to FleetAPI, then the entry is deleted: nothing of it is left.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5, "control_channel": "fleetapi"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], fleet_options(fleetapi)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert fleet_file(hass, entry).is_file()
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"powerwall_control_token_refused_{entry.entry_id}",
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="powerwall_control_token_refused",
    )
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not fleet_file(hass, entry).parent.exists()
    assert not cookie_file(hass, entry).exists()
    assert not ir.async_get(hass).issues  # its repair issues went too
