"""Coordinator polling one Sungrow inverter."""

from collections.abc import Mapping
from typing import override

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from ..const import DOMAIN
from ..modbus.source import ModbusCoordinator
from ..source import EnergyHubConfigEntry
from .const import DEFAULT_POLL_INTERVAL_S
from .inverter import SungrowInverter
from .registers import SungrowData, SungrowIdentity, entity_registers


class SungrowCoordinator(ModbusCoordinator[SungrowData]):
    """Identify the inverter once, then poll telemetry (settings more slowly).

    The first poll reads the model's whole map, so every entity the device
    serves is created (enabled or not); later polls read only the registers
    of enabled sensors. Enabling or disabling an entity reloads the entry.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        inverter: SungrowInverter,
        sensor_defaults: Mapping[str, bool] | None = None,
    ) -> None:
        """Poll `inverter` at the entry's interval.

        `sensor_defaults`: sensor key -> enabled by default (None: poll all).
        """
        super().__init__(
            hass,
            config_entry,
            inverter.client,
            default_poll_interval_s=DEFAULT_POLL_INTERVAL_S,
        )
        self.inverter = inverter
        self.sensor_defaults = sensor_defaults
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
        return await self.inverter.poll(
            None if self.data is None else self.enabled_registers()
        )

    def enabled_registers(self) -> frozenset[str] | None:
        """The telemetry registers the enabled sensors read (None: all)."""
        if self.sensor_defaults is None:
            return None
        registry = er.async_get(self.hass)
        prefix = self.identity.serial
        keys: set[str] = set()
        for key, default in self.sensor_defaults.items():
            entity_id = registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, f"{prefix}_{key}"
            )
            entry = None if entity_id is None else registry.async_get(entity_id)
            if entry.disabled_by is None if entry is not None else default:
                keys.update(entity_registers(key))
        return frozenset(keys)

    @override
    def requests_last_poll(self) -> dict[str, int]:
        """Telemetry and settings requests of the last poll, counted apart."""
        return {
            "telemetry": self.inverter.stats.telemetry_requests,
            "settings": self.inverter.stats.settings_requests,
        }
