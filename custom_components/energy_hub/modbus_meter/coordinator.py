"""Coordinator polling one Modbus energy meter."""

from typing import override

from homeassistant.core import HomeAssistant

from ..modbus.source import ModbusCoordinator
from ..source import EnergyHubConfigEntry
from .const import DEFAULT_POLL_INTERVAL_S
from .meter import MeterData, ModbusMeter


class MeterCoordinator(ModbusCoordinator[MeterData]):
    """Poll every quantity of the meter's map."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        meter: ModbusMeter,
    ) -> None:
        """Poll `meter` at the entry's interval."""
        super().__init__(
            hass,
            config_entry,
            meter.client,
            default_poll_interval_s=DEFAULT_POLL_INTERVAL_S,
        )
        self.meter = meter

    @override
    async def _async_fetch(self) -> MeterData:
        return await self.meter.poll()
