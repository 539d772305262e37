"""Binary sensor platform: one generic class; each source describes its own."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnergyHubBinarySensorEntityDescription[DataT](BinarySensorEntityDescription):
    """A binary sensor read from a coordinator's data (None = not reported).

    `available_fn`, when set, decides availability instead of the value: a
    None value then reads "unknown" (the device answered, it has no value yet).
    """

    value_fn: Callable[[DataT], bool | None]
    has_fn: Callable[[DataT], bool] = lambda _: True
    available_fn: Callable[[DataT], bool] | None = None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.BINARY_SENSOR))


class EnergyHubBinarySensor(
    EnergyHubEntity[DataUpdateCoordinator[Any]], BinarySensorEntity
):
    """A binary sensor whose value comes from its description's `value_fn`."""

    entity_description: EnergyHubBinarySensorEntityDescription[Any]

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the described value."""
        data = self.coordinator.data
        return None if data is None else self.entity_description.value_fn(data)

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        if not super().available or self.coordinator.data is None:
            return False
        if (available_fn := self.entity_description.available_fn) is not None:
            return available_fn(self.coordinator.data)
        return self.is_on is not None
