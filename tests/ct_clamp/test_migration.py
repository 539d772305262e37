"""The clamp rating added to entries written before it existed."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.energy_hub.const import ENTRY_MINOR_VERSION, ENTRY_VERSION
from custom_components.energy_hub.ct_clamp.source import migrate_channel_ratings

from .conftest import CHANNELS, board_entry


def test_old_channels_get_the_default_rating_and_keep_the_rest() -> None:
    data = {"source": "ct_clamp", "name": "CT clamps", "channels": CHANNELS}
    migrated = migrate_channel_ratings(data)
    assert migrated == {
        **data,
        "channels": [{**channel, "max_current": 100.0} for channel in CHANNELS],
    }
    # A rating already stored stays, and migrating twice changes nothing.
    rated = {**data, "channels": [{**CHANNELS[0], "max_current": 30.0}]}
    assert migrate_channel_ratings(rated) == rated
    assert migrate_channel_ratings(migrated) == migrated
    # Not a CT entry's data: unchanged.
    assert migrate_channel_ratings({"host": "1.2.3.4"}) == {"host": "1.2.3.4"}


async def test_an_entry_of_version_1_3_is_migrated_at_set_up(
    hass: HomeAssistant,
) -> None:
    """Home Assistant runs the step: the entry keeps its channels, gains ratings."""
    entry = board_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, minor_version=3)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (ENTRY_VERSION, ENTRY_MINOR_VERSION)
    assert entry.data["channels"] == [
        {**channel, "max_current": 100.0} for channel in CHANNELS
    ]
    assert entry.data["webhook_id"] == board_entry().data["webhook_id"]
    await hass.config_entries.async_unload(entry.entry_id)
