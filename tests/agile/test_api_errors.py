"""What the source does when the API refuses: a rate limit is respected, a bad key re-authenticates."""

import datetime as dt

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.energy_hub.agile.client import UK
from custom_components.energy_hub.agile.const import CONF_API_KEY
from custom_components.energy_hub.const import DOMAIN
from simulators.octopus import OctopusSimulator

from .conftest import SetUp, agile_entry, move_to

IMPORT = "sensor.octopus_agile_import_price"


async def test_rate_limit_is_respected(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(agile_entry(octopus))
    client = entry.runtime_data.coordinator.client  # type: ignore[attr-defined]
    octopus.faults.extra["rate_limited"] = 3600
    start = dt.datetime(2026, 1, 13, 16, 0, 2, tzinfo=UK)
    await move_to(hass, freezer, start)
    refused = client.requests
    # An hour of minute ticks: Octopus asked for an hour's pause, none is sent.
    for minute in range(1, 60):
        await move_to(hass, freezer, start + dt.timedelta(minutes=minute))
    assert client.requests == refused
    assert hass.states.get(IMPORT).state != "unavailable"  # type: ignore[union-attr]
    # After the pause, the next poll goes out and reads tomorrow's set.
    octopus.faults.extra.pop("rate_limited")
    await move_to(hass, freezer, start + dt.timedelta(minutes=61))
    assert client.requests > refused
    assert entry.runtime_data.coordinator.data.tomorrow_complete  # type: ignore[attr-defined]


async def test_refused_key_starts_reauth(
    hass: HomeAssistant, octopus: OctopusSimulator, setup_entry: SetUp
) -> None:
    octopus.api_keys.add("sk_live_good")
    entry = await setup_entry(agile_entry(octopus, **{CONF_API_KEY: "sk_live_old"}))
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == entry.entry_id
