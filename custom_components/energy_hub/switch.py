"""Switch platform: generic device switches; each source describes its own."""

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubControlDescription, EnergyHubControlEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubSwitchEntityDescription[
    CoordinatorT: DataUpdateCoordinator[Any],
    DataT,
](SwitchEntityDescription, EnergyHubControlDescription[CoordinatorT, DataT, bool]):
    """A switch read from a coordinator's data and written to the device."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SWITCH))


class EnergyHubSwitch[CoordinatorT: DataUpdateCoordinator[Any]](
    EnergyHubControlEntity[CoordinatorT, bool], SwitchEntity
):
    """A device on/off setting as a switch entity."""

    entity_description: EnergyHubSwitchEntityDescription[CoordinatorT, Any]

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the state the device reports."""
        return self.reported_value

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self._async_write(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self._async_write(False)
