"""Image platform: one generic image class; each source describes its own."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnergyHubImageEntityDescription[DataT](ImageEntityDescription):
    """A picture held in a coordinator's data.

    `image_fn` returns its bytes (None: no picture yet) and `updated_fn` the
    time it was made; the entity's state is that time.
    """

    image_fn: Callable[[DataT], bytes | None]
    updated_fn: Callable[[DataT], datetime | None]
    content_type: str = "image/png"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the images the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.IMAGE))


class EnergyHubImage(EnergyHubEntity[DataUpdateCoordinator[Any]], ImageEntity):
    """An image whose bytes come from its description's `image_fn`."""

    entity_description: EnergyHubImageEntityDescription[Any]

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        description: EnergyHubImageEntityDescription[Any],
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise the image of one description."""
        super().__init__(coordinator, description, device_info, unique_id_prefix)
        ImageEntity.__init__(self, coordinator.hass)
        self._attr_content_type = description.content_type
        self._attr_image_last_updated = self._updated()

    def _updated(self) -> datetime | None:
        data = self.coordinator.data
        return None if data is None else self.entity_description.updated_fn(data)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        if (updated := self._updated()) != self._attr_image_last_updated:
            self._attr_image_last_updated = updated
            self._cached_image = None
        super()._handle_coordinator_update()

    @override
    async def async_image(self) -> bytes | None:
        """Return the picture's bytes."""
        data = self.coordinator.data
        return None if data is None else self.entity_description.image_fn(data)
