"""Snapshots of the Agile device, entities, states and diagnostics on the simulator."""

import datetime as dt
import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.energy_hub.agile.client import UK
from custom_components.energy_hub.agile.const import CONF_API_KEY, CONF_POSTCODE
from custom_components.energy_hub.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulators.octopus import OctopusSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import SetUp, agile_entry, move_to

# Fixed, so unique ids (prefixed with it) are stable.
ENTRY_ID = "01AGILESNAPSHOTENTRY000000"
API_KEY = "sk_live_0123456789abcdefABCDEF"
POSTCODE = "SW1A1AA"


async def test_entities_and_diagnostics(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    octopus.api_keys.add(API_KEY)
    octopus.require_key = True
    entry = await setup_entry(
        agile_entry(
            octopus,
            entry_id=ENTRY_ID,
            **{CONF_API_KEY: API_KEY, CONF_POSTCODE: POSTCODE},
        )
    )
    assert_entry_snapshot(hass, entry, snapshot)
    diagnostics = await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)
    text = json.dumps(diagnostics)
    assert API_KEY not in text
    assert POSTCODE not in text


async def test_diagnostics_after_an_api_error(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The last error is there to read; the key (sent as basic auth) is not."""
    assert await async_setup_component(hass, "diagnostics", {})
    octopus.api_keys.add(API_KEY)
    entry = await setup_entry(agile_entry(octopus, **{CONF_API_KEY: API_KEY}))
    octopus.faults.http_status = 503
    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 16, 0, 2, tzinfo=UK))
    # Straight from the platform: the test's login token expired six hours ago.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert "503" in diagnostics["source"]["last_error"]
    assert diagnostics["source"]["last_update_success"]  # known prices kept
    assert API_KEY not in json.dumps(diagnostics)
