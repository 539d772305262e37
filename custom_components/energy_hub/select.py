"""Select platform: generic device-mode selects; each source describes its own."""

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubControlDescription, EnergyHubControlEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubSelectEntityDescription[
    CoordinatorT: DataUpdateCoordinator[Any],
    DataT,
](SelectEntityDescription, EnergyHubControlDescription[CoordinatorT, DataT, str]):
    """A select read from a coordinator's data and written to the device.

    `options` are translation-keyed option ids.
    """


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SELECT))


class EnergyHubSelect[CoordinatorT: DataUpdateCoordinator[Any]](
    EnergyHubControlEntity[CoordinatorT, str], SelectEntity
):
    """A device mode as a select entity."""

    entity_description: EnergyHubSelectEntityDescription[CoordinatorT, Any]

    @property
    @override
    def current_option(self) -> str | None:
        """Return the option the device reports."""
        return self.reported_value

    @override
    async def async_select_option(self, option: str) -> None:
        """Write the option to the device."""
        await self._async_write(option)
