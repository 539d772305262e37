"""Coordinator polling one Modbus energy meter."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant

from ..coordinator import EnergyHubCoordinator
from ..source import EnergyHubConfigEntry
from .meter import MeterData, ModbusMeter


class MeterCoordinator(EnergyHubCoordinator[MeterData]):
    """Poll every quantity of the meter's map."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        meter: ModbusMeter,
        update_interval: timedelta,
    ) -> None:
        """Poll `meter`."""
        super().__init__(
            hass, config_entry, name=config_entry.title, update_interval=update_interval
        )
        self.meter = meter

    async def _async_fetch(self) -> MeterData:
        return await self.meter.poll()
