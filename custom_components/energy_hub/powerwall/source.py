"""The Powerwall source: local gateway telemetry, control through NetZero or FleetAPI."""

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..device_source import describe_entities
from ..source import EnergyHubConfigEntry, EnergyHubSource
from .const import (
    CACHE_FOLDER,
    CHANNEL_FLEETAPI,
    CONF_CERTIFICATE_SHA256,
    CONF_CONNECTION_MODE,
    CONF_CONTROL_CHANNEL,
    CONF_EMAIL,
    CONF_SITE_ID,
    CONF_TOKEN,
    DEFAULT_POLL_INTERVAL_S,
    FLEET_OPTION_KEYS,
    FLEETAPI_FOLDER,
    ISSUE_CERTIFICATE,
    ISSUE_CONTROL_TOKEN,
    MANUFACTURER,
    MODE_TEDAPI,
)
from .coordinator import PowerwallControlCoordinator, PowerwallCoordinator
from .entities import (
    CONTROL_NUMBERS,
    CONTROL_SELECTS,
    CONTROL_SWITCHES,
    GATEWAY_BINARY_SENSORS,
    GATEWAY_SENSORS,
    TEDAPI_UNREPORTED,
    extra_meter_sensors,
    pack_sensors,
)
from .fleetapi import FleetApiClient, FleetApiCredentials
from .gateway import PackIdentity, PowerwallGateway, cache_file, legacy_cache_file
from .netzero import NetZeroClient, PowerwallBatteryController

CONTROL_PLATFORMS = (Platform.NUMBER, Platform.SELECT, Platform.SWITCH)


def session_cache_file(hass: HomeAssistant, entry_id: str) -> Path:
    """The file of the entry's gateway session cookies."""
    return cache_file(Path(hass.config.path(CACHE_FOLDER)), entry_id)


def fleetapi_folder(hass: HomeAssistant, entry_id: str) -> Path:
    """The folder of the entry's pypowerwall FleetAPI config file."""
    return Path(hass.config.path(FLEETAPI_FOLDER, entry_id))


def gateway_for(
    hass: HomeAssistant, data: Mapping[str, Any], entry_id: str | None = None
) -> PowerwallGateway:
    """A gateway session (not yet logged in) for the entry data `data`.

    With `entry_id` the session cookies are kept in the entry's own file;
    without (a flow checking a password) they live only as long as the session.
    """
    return PowerwallGateway(
        data[CONF_HOST],
        data[CONF_PASSWORD],
        email=data.get(CONF_EMAIL),
        cache_file=None if entry_id is None else session_cache_file(hass, entry_id),
        tedapi=data.get(CONF_CONNECTION_MODE) == MODE_TEDAPI,
    )


def _delete(path: Path) -> None:
    """Delete a file or a folder, if it is there (blocking)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


async def async_forget_session(
    hass: HomeAssistant, entry_id: str, data: Mapping[str, Any] | None = None
) -> None:
    """Delete the entry's cached gateway session (and, for `data`, the legacy file)."""
    files = [session_cache_file(hass, entry_id)]
    if data is not None:
        folder = Path(hass.config.path(CACHE_FOLDER))
        files.append(legacy_cache_file(folder, data[CONF_HOST], data[CONF_PASSWORD]))
    for file in files:
        await hass.async_add_executor_job(_delete, file)


async def async_remove_source(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete what the entry wrote: session cookies, FleetAPI file, repair issues."""
    await async_forget_session(hass, entry.entry_id, entry.data)
    await hass.async_add_executor_job(_delete, fleetapi_folder(hass, entry.entry_id))
    for issue in (ISSUE_CONTROL_TOKEN, ISSUE_CERTIFICATE):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> PowerwallSource:
    """Log in to the gateway and start polling it (and the control channel, if any)."""
    # Earlier versions named the cookie file from host and password: not kept.
    folder = Path(hass.config.path(CACHE_FOLDER))
    legacy = legacy_cache_file(folder, entry.data[CONF_HOST], entry.data[CONF_PASSWORD])
    await hass.async_add_executor_job(_delete, legacy)
    if entry.options.get(CONF_CONTROL_CHANNEL) != CHANNEL_FLEETAPI:
        # Switched away from FleetAPI: its config file (secret, tokens) goes.
        await hass.async_add_executor_job(
            _delete, fleetapi_folder(hass, entry.entry_id)
        )
    gateway = gateway_for(hass, entry.data, entry.entry_id)

    async def close_gateway() -> None:
        await hass.async_add_executor_job(gateway.close)
        # The entry now names another password or address (reauth, reconfigure,
        # a DHCP move): the old session must not stand in for them.
        data = entry.data
        if (data[CONF_HOST], data[CONF_PASSWORD]) != (gateway.host, gateway.password):
            await async_forget_session(hass, entry.entry_id)

    # Runs on unload and after a failed set-up alike, after the coordinators stop.
    entry.async_on_unload(close_gateway)
    interval = entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
    coordinator = PowerwallCoordinator(
        hass, entry, gateway, timedelta(seconds=interval)
    )
    await coordinator.async_config_entry_first_refresh()
    fingerprint = coordinator.info.certificate_sha256
    if fingerprint and not entry.data.get(CONF_CERTIFICATE_SHA256):
        # Entries made before the fingerprint was kept: recorded now.
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_CERTIFICATE_SHA256: fingerprint}
        )

    control = _control_coordinator(hass, entry)
    if control is None:
        _remove_control_entities(hass, entry)
    else:
        # A cloud outage must not keep the local telemetry from starting: the
        # control entities stay unavailable until the channel answers.
        await control.async_refresh()
    source = PowerwallSource(coordinator, control)
    # The packs hang off the gateway device, which must exist first.
    gateway_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **source.device_info
    )
    source.gateway_device_id = gateway_device.id
    return source


def _control_coordinator(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> PowerwallControlCoordinator | None:
    """The coordinator of the control channel the options name, if any."""
    options = entry.options
    if options.get(CONF_CONTROL_CHANNEL) == CHANNEL_FLEETAPI:
        credentials = FleetApiCredentials.from_options(options)
        if credentials is None:
            return None
        client = FleetApiClient(
            credentials,
            fleetapi_folder(hass, entry.entry_id),
            on_new_tokens=_token_keeper(hass, entry),
        )
        return PowerwallControlCoordinator(hass, entry, client, "FleetAPI")
    if (token := options.get(CONF_TOKEN)) and (site_id := options.get(CONF_SITE_ID)):
        return PowerwallControlCoordinator(
            hass, entry, NetZeroClient(async_get_clientsession(hass), token, site_id)
        )
    return None


def _token_keeper(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> Callable[[FleetApiCredentials], None]:
    """Store the tokens of a FleetAPI refresh in the entry (Tesla rotates them)."""

    @callback
    def keep(credentials: FleetApiCredentials) -> None:
        hass.config_entries.async_update_entry(
            entry, options={**entry.options, **credentials.as_options()}
        )

    return keep


def _remove_control_entities(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
    """Forget the control entities of a channel the options no longer have."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain in CONTROL_PLATFORMS:
            registry.async_remove(entity.entity_id)


class PowerwallSource(EnergyHubSource):
    """A gateway device, one device per battery pack, and the control entities.

    The coordinators stop, and the gateway session closes, through the
    entry's unload callbacks.
    """

    # Identities beyond the shared credentials of REDACT_KEYS; the entry's
    # title is the site's name.
    redact = frozenset(
        {
            "din",
            "serial",
            "serial_number",
            "unique_id",
            "gateway_password",
            "site_id",
            "pack_serials",
            "site_name",
            "host",
            "title",
            CONF_CERTIFICATE_SHA256,
            *FLEET_OPTION_KEYS,
        }
    )

    def __init__(
        self,
        coordinator: PowerwallCoordinator,
        control: PowerwallControlCoordinator | None,
    ) -> None:
        """Describe the devices of the gateway `coordinator` logged in to."""
        self.coordinator = coordinator
        self.control = control
        self.gateway_device_id: str | None = None
        self.platforms = (Platform.SENSOR, Platform.BINARY_SENSOR)
        if control is not None:
            self.platforms += CONTROL_PLATFORMS
            self.battery_controller = PowerwallBatteryController(
                control.client, self._battery_power
            )
        info, gateway = coordinator.info, coordinator.gateway
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, info.din)},
            name="Powerwall",
            manufacturer=MANUFACTURER,
            model="Powerwall 3" if gateway.tedapi else "Powerwall gateway",
            model_id=info.part_number,
            serial_number=info.din,
            sw_version=info.firmware,
            configuration_url=f"https://{gateway.host}",
        )

    def _battery_power(self) -> float | None:
        """The battery power of the gateway's latest good poll (+ discharging)."""
        coordinator = self.coordinator
        if not coordinator.last_update_success or coordinator.data is None:
            return None
        return coordinator.data.meter("battery").power_w

    def _pack_device(self, pack: PackIdentity) -> DeviceInfo:
        device = DeviceInfo(
            identifiers={(DOMAIN, pack.key)},
            name=f"Powerwall battery {pack.position}",
            manufacturer=MANUFACTURER,
            model="Powerwall battery pack",
        )
        if pack.serial is not None:
            device["serial_number"] = pack.serial
        if self.gateway_device_id is not None:
            device["via_device_id"] = self.gateway_device_id
        return device

    @override
    def device_identifiers(self) -> set[tuple[str, str]]:
        """The gateway and the packs it lists now (a pack that went can be deleted)."""
        return {(DOMAIN, self.coordinator.info.din)} | {
            (DOMAIN, pack.key) for pack in self.coordinator.info.packs
        }

    def _gateway_descriptions[D: EntityDescription](
        self, descriptions: tuple[D, ...]
    ) -> tuple[D, ...]:
        """Leave out what a TEDAPI gateway never reports."""
        if not self.coordinator.gateway.tedapi:
            return descriptions
        return tuple(d for d in descriptions if d.key not in TEDAPI_UNREPORTED)

    @override
    def entities(self, platform: Platform) -> list[Entity]:
        """The entities of `platform` on the gateway, its packs and the control channel."""
        coordinator = self.coordinator
        din = coordinator.info.din
        if platform is Platform.SENSOR:
            entities = describe_entities(
                platform,
                self._gateway_descriptions(GATEWAY_SENSORS)
                + extra_meter_sensors(coordinator.data),
                coordinator,
                self.device_info,
                din,
            )
            for pack in coordinator.info.packs:
                entities += describe_entities(
                    platform,
                    pack_sensors(pack.key),
                    coordinator,
                    self._pack_device(pack),
                    pack.key,
                )
            return entities
        if platform is Platform.BINARY_SENSOR:
            return describe_entities(
                platform,
                self._gateway_descriptions(GATEWAY_BINARY_SENSORS),
                coordinator,
                self.device_info,
                din,
            )
        control_descriptions = {
            Platform.NUMBER: CONTROL_NUMBERS,
            Platform.SELECT: CONTROL_SELECTS,
            Platform.SWITCH: CONTROL_SWITCHES,
        }
        if self.control is None or platform not in control_descriptions:
            return []
        return describe_entities(
            platform,
            control_descriptions[platform],
            self.control,
            self.device_info,
            din,
        )

    @override
    def diagnostics(self) -> dict[str, Any]:
        """The gateway's identity, last reading and control settings."""
        coordinator, control = self.coordinator, self.control
        info = coordinator.info
        return {
            "gateway": {
                "din": info.din,
                "firmware": info.firmware,
                "site_name": info.site_name,
                "pack_serials": [pack.serial for pack in info.packs],
                "host": coordinator.gateway.host,
                "tedapi": coordinator.gateway.tedapi,
            },
            "last_update_success": coordinator.last_update_success,
            "reading": None if coordinator.data is None else coordinator.data.as_dict(),
            "control": None
            if control is None
            else {
                "channel": control.channel_name,
                "last_update_success": control.last_update_success,
                "settings": None if control.data is None else control.data.as_dict(),
            },
        }
