"""The Agile plan's entities: mode, targets, the charge-slot sensor and the calendar.

They read the `AgileRunner`'s data (`RunnerData`) and write through it;
the price and plan sensors are in `entities.py`.
"""

import datetime as dt
from typing import Final

from homeassistant.components.calendar import CalendarEvent
from homeassistant.components.number import NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory, Platform
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from ..binary_sensor import (
    EnergyHubBinarySensor,
    EnergyHubBinarySensorEntityDescription,
)
from ..calendar import EnergyHubCalendar, EnergyHubCalendarEntityDescription
from ..device_source import describe_entities
from ..number import EnergyHubNumberEntityDescription
from ..select import EnergyHubSelectEntityDescription
from ..time import EnergyHubTime, EnergyHubTimeEntityDescription
from .executor import Mode
from .planner import Action
from .runner import AgileRunner, RunnerData
from .schedule import ScheduledSlot

PRICE_UNIT: Final = "GBP/kWh"

# Calendar summaries: what the battery is told in the slot.
_SUMMARIES: Final = {
    Action.CHARGE: "Charge",
    Action.HOLD: "Hold",
    Action.EXPORT: "Export",
    Action.SELF_CONSUMPTION: "No charge",
}


def calendar_event(slot: ScheduledSlot) -> CalendarEvent:
    """A slot of the schedule as a calendar event."""
    summary = _SUMMARIES[slot.action]
    if slot.action is Action.CHARGE and slot.target_soc is not None:
        summary = f"{summary} to {slot.target_soc:g} %"
    if slot.manual:
        summary = f"{summary} (manual)"
    return CalendarEvent(
        start=slot.start,
        end=slot.end,
        summary=summary,
        description=slot.reason or None,
        uid=slot.key,
    )


def _events(data: RunnerData) -> list[CalendarEvent]:
    return [calendar_event(slot) for slot in data.slots]


async def _set_mode(runner: AgileRunner, option: str) -> None:
    await runner.async_set_mode(Mode(option))


async def _set_target_soc(runner: AgileRunner, value: float) -> None:
    await runner.async_set_targets(target_soc=value)


async def _set_price_cap(runner: AgileRunner, value: float) -> None:
    await runner.async_set_targets(price_cap=value)


async def _set_deadline(runner: AgileRunner, value: dt.time) -> None:
    await runner.async_set_targets(deadline=value)


def _has_battery(data: RunnerData) -> bool:
    return data.has_battery


SELECTS: Final = (
    EnergyHubSelectEntityDescription[AgileRunner, RunnerData](
        key="agile_mode",
        translation_key="agile_mode",
        options=[mode.value for mode in Mode],
        value_fn=lambda data: data.mode.value,
        set_fn=_set_mode,
        has_fn=_has_battery,
    ),
)

NUMBERS: Final = (
    EnergyHubNumberEntityDescription[AgileRunner, RunnerData](
        key="agile_target_soc",
        translation_key="agile_target_soc",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=lambda data: data.targets.target_soc,
        set_fn=_set_target_soc,
    ),
    EnergyHubNumberEntityDescription[AgileRunner, RunnerData](
        key="agile_price_cap",
        translation_key="agile_price_cap",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PRICE_UNIT,
        native_min_value=-1.0,
        native_max_value=1.0,
        native_step=0.001,
        mode=NumberMode.BOX,
        value_fn=lambda data: data.targets.price_cap,
        set_fn=_set_price_cap,
    ),
)

TIMES: Final = (
    EnergyHubTimeEntityDescription[AgileRunner, RunnerData](
        key="agile_target_time",
        translation_key="agile_target_time",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.targets.deadline,
        set_fn=_set_deadline,
    ),
)

BINARY_SENSORS: Final = (
    EnergyHubBinarySensorEntityDescription[RunnerData](
        key="agile_charge_slot_active",
        translation_key="agile_charge_slot_active",
        value_fn=lambda data: data.charge_active,
    ),
)

CALENDARS: Final = (
    EnergyHubCalendarEntityDescription[RunnerData](
        key="agile_plan",
        translation_key="agile_plan",
        events_fn=_events,
    ),
)


# The platforms the plan's entities add to the Agile device.
PLATFORMS: Final = (Platform.SELECT, Platform.TIME, Platform.CALENDAR)


def control_entities(
    platform: Platform,
    runner: AgileRunner,
    device_info: DeviceInfo,
    unique_id_prefix: str,
) -> list[Entity]:
    """The plan's entities of `platform` (on the Agile device, read from the runner)."""
    data = runner.data
    if platform is Platform.TIME:
        return [
            EnergyHubTime(runner, description, device_info, unique_id_prefix)
            for description in TIMES
        ]
    if platform is Platform.CALENDAR:
        return [
            EnergyHubCalendar(runner, description, device_info, unique_id_prefix)
            for description in CALENDARS
        ]
    if platform is Platform.BINARY_SENSOR:
        return [
            EnergyHubBinarySensor(runner, description, device_info, unique_id_prefix)
            for description in BINARY_SENSORS
            if description.has_fn(data)
        ]
    descriptions = {Platform.SELECT: SELECTS, Platform.NUMBER: NUMBERS}
    return describe_entities(
        platform,
        descriptions.get(platform, ()),
        runner,
        device_info,
        unique_id_prefix,
    )
