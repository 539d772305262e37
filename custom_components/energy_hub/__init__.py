"""Energy Hub: every meter, inverter and battery of a home in Home Assistant."""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .agile.services import async_setup_services as async_setup_agile_services
from .const import (
    CONF_POLL_INTERVAL,
    CONF_SOURCE,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    LOGGER,
    SourceKind,
)
from .ct_clamp.source import migrate_channel_ratings
from .ocr.services import async_setup_services as async_setup_ocr_services
from .source import EnergyHubConfigEntry
from .sources import SOURCES

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions (they exist with or without entries)."""
    async_setup_ocr_services(hass)
    async_setup_agile_services(hass)
    return True


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


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete what the entry's source wrote to disk: nothing of it is left."""
    spec = SOURCES.get(SourceKind(entry.data[CONF_SOURCE]))
    if spec is not None and spec.remove is not None:
        await spec.remove(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device the source no longer provides."""
    return not device.identifiers & entry.runtime_data.device_identifiers()


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
    if entry.minor_version < 3:
        # 1.3: the P1 meter's source (`p1`) became the HomeWizard source, which
        # reads every HomeWizard product; unique ids and the rest stay.
        data = dict(entry.data)
        if data.get(CONF_SOURCE) == "p1":
            data[CONF_SOURCE] = SourceKind.HOMEWIZARD.value
        hass.config_entries.async_update_entry(entry, data=data, minor_version=3)
        LOGGER.debug("Migrated %s to version 1.3", entry.title)
    if entry.minor_version < 4:
        # 1.4: each CT channel stores its clamp's rating (`max_current`; the
        # SCT-013-000's 100 A before). Powerwall entries gain the gateway's
        # certificate fingerprint at their next good connection: it cannot
        # be read here.
        data = dict(entry.data)
        if data.get(CONF_SOURCE) == SourceKind.CT_CLAMP:
            data = migrate_channel_ratings(data)
        hass.config_entries.async_update_entry(entry, data=data, minor_version=4)
        LOGGER.debug("Migrated %s to version 1.4", entry.title)
    return True
