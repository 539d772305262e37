"""Button platform: one generic button class; each source describes its own."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubButtonEntityDescription[CoordinatorT](ButtonEntityDescription):
    """A button; `press_fn` receives the source's own coordinator."""

    press_fn: Callable[[CoordinatorT], Awaitable[None]]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.BUTTON))


class EnergyHubButton(EnergyHubEntity[DataUpdateCoordinator[Any]], ButtonEntity):
    """A button whose press runs its description's `press_fn`."""

    entity_description: EnergyHubButtonEntityDescription[Any]

    @override
    async def async_press(self) -> None:
        """Run the described action."""
        await self.entity_description.press_fn(self.coordinator)
