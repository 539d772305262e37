"""Number platform: generic settable numbers; each source describes its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import NumberEntity, NumberEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .helpers import control_error_handler
from .source import EnergyHubConfigEntry

# Devices with one session (WiNet-S, gateways) take one write at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubNumberEntityDescription[DataT](NumberEntityDescription):
    """A number read from a coordinator's data and written to the device.

    `set_fn` writes and verifies (raising an `EnergyHubError` on failure);
    the entity then refreshes so it shows the value the device confirms.
    """

    value_fn: Callable[[DataT], float | None]
    set_fn: Callable[[DataUpdateCoordinator[DataT], float], Awaitable[None]]
    has_fn: Callable[[DataT], bool] = lambda _: True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.NUMBER))


class EnergyHubNumber(EnergyHubEntity, NumberEntity):
    """A device setting as a number entity."""

    entity_description: EnergyHubNumberEntityDescription[Any]

    @property
    def native_value(self) -> float | None:
        """Return the value the device reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        return super().available and self.native_value is not None

    @control_error_handler
    async def async_set_native_value(self, value: float) -> None:
        """Write the value to the device."""
        await self.entity_description.set_fn(self.coordinator, value)
