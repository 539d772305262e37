"""Switch platform: generic device switches; each source describes its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .helpers import control_error_handler
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubSwitchEntityDescription[DataT](SwitchEntityDescription):
    """A switch read from a coordinator's data and written to the device."""

    value_fn: Callable[[DataT], bool | None]
    set_fn: Callable[[DataUpdateCoordinator[DataT], bool], Awaitable[None]]
    has_fn: Callable[[DataT], bool] = lambda _: True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SWITCH))


class EnergyHubSwitch(EnergyHubEntity, SwitchEntity):
    """A device on/off setting as a switch entity."""

    entity_description: EnergyHubSwitchEntityDescription[Any]

    @property
    def is_on(self) -> bool | None:
        """Return the state the device reports."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        return super().available and self.is_on is not None

    @control_error_handler
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self.entity_description.set_fn(self.coordinator, True)

    @control_error_handler
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self.entity_description.set_fn(self.coordinator, False)
