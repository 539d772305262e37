"""Home Assistant glue shared by the Modbus sources (Sungrow, Modbus meter).

Not Home-Assistant-free, unlike the engine beside it (`registers`,
`planner`, `client`): this module holds what both Modbus sources need from
Home Assistant, so each source package only adds its own device.
"""

from datetime import timedelta
from typing import Any, override

from homeassistant.core import HomeAssistant

from ..const import CONF_POLL_INTERVAL
from ..coordinator import EnergyHubCoordinator
from ..device_source import DeviceSource
from ..source import EnergyHubConfigEntry
from .client import ModbusDeviceClient
from .registers import ModbusData


class ModbusCoordinator[DataT: ModbusData](EnergyHubCoordinator[DataT]):
    """Poll one Modbus device over its single connection.

    The connection closes when the entry unloads, or when its set-up fails
    (Home Assistant runs the entry's unload callbacks then too): many
    devices (a WiNet-S dongle, meter gateways) serve one session only.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        client: ModbusDeviceClient,
        *,
        default_poll_interval_s: float,
    ) -> None:
        """Poll through `client` at the entry's interval."""
        super().__init__(
            hass,
            config_entry,
            name=config_entry.title,
            update_interval=timedelta(
                seconds=config_entry.options.get(
                    CONF_POLL_INTERVAL, default_poll_interval_s
                )
            ),
        )
        self.client = client
        config_entry.async_on_unload(client.close)
        self.last_poll_requests = 0

    @override
    async def _async_update_data(self) -> DataT:
        before = self.client.requests
        try:
            return await super()._async_update_data()
        finally:
            self.last_poll_requests = self.client.requests - before

    def requests_last_poll(self) -> dict[str, int]:
        """Modbus requests the last poll sent, for diagnostics."""
        return {"total": self.last_poll_requests}


class ModbusSource(DeviceSource):
    """A Modbus device: one coordinator, one connection, one device entry."""

    coordinator: ModbusCoordinator[Any]
    redact = frozenset({"serial", "serial_number", "unique_id", "host"})

    @override
    def diagnostics(self) -> dict[str, Any]:
        """Add the engine's view: refused registers and request counts."""
        client = self.coordinator.client
        return {
            **super().diagnostics(),
            "model": self.device_info.get("model"),
            "refused_registers": sorted(
                f"{table} {address}" for table, address in client.refused
            ),
            "requests_last_poll": self.coordinator.requests_last_poll(),
        }
