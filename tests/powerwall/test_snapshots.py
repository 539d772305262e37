"""Snapshots of the Powerwall entries on their simulators: entities, devices, diagnostics.

Three entries: the local API with NetZero control, the local API with
FleetAPI control, and a Powerwall 3 read through TEDAPI (no control). Every
entity is enabled, the disabled-by-default ones too. The simulated house is
held still, so counters do not grow with the time a run takes.
"""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulators.fleetapi import FleetApiSimulator
from simulators.powerwall import PowerwallGatewaySimulator
from simulators.powerwall_tedapi import PowerwallTedapiSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import entry_for, fleet_options, setup_entry, tedapi_entry_for


@pytest.fixture
def still_gateway(
    gateway: PowerwallGatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> PowerwallGatewaySimulator:
    """The gateway with its clock stopped: powers stay, counters stop growing."""
    monkeypatch.setattr(gateway, "now", lambda: 0.0)
    return gateway


@pytest.fixture
def still_tedapi_gateway(
    tedapi_gateway: PowerwallTedapiSimulator, monkeypatch: pytest.MonkeyPatch
) -> PowerwallTedapiSimulator:
    """The Powerwall 3 with its clock stopped."""
    monkeypatch.setattr(tedapi_gateway, "now", lambda: 0.0)
    return tedapi_gateway


async def snapshot_entry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
    entry: MockConfigEntry,
) -> None:
    """Set up `entry` with every entity enabled, snapshot it, unload it."""
    await setup_entry(hass, entry)
    registry = er.async_get(hass)
    disabled = [
        entity
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    ]
    assert disabled, "expected some entities disabled by default"
    for entity in disabled:
        registry.async_update_entity(entity.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("netzero")
async def test_local_api_with_netzero(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
    still_gateway: PowerwallGatewaySimulator,
) -> None:
    entry = entry_for(still_gateway, control=True)
    await snapshot_entry(hass, hass_client, snapshot, entry)


async def test_local_api_with_fleetapi(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
    still_gateway: PowerwallGatewaySimulator,
    fleetapi: FleetApiSimulator,
) -> None:
    entry = entry_for(
        still_gateway, control_channel="fleetapi", **fleet_options(fleetapi)
    )
    await snapshot_entry(hass, hass_client, snapshot, entry)


async def test_tedapi(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
    still_tedapi_gateway: PowerwallTedapiSimulator,
) -> None:
    entry = tedapi_entry_for(still_tedapi_gateway)
    await snapshot_entry(hass, hass_client, snapshot, entry)
