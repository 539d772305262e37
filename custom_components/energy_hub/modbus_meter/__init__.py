"""Modbus energy meter source: ABB B23, Schneider iEM3000 or a user-defined map."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..source import EnergyHubConfigEntry
from .config_flow import ModbusMeterConfigFlowMixin, ModbusMeterOptionsFlow
from .const import (
    CONF_METER_TYPE,
    CONF_PRESET,
    CONF_REGISTER_MAP,
    CONF_UNIT_ID,
    DEFAULT_POLL_INTERVAL_S,
)
from .coordinator import MeterCoordinator
from .entities import meter_descriptions
from .meter import ModbusMeter, meter_map_for
from .source import MeterSource

__all__ = [
    "MeterSource",
    "ModbusMeterConfigFlowMixin",
    "ModbusMeterOptionsFlow",
    "async_setup_source",
]


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> MeterSource:
    """Poll the meter with its map; entities follow the meter type."""
    meter_map = meter_map_for(
        entry.data[CONF_PRESET], entry.data.get(CONF_REGISTER_MAP)
    )
    meter = ModbusMeter(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_UNIT_ID],
        meter_map,
    )
    interval = timedelta(
        seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
    )
    coordinator = MeterCoordinator(hass, entry, meter, interval)
    try:
        await coordinator.async_config_entry_first_refresh()
    except Exception:
        await meter.close()
        raise
    unique_id = entry.unique_id or entry.entry_id
    device_info = DeviceInfo(
        identifiers={(DOMAIN, unique_id)},
        manufacturer=meter_map.model.split(" ", 1)[0],
        model=meter_map.model,
        # Several meters are common (grid, solar, a zone): each device is named
        # after its entry ("ABB B23 (grid)") so entity ids tell them apart.
        name=entry.title,
    )
    return MeterSource(
        coordinator,
        device_info,
        unique_id,
        meter_descriptions(entry.data[CONF_METER_TYPE]),
    )
