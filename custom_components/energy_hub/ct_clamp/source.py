"""The CT clamp source: one board, its webhook and its entities."""

from collections.abc import Mapping
from functools import partial
from typing import Any, override

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..sensor import EnergyHubSensor
from ..source import EnergyHubConfigEntry, EnergyHubSource
from .const import (
    CONF_ALLOW_EXTERNAL,
    CONF_CHANNELS,
    CONF_MAX_CURRENT,
    CONF_MAX_GAP,
    CONF_POWER_FACTOR,
    CONF_STALE_TIMEOUT,
    CONF_VOLTAGE,
    CONF_VOLTAGE_ENTITY,
    CONF_WEBHOOK_ID,
    DEFAULT_MAX_GAP_S,
    DEFAULT_POWER_FACTOR,
    DEFAULT_STALE_TIMEOUT_S,
    DEFAULT_VOLTAGE,
    STORE_VERSION,
)
from .coordinator import CtClampCoordinator
from .entities import (
    CtCalibrationNumber,
    CtRestoredSensor,
    CtRestoredSensorEntityDescription,
    board_sensor_descriptions,
    calibration_descriptions,
    channel_sensor_descriptions,
)
from .model import (
    DEFAULT_MAX_CURRENT_A,
    ChannelConfig,
    ChannelRole,
    CtBoard,
)


class CtClampSource(EnergyHubSource):
    """One board: its push coordinator and its entities.

    The webhook is unregistered and the stale timer stopped by the entry's
    unload callbacks (see `async_setup_source`), so unloading needs nothing
    more here.
    """

    platforms = (Platform.SENSOR, Platform.NUMBER)
    # The webhook id is the board's only secret: whoever knows it can post.
    redact = frozenset({CONF_WEBHOOK_ID, "unique_id"})

    def __init__(
        self, entry: EnergyHubConfigEntry, coordinator: CtClampCoordinator
    ) -> None:
        """Keep what the platforms and the diagnostics need."""
        self.coordinator = coordinator
        self.local_only = not entry.data.get(CONF_ALLOW_EXTERNAL, False)
        self.unique_id_prefix = entry.entry_id
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="DIY",
            model="CT clamp board",
        )

    @override
    def entities(self, platform: Platform) -> list[Entity]:
        """Sensors per channel and per board; a calibration number per channel.

        Every channel and role of the entry has its entities from the start,
        before the board's first post (so no description's `has_fn` is asked).
        """
        board = self.coordinator.data
        args = (self.device_info, self.unique_id_prefix)
        if platform is Platform.SENSOR:
            return [
                (
                    CtRestoredSensor
                    if isinstance(description, CtRestoredSensorEntityDescription)
                    else EnergyHubSensor
                )(self.coordinator, description, *args)
                for description in (
                    *channel_sensor_descriptions(board),
                    *board_sensor_descriptions(board),
                )
            ]
        if platform is Platform.NUMBER:
            return [
                CtCalibrationNumber(self.coordinator, description, *args)
                for description in calibration_descriptions(board)
            ]
        return []

    @override
    def device_identifiers(self) -> set[tuple[str, str]]:
        """The board: its device is not deleted from the UI while the entry has it."""
        return set(self.device_info.get("identifiers", set()))

    @override
    def diagnostics(self) -> dict[str, Any]:
        """The board's last post, integrated totals and the webhook's reach."""
        return {
            "stale": self.coordinator.stale,
            "local_only": self.local_only,
            "voltage_entity": self.coordinator.voltage_entity,
            "board": self.coordinator.data.as_dict(),
        }


def _store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, Any]]:
    """The board's totals and last post, saved beside the restore state.

    Home Assistant saves restore state every 15 minutes only; this Store is
    saved a few seconds after each accepted post, so a power cut loses at
    most that much.
    """
    return Store(
        hass, STORE_VERSION, f"{DOMAIN}.ct_clamp.{entry.entry_id}", private=True
    )


def channel_config(channel: Mapping[str, Any]) -> ChannelConfig:
    """A channel of the entry's channel list (no rating stored: the default)."""
    return ChannelConfig(
        channel["id"],
        channel["name"],
        ChannelRole(channel["role"]),
        float(channel.get(CONF_MAX_CURRENT, DEFAULT_MAX_CURRENT_A)),
    )


def migrate_channel_ratings(data: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data with each channel's clamp rating (`max_current`) stored.

    Entries written before the rating existed have none: their channels get
    `DEFAULT_MAX_CURRENT_A` (an SCT-013-000). Data of other sources, and
    channels that have one, are returned unchanged.
    """
    channels = data.get(CONF_CHANNELS)
    if not isinstance(channels, list):
        return dict(data)
    return {
        **data,
        CONF_CHANNELS: [
            {CONF_MAX_CURRENT: DEFAULT_MAX_CURRENT_A, **channel} for channel in channels
        ],
    }


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> CtClampSource:
    """Create the board's state (totals from its Store) and register its webhook."""
    options = entry.options
    max_gap_s = float(options.get(CONF_MAX_GAP, DEFAULT_MAX_GAP_S))
    board = CtBoard.create(
        [channel_config(channel) for channel in entry.data[CONF_CHANNELS]],
        voltage=float(options.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)),
        power_factor=float(options.get(CONF_POWER_FACTOR, DEFAULT_POWER_FACTOR)),
        max_gap_s=max_gap_s,
    )
    store = _store(hass, entry)
    try:
        board.restore_stored(await store.async_load(), dt_util.utcnow().timestamp())
    except HomeAssistantError as err:
        # The sensors' restore state still brings the totals back.
        LOGGER.warning("%s: could not read the saved totals: %s", entry.title, err)
    coordinator = CtClampCoordinator(
        hass,
        entry,
        board,
        store,
        nominal_voltage=board.voltage,
        voltage_entity=options.get(CONF_VOLTAGE_ENTITY) or None,
        stale_timeout_s=float(options.get(CONF_STALE_TIMEOUT, DEFAULT_STALE_TIMEOUT_S)),
    )
    source = CtClampSource(entry, coordinator)
    _async_remove_entities_gone(hass, entry, source)
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        coordinator.async_handle_webhook,
        local_only=source.local_only,
        allowed_methods=["POST"],
    )
    # Runs on unload and when the set-up fails after this point; the
    # coordinator's own shutdown (also on unload, after this) stops the stale
    # timer and saves the totals.
    entry.async_on_unload(partial(webhook.async_unregister, hass, webhook_id))
    coordinator.async_start()
    return source


async def async_remove_source(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the board's Store when its entry is deleted.

    The webhook was unregistered when the entry unloaded, before this.
    """
    await _store(hass, entry).async_remove()


def _async_remove_entities_gone(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, source: CtClampSource
) -> None:
    """Forget the entities of channels and roles the entry no longer has.

    A reconfigure may drop a channel or the last channel of a role; their
    entities would otherwise linger in the registry as "no longer provided".
    The entities that stay keep their unique ids, so their totals continue.
    """
    provided = {
        entity.unique_id
        for platform in source.platforms
        for entity in source.entities(platform)
    }
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.unique_id not in provided:
            registry.async_remove(entity.entity_id)
