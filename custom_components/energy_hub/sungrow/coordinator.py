"""Coordinator polling one Sungrow inverter."""

from typing import override

from homeassistant.core import HomeAssistant

from ..modbus.source import ModbusCoordinator
from ..source import EnergyHubConfigEntry
from .const import DEFAULT_POLL_INTERVAL_S
from .inverter import SungrowInverter
from .registers import SungrowData, SungrowIdentity


class SungrowCoordinator(ModbusCoordinator[SungrowData]):
    """Identify the inverter once, then poll telemetry (settings more slowly)."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        inverter: SungrowInverter,
    ) -> None:
        """Poll `inverter` at the entry's interval."""
        super().__init__(
            hass,
            config_entry,
            inverter.client,
            default_poll_interval_s=DEFAULT_POLL_INTERVAL_S,
        )
        self.inverter = inverter
        self._identity: SungrowIdentity | None = None

    @property
    def identity(self) -> SungrowIdentity:
        """Serial number and model, read during the first refresh."""
        if self._identity is None:
            raise RuntimeError("the inverter has not been identified yet")
        return self._identity

    @override
    async def _async_setup_device(self) -> None:
        self._identity = await self.inverter.identify()

    @override
    async def _async_fetch(self) -> SungrowData:
        return await self.inverter.poll()

    @override
    def requests_last_poll(self) -> dict[str, int]:
        """Telemetry and settings requests of the last poll, counted apart."""
        return {
            "telemetry": self.inverter.stats.telemetry_requests,
            "settings": self.inverter.stats.settings_requests,
        }
