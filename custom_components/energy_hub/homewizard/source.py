"""What a HomeWizard config entry runs: the device's coordinator and entities."""

from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..device_source import DeviceSource
from ..source import EnergyHubConfigEntry
from .client import ApiVersion, HomeWizardClient
from .const import (
    CONF_API_VERSION,
    CONF_CAPACITY_RATE,
    CONF_METER_TYPE,
    DEFAULT_CAPACITY_RATE,
    DEFAULT_POLL_INTERVAL_S,
    P1_METER,
    identity_from_unique_id,
)
from .coordinator import HomeWizardCoordinator, async_remove_store
from .entities import descriptions


class HomeWizardSource(DeviceSource):
    """One device, one coordinator polling it."""

    coordinator: HomeWizardCoordinator
    # The serial is the Wi-Fi MAC address (the device `id` embeds it; the
    # measurement's `unique_id` is the smart meter's own, external meters
    # have theirs); the SSID names the home network.
    redact = frozenset(
        {"id", "serial", "serial_number", "unique_id", "wifi_ssid", "host"}
    )


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> HomeWizardSource:
    """Read the device's identity, start polling, describe the device."""
    identity = identity_from_unique_id(entry.unique_id)
    client = HomeWizardClient(
        entry.data[CONF_HOST],
        async_get_clientsession(hass),
        ApiVersion(entry.data[CONF_API_VERSION]),
        entry.data.get(CONF_TOKEN),
        # v2: only this device's certificate is accepted.
        product_type=None if identity is None else identity[0],
        serial=None if identity is None else identity[1],
    )
    coordinator = HomeWizardCoordinator(
        hass,
        entry,
        client,
        poll_interval=timedelta(
            seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
        ),
        capacity_rate=entry.options.get(CONF_CAPACITY_RATE, DEFAULT_CAPACITY_RATE),
    )
    await coordinator.async_config_entry_first_refresh()
    device = coordinator.device
    external = frozenset(
        (kind, reading.unit) for kind, reading in coordinator.data.external.items()
    )
    coordinator.described_external = external
    device_info = DeviceInfo(
        identifiers={(DOMAIN, device.serial)},
        # The serial is the Wi-Fi MAC address: DHCP finds the device by it.
        connections={(dr.CONNECTION_NETWORK_MAC, dr.format_mac(device.serial))},
        manufacturer="HomeWizard",
        model=device.model_name or device.product_name,
        model_id=device.product_type,
        # A P1 meter keeps the name its entities were created with; other
        # devices are named after their entry ("kWh meter (solar)"), so the
        # entity ids of several meters tell them apart.
        name="P1 meter" if device.product_type == P1_METER else entry.title,
        sw_version=device.firmware_version,
    )
    return HomeWizardSource(
        coordinator,
        device_info,
        device.serial,
        descriptions(
            device.product_type,
            entry.data.get(CONF_METER_TYPE),
            external,
            # The modes this firmware has, where the meter steers batteries.
            battery_modes=(
                ()
                if coordinator.data.batteries is None
                else [str(mode) for mode in device.supported_battery_modes() or ()]
            ),
        ),
    )


async def async_remove_source(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: delete its store (a P1 meter's peak limit)."""
    await async_remove_store(hass, entry.entry_id)
