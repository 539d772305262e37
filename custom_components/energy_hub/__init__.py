"""Energy Hub: every meter, inverter and battery of a home in Home Assistant."""

from homeassistant.core import HomeAssistant

from .const import (
    CONF_POLL_INTERVAL,
    CONF_SOURCE,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    LOGGER,
    SourceKind,
)
from .source import EnergyHubConfigEntry
from .sources import SOURCES


async def async_setup_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Set up one source from its config entry."""
    spec = SOURCES[SourceKind(entry.data[CONF_SOURCE])]
    source = await spec.setup(hass, entry)
    entry.runtime_data = source
    await hass.config_entries.async_forward_entry_setups(entry, source.platforms)
    # Options flows reload the entry themselves (OptionsFlowWithReload).
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Unload a source and release its connections."""
    source = entry.runtime_data
    if unloaded := await hass.config_entries.async_unload_platforms(
        entry, source.platforms
    ):
        await source.async_unload()
    return unloaded


async def async_migrate_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Migrate an entry written by an older Energy Hub, one minor version a step."""
    if (entry.version, entry.minor_version) > (ENTRY_VERSION, ENTRY_MINOR_VERSION):
        # Written by a newer Energy Hub: refuse rather than misread it.
        LOGGER.error(
            "Config entry %s was created by a newer Energy Hub (version %s.%s)",
            entry.title,
            entry.version,
            entry.minor_version,
        )
        return False
    if entry.minor_version < 2:
        # 1.2: Powerwall entries stored their poll interval as `scan_interval`.
        options = dict(entry.options)
        if "scan_interval" in options:
            options[CONF_POLL_INTERVAL] = options.pop("scan_interval")
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
        LOGGER.debug("Migrated %s to version 1.2", entry.title)
    return True
