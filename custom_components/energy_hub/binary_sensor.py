"""Binary sensor platform: one generic class; each source describes its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import EnergyHubEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnergyHubBinarySensorEntityDescription[DataT](BinarySensorEntityDescription):
    """A binary sensor read from a coordinator's data (None = not reported)."""

    value_fn: Callable[[DataT], bool | None]
    has_fn: Callable[[DataT], bool] = lambda _: True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.BINARY_SENSOR))


class EnergyHubBinarySensor(EnergyHubEntity, BinarySensorEntity):
    """A binary sensor whose value comes from its description's `value_fn`."""

    entity_description: EnergyHubBinarySensorEntityDescription[Any]

    @property
    def is_on(self) -> bool | None:
        """Return the described value."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        return super().available and self.is_on is not None
