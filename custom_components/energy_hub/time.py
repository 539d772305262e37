"""Time platform: generic settable times of day; each source describes its own."""

from dataclasses import dataclass
import datetime as dt
from typing import Any, override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubControlDescription, EnergyHubControlEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubTimeEntityDescription[
    CoordinatorT: DataUpdateCoordinator[Any],
    DataT,
](TimeEntityDescription, EnergyHubControlDescription[CoordinatorT, DataT, dt.time]):
    """A time of day read from a coordinator's data and written through `set_fn`."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the times the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.TIME))


class EnergyHubTime[CoordinatorT: DataUpdateCoordinator[Any]](
    EnergyHubControlEntity[CoordinatorT, dt.time], TimeEntity
):
    """A setting that is a time of day."""

    entity_description: EnergyHubTimeEntityDescription[CoordinatorT, Any]

    @property
    @override
    def native_value(self) -> dt.time | None:
        """Return the time the source reports."""
        return self.reported_value

    @override
    async def async_set_value(self, value: dt.time) -> None:
        """Write the time."""
        await self._async_write(value)
