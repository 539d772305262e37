"""Select platform: generic device-mode selects; each source describes its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .helpers import control_error_handler
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubSelectEntityDescription[DataT](SelectEntityDescription):
    """A select read from a coordinator's data and written to the device.

    `options` are translation-keyed option ids; `set_fn` writes and verifies.
    """

    value_fn: Callable[[DataT], str | None]
    set_fn: Callable[[DataUpdateCoordinator[DataT], str], Awaitable[None]]
    has_fn: Callable[[DataT], bool] = lambda _: True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SELECT))


class EnergyHubSelect(EnergyHubEntity, SelectEntity):
    """A device mode as a select entity."""

    entity_description: EnergyHubSelectEntityDescription[Any]

    @property
    def current_option(self) -> str | None:
        """Return the option the device reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        return super().available and self.current_option is not None

    @control_error_handler
    async def async_select_option(self, option: str) -> None:
        """Write the option to the device."""
        await self.entity_description.set_fn(self.coordinator, option)
