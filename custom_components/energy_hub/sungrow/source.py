"""What a Sungrow config entry keeps in `entry.runtime_data`."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo

from ..device_source import DeviceSource
from .coordinator import SungrowCoordinator
from .entities import DESCRIPTIONS


class SungrowSource(DeviceSource):
    """A Sungrow inverter; also steers its battery for the scheduler."""

    coordinator: SungrowCoordinator

    def __init__(
        self, coordinator: SungrowCoordinator, device_info: DeviceInfo, serial: str
    ) -> None:
        """Wire the coordinator, the descriptions and the battery controller."""
        super().__init__(coordinator, device_info, serial, DESCRIPTIONS)
        self.battery_controller = coordinator.inverter

    async def async_unload(self) -> None:
        """Stop polling and close the single Modbus session."""
        await super().async_unload()
        await self.coordinator.inverter.close()

    def diagnostics(self) -> dict[str, object]:
        """Add the engine's view: refused registers and request counts."""
        client = self.coordinator.inverter.client
        return {
            **super().diagnostics(),
            "refused_registers": sorted(f"{t} {a}" for t, a in client.refused),
            "requests_last_poll": {
                "telemetry": self.coordinator.inverter.stats.telemetry_requests,
                "settings": self.coordinator.inverter.stats.settings_requests,
            },
        }
