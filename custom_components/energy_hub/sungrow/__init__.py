"""Sungrow SH hybrid inverter source (Modbus TCP through WiNet-S or LAN)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..coordinator import translate_setup_errors
from ..source import EnergyHubConfigEntry
from .config_flow import SungrowConfigFlowMixin, SungrowOptionsFlow
from .const import (
    CONF_CONNECTION,
    CONF_UNIT_ID,
    DEFAULT_POLL_INTERVAL_S,
)
from .coordinator import SungrowCoordinator
from .inverter import Connection, SungrowInverter
from .source import SungrowSource

__all__ = [
    "SungrowConfigFlowMixin",
    "SungrowOptionsFlow",
    "SungrowSource",
    "async_setup_source",
]


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> SungrowSource:
    """Connect, identify the inverter, and poll it."""
    inverter = SungrowInverter(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_UNIT_ID],
        Connection(entry.data[CONF_CONNECTION]),
    )
    try:
        with translate_setup_errors(entry.title):
            identity = await inverter.identify()
    except Exception:
        await inverter.close()
        raise
    interval = timedelta(
        seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
    )
    coordinator = SungrowCoordinator(hass, entry, inverter, interval)
    try:
        await coordinator.async_config_entry_first_refresh()
    except Exception:
        await inverter.close()
        raise
    device_info = DeviceInfo(
        identifiers={(DOMAIN, identity.serial)},
        manufacturer="Sungrow",
        model=identity.model,
        serial_number=identity.serial,
        translation_key="sungrow_inverter",
    )
    return SungrowSource(coordinator, device_info, identity.serial)
