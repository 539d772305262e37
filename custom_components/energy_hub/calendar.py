"""Calendar platform: one generic calendar class; each source describes its events."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import datetime as dt
from typing import Any, override

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .entity import EnergyHubEntity
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EnergyHubCalendarEntityDescription[DataT](CalendarEntityDescription):
    """A calendar whose events come from a coordinator's data (`events_fn`, by start)."""

    events_fn: Callable[[DataT], Sequence[CalendarEvent]]
    has_fn: Callable[[DataT], bool] = lambda _: True


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the calendars the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.CALENDAR))


class EnergyHubCalendar(EnergyHubEntity[DataUpdateCoordinator[Any]], CalendarEntity):
    """A calendar of the events its description reads from the data."""

    entity_description: EnergyHubCalendarEntityDescription[Any]

    def _events(self) -> Sequence[CalendarEvent]:
        data = self.coordinator.data
        return () if data is None else self.entity_description.events_fn(data)

    @property
    @override
    def event(self) -> CalendarEvent | None:
        """The event in progress, else the next one."""
        now = dt_util.now()
        return next(
            (event for event in self._events() if event.end_datetime_local > now),
            None,
        )

    @override
    async def async_get_events(
        self, hass: HomeAssistant, start_date: dt.datetime, end_date: dt.datetime
    ) -> list[CalendarEvent]:
        """The events that overlap `start_date` to `end_date`."""
        return [
            event
            for event in self._events()
            if event.start_datetime_local < end_date
            and event.end_datetime_local > start_date
        ]
