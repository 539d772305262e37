"""Known prices survive a restart and an API outage; deleting the entry deletes them."""

import datetime as dt
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest

from custom_components.energy_hub.agile.client import SLOT, slot_start
from simulators.octopus import OctopusSimulator

from .conftest import MORNING, REGION, SetUp, agile_entry, move_to

IMPORT = "sensor.octopus_agile_import_price"
PLANNED_SOC = "sensor.octopus_agile_planned_state_of_charge"


def _store_key(entry_id: str) -> str:
    return f"energy_hub.agile.{entry_id}"


async def test_restart_without_the_api_uses_stored_prices(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(agile_entry(octopus))
    stored = hass_storage[_store_key(entry.entry_id)]["data"]
    now = slot_start(MORNING)
    assert (
        stored["imports"]["prices"][now.strftime("%Y-%m-%dT%H:%M:%SZ")]
        == (octopus.import_price(now, REGION)[1])
    )
    assert stored["exports"]["prices"]  # Agile Outgoing too

    assert await hass.config_entries.async_unload(entry.entry_id)
    await octopus.set_offline(True)
    later = now + 3 * SLOT + dt.timedelta(minutes=5)
    freezer.move_to(later)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get(IMPORT)
    assert state is not None
    assert float(state.state) == pytest.approx(
        octopus.import_price(later, REGION)[1] / 100
    )
    planned = hass.states.get(PLANNED_SOC)
    assert planned is not None
    assert planned.state != STATE_UNAVAILABLE

    # Old slots are pruned at the next UK midnight, the store follows.
    await octopus.set_offline(False)
    await move_to(hass, freezer, dt.datetime(2026, 1, 14, 0, 0, 2, tzinfo=dt.UTC))
    stored = hass_storage[_store_key(entry.entry_id)]["data"]
    assert min(stored["imports"]["prices"]) == "2026-01-14T00:00:00Z"


async def test_first_start_without_the_api_retries(
    hass: HomeAssistant, octopus: OctopusSimulator, setup_entry: SetUp
) -> None:
    """Nothing stored and nothing readable: Home Assistant retries the set-up."""
    await octopus.set_offline(True)
    entry = await setup_entry(agile_entry(octopus))
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_removing_the_entry_deletes_its_prices(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    octopus: OctopusSimulator,
    setup_entry: SetUp,
) -> None:
    entry = await setup_entry(agile_entry(octopus))
    assert _store_key(entry.entry_id) in hass_storage
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert _store_key(entry.entry_id) not in hass_storage
