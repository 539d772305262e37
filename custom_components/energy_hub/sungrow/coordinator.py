"""Coordinator polling one Sungrow inverter."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant

from ..coordinator import EnergyHubCoordinator
from ..source import EnergyHubConfigEntry
from .inverter import SungrowInverter
from .registers import SungrowData


class SungrowCoordinator(EnergyHubCoordinator[SungrowData]):
    """Poll telemetry every interval; settings on their own slower cycle."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        inverter: SungrowInverter,
        update_interval: timedelta,
    ) -> None:
        """Poll `inverter`."""
        super().__init__(
            hass,
            config_entry,
            name=config_entry.title,
            update_interval=update_interval,
        )
        self.inverter = inverter

    async def _async_fetch(self) -> SungrowData:
        return await self.inverter.poll()
