"""What a Modbus meter config entry keeps in `entry.runtime_data`."""

from __future__ import annotations

from typing import Any

from ..device_source import DeviceSource
from .coordinator import MeterCoordinator


class MeterSource(DeviceSource):
    """One meter, one coordinator, one connection."""

    coordinator: MeterCoordinator

    async def async_unload(self) -> None:
        """Stop polling and close the Modbus connection."""
        await super().async_unload()
        await self.coordinator.meter.close()

    def diagnostics(self) -> dict[str, Any]:
        """Add the registers the meter refuses."""
        client = self.coordinator.meter.client
        return {
            **super().diagnostics(),
            "model": self.coordinator.meter.meter_map.model,
            "refused_registers": sorted(f"{t} {a}" for t, a in client.refused),
        }
