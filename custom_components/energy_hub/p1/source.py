"""What a HomeWizard P1 config entry runs: the meter's coordinator and entities."""

from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..device_source import DeviceSource
from ..source import EnergyHubConfigEntry
from .client import ApiVersion, P1Client
from .const import (
    CONF_API_VERSION,
    CONF_CAPACITY_RATE,
    DEFAULT_CAPACITY_RATE,
    DEFAULT_POLL_INTERVAL_S,
)
from .coordinator import P1Coordinator
from .entities import DESCRIPTIONS


class P1Source(DeviceSource):
    """One meter, one coordinator polling it."""

    coordinator: P1Coordinator
    # The serial is the Wi-Fi MAC address (the device `id` embeds it; the
    # measurement's `unique_id` is the smart meter's own); the SSID names the
    # home network.
    redact = frozenset(
        {"id", "serial", "serial_number", "unique_id", "wifi_ssid", "host"}
    )


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> P1Source:
    """Read the meter's identity, start polling, describe the device."""
    client = P1Client(
        entry.data[CONF_HOST],
        async_get_clientsession(hass),
        ApiVersion(entry.data[CONF_API_VERSION]),
        entry.data.get(CONF_TOKEN),
    )
    coordinator = P1Coordinator(
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
    device_info = DeviceInfo(
        identifiers={(DOMAIN, device.serial)},
        # The serial is the Wi-Fi MAC address: DHCP finds the meter by it.
        connections={(dr.CONNECTION_NETWORK_MAC, dr.format_mac(device.serial))},
        manufacturer="HomeWizard",
        model=device.model_name or device.product_name,
        model_id=device.product_type,
        name="P1 meter",
        sw_version=device.firmware_version,
    )
    return P1Source(coordinator, device_info, device.serial, DESCRIPTIONS)
