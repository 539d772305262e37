"""HomeWizard P1 meter source: billing-grade grid data and the capacity tariff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio as vol

from ..const import DOMAIN
from ..coordinator import translate_setup_errors
from ..device_source import DeviceSource
from ..source import EnergyHubConfigEntry, EnergyHubSource
from .client import ApiVersion, P1Client
from .const import (
    CONF_API_VERSION,
    CONF_CAPACITY_RATE,
    CONF_HOST,
    CONF_POLL_INTERVAL,
    CONF_TOKEN,
    DEFAULT_CAPACITY_RATE,
    DEFAULT_POLL_INTERVAL_S,
)
from .coordinator import P1Coordinator
from .entities import DESCRIPTIONS

__all__ = ["P1OptionsFlow", "async_setup_source"]


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> EnergyHubSource:
    """Connect to the meter, read its identity and start polling."""
    client = P1Client(
        entry.data[CONF_HOST],
        async_get_clientsession(hass),
        ApiVersion(entry.data[CONF_API_VERSION]),
        entry.data.get(CONF_TOKEN),
    )
    with translate_setup_errors("P1 meter"):
        device = await client.device()
    coordinator = P1Coordinator(
        hass,
        entry,
        client,
        device,
        poll_interval=timedelta(
            seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
        ),
        capacity_rate=entry.options.get(CONF_CAPACITY_RATE, DEFAULT_CAPACITY_RATE),
    )
    await coordinator.async_load_settings()
    await coordinator.async_config_entry_first_refresh()
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
    source = DeviceSource(coordinator, device_info, device.serial, DESCRIPTIONS)
    # The device id embeds the serial; the SSID names the home network.
    source.redact = frozenset({"id", "wifi_ssid", "host"})
    return source


class P1OptionsFlow(OptionsFlowWithReload):
    """Poll interval and the capacity tariff's rate."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Options of every source start here; the P1's are one form."""
        return await self.async_step_p1_options(user_input)

    async def async_step_p1_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the poll interval and the capacity rate."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        return self.async_show_form(
            step_id="p1_options",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_POLL_INTERVAL,
                        default=options.get(
                            CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=1,
                            max=60,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                    vol.Required(
                        CONF_CAPACITY_RATE,
                        default=options.get(CONF_CAPACITY_RATE, DEFAULT_CAPACITY_RATE),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=0,
                            max=1000,
                            step=0.01,
                            unit_of_measurement="EUR/kW/year",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                }
            ),
        )
