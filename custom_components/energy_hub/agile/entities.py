"""Every entity of the Agile source.

Prices, cheap/negative now, the threshold and the plan read the price
coordinator (`AgileData`); the plan's controls (mode, targets, the
charge-slot sensor and the calendar) read the `AgileRunner`'s data
(`RunnerData`) and write through it.

Prices are shown in GBP/kWh without a device class and with state class
`measurement`, which is what the Energy dashboard accepts as a price entity.
A price reads unavailable when its slot's price is unknown (never 0).
"""

from collections.abc import Callable
import datetime as dt
from typing import Any, Final

from homeassistant.components.calendar import CalendarEvent
from homeassistant.components.number import NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
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
from ..sensor import EnergyHubSensor, EnergyHubSensorEntityDescription
from ..time import EnergyHubTime, EnergyHubTimeEntityDescription
from .client import SLOT, PriceStats
from .coordinator import AgileCoordinator, AgileData
from .executor import Mode
from .planner import Action, Plan
from .runner import AgileRunner, RunnerData
from .schedule import ScheduledSlot

PRICE_UNIT: Final = "GBP/kWh"
CURRENCY: Final = "GBP"


def _gbp(pence: float | None) -> float | None:
    """Pence to pounds, rounded to what the tariff publishes (4 decimals of a penny)."""
    return None if pence is None else round(pence / 100, 6)


def _price_description(
    key: str, value_fn: Callable[[AgileData], float | None], **kwargs: Any
) -> EnergyHubSensorEntityDescription[AgileData]:
    return EnergyHubSensorEntityDescription[AgileData](
        key=key,
        translation_key=key,
        native_unit_of_measurement=PRICE_UNIT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=4,
        value_fn=value_fn,
        **kwargs,
    )


def _stats_today(data: AgileData) -> PriceStats | None:
    return data.imports.today_stats(data.now)


def _stats_tomorrow(data: AgileData) -> PriceStats | None:
    # Only once the published set is all there: a partial day misleads.
    if not data.tomorrow_complete:
        return None
    return data.imports.tomorrow_stats(data.now)


def _stats_attributes(stats: PriceStats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {"known_slots": stats.known, "expected_slots": stats.expected}


def _stat_value(
    stats_fn: Callable[[AgileData], PriceStats | None], field: str
) -> Callable[[AgileData], float | None]:
    def value(data: AgileData) -> float | None:
        stats = stats_fn(data)
        return None if stats is None else _gbp(getattr(stats, field))

    return value


def _stats_descriptions(
    day: str, stats_fn: Callable[[AgileData], PriceStats | None]
) -> tuple[EnergyHubSensorEntityDescription[AgileData], ...]:
    return tuple(
        _price_description(
            f"agile_{day}_{name}_price",
            _stat_value(stats_fn, field),
            attributes_fn=lambda data: _stats_attributes(stats_fn(data)),
        )
        for name, field in (("min", "minimum"), ("mean", "mean"), ("max", "maximum"))
    )


def _planned_soc(data: AgileData) -> float | None:
    plan, battery = data.plan, data.battery
    if plan is None or battery is None or battery.capacity_kwh <= 0:
        return None
    slot = plan.slot_at(data.now)
    if slot is None:
        return None
    return round(slot.soc_end_kwh / battery.capacity_kwh * 100, 1)


def _trajectory(data: AgileData) -> dict[str, Any] | None:
    plan, battery = data.plan, data.battery
    if plan is None or battery is None or battery.capacity_kwh <= 0:
        return None
    return {
        "trajectory": [
            {
                "time": moment.isoformat(),
                "soc": round(soc / battery.capacity_kwh * 100, 1),
            }
            for moment, soc in plan.trajectory
        ],
        "plan_end": None if plan.end is None else plan.end.isoformat(),
        "warnings": list(plan.warnings),
    }


def _action(data: AgileData) -> str | None:
    slot = None if data.plan is None else data.plan.slot_at(data.now)
    return None if slot is None else slot.action.value


def _action_attributes(data: AgileData) -> dict[str, Any] | None:
    slot = None if data.plan is None else data.plan.slot_at(data.now)
    if slot is None:
        return None
    return {
        "reason": slot.reason,
        "target_soc_kwh": None
        if slot.target_soc_kwh is None
        else round(slot.target_soc_kwh, 2),
        "slots": [
            {
                "start": planned.start.isoformat(),
                "action": planned.action.value,
                "reason": planned.reason,
            }
            for planned in (data.plan.slots if data.plan is not None else ())
        ],
    }


def _next_charge(data: AgileData) -> dt.datetime | None:
    return None if data.plan is None else data.plan.next_charge(data.now)


def _plan_cost(
    pick: Callable[[Plan], float],
) -> Callable[[AgileData], float | None]:
    def value(data: AgileData) -> float | None:
        if data.plan is None or not data.plan.slots:
            return None
        return round(pick(data.plan) / 100, 2)

    return value


def _has_plan(data: AgileData) -> bool:
    return data.plan is not None and bool(data.plan.slots)


def _cost_attributes(data: AgileData) -> dict[str, Any] | None:
    plan = data.plan
    if plan is None or plan.start is None or plan.end is None:
        return None
    return {
        "plan_start": plan.start.isoformat(),
        "plan_end": plan.end.isoformat(),
        # What the energy left in the battery at the end is worth (GBP):
        # the plan's cost includes charging it.
        "stored_energy_value": round(plan.stored_credit / 100, 2),
    }


def _cost_description(
    key: str, pick: Callable[[Plan], float]
) -> EnergyHubSensorEntityDescription[AgileData]:
    return EnergyHubSensorEntityDescription[AgileData](
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY,
        suggested_display_precision=2,
        value_fn=_plan_cost(pick),
        attributes_fn=_cost_attributes,
    )


SENSORS: Final[tuple[EnergyHubSensorEntityDescription[AgileData], ...]] = (
    _price_description("agile_import_price", lambda data: _gbp(data.price_now)),
    _price_description(
        "agile_next_import_price",
        lambda data: _gbp(data.import_price(data.now + SLOT)),
    ),
    _price_description(
        "agile_export_price",
        lambda data: _gbp(data.export_price(data.now)),
        has_fn=lambda data: data.has_export,
    ),
    *_stats_descriptions("today", _stats_today),
    *_stats_descriptions("tomorrow", _stats_tomorrow),
    EnergyHubSensorEntityDescription[AgileData](
        key="agile_planned_soc",
        translation_key="agile_planned_soc",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_planned_soc,
        attributes_fn=_trajectory,
    ),
    EnergyHubSensorEntityDescription[AgileData](
        key="agile_planned_action",
        translation_key="agile_planned_action",
        device_class=SensorDeviceClass.ENUM,
        options=[action.value for action in Action],
        value_fn=_action,
        attributes_fn=_action_attributes,
    ),
    EnergyHubSensorEntityDescription[AgileData](
        key="agile_next_charge_start",
        translation_key="agile_next_charge_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_next_charge,
        # No charge planned is a value too: "unknown", not unavailable.
        available_fn=_has_plan,
    ),
    _cost_description("agile_plan_cost", lambda plan: plan.cost),
    _cost_description("agile_plan_cost_no_battery", lambda plan: plan.cost_no_battery),
    _cost_description("agile_plan_cost_baseline", lambda plan: plan.cost_baseline),
)


def _cheap_now(data: AgileData) -> bool | None:
    price = data.price_now
    return None if price is None else price / 100 < data.cheap_threshold


def _negative_now(data: AgileData) -> bool | None:
    price = data.price_now
    return None if price is None else price < 0


BINARY_SENSORS: Final[tuple[EnergyHubBinarySensorEntityDescription[AgileData], ...]] = (
    EnergyHubBinarySensorEntityDescription[AgileData](
        key="agile_cheap_slot_now",
        translation_key="agile_cheap_slot_now",
        value_fn=_cheap_now,
    ),
    EnergyHubBinarySensorEntityDescription[AgileData](
        key="agile_negative_price_now",
        translation_key="agile_negative_price_now",
        value_fn=_negative_now,
    ),
)


async def _set_threshold(coordinator: AgileCoordinator, value: float) -> None:
    await coordinator.async_set_cheap_threshold(value)


NUMBERS: Final[
    tuple[EnergyHubNumberEntityDescription[AgileCoordinator, AgileData], ...]
] = (
    EnergyHubNumberEntityDescription[AgileCoordinator, AgileData](
        key="agile_cheap_threshold",
        translation_key="agile_cheap_threshold",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PRICE_UNIT,
        native_min_value=-1.0,
        native_max_value=1.0,
        native_step=0.001,
        mode=NumberMode.BOX,
        value_fn=lambda data: data.cheap_threshold,
        set_fn=_set_threshold,
    ),
)


class AgileSensor(EnergyHubSensor):
    """A sensor of the Agile source: its plan attributes are not recorded.

    A day of slots in every recorded state would fill the database for
    nothing; the plan is in the attributes of the current state only.
    """

    _unrecorded_attributes = frozenset({"trajectory", "slots", "warnings"})


# The plan's controls: they read and write through the runner.

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


PLAN_SELECTS: Final = (
    EnergyHubSelectEntityDescription[AgileRunner, RunnerData](
        key="agile_mode",
        translation_key="agile_mode",
        options=[mode.value for mode in Mode],
        value_fn=lambda data: data.mode.value,
        set_fn=_set_mode,
        has_fn=_has_battery,
    ),
)

PLAN_NUMBERS: Final = (
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

PLAN_TIMES: Final = (
    EnergyHubTimeEntityDescription[AgileRunner, RunnerData](
        key="agile_target_time",
        translation_key="agile_target_time",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.targets.deadline,
        set_fn=_set_deadline,
    ),
)

PLAN_BINARY_SENSORS: Final = (
    EnergyHubBinarySensorEntityDescription[RunnerData](
        key="agile_charge_slot_active",
        translation_key="agile_charge_slot_active",
        value_fn=lambda data: data.charge_active,
    ),
)

PLAN_CALENDARS: Final = (
    EnergyHubCalendarEntityDescription[RunnerData](
        key="agile_plan",
        translation_key="agile_plan",
        events_fn=_events,
    ),
)


# The platforms the plan's entities add to the Agile device.
PLAN_PLATFORMS: Final = (Platform.SELECT, Platform.TIME, Platform.CALENDAR)


def plan_control_entities(
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
            for description in PLAN_TIMES
        ]
    if platform is Platform.CALENDAR:
        return [
            EnergyHubCalendar(runner, description, device_info, unique_id_prefix)
            for description in PLAN_CALENDARS
        ]
    if platform is Platform.BINARY_SENSOR:
        return [
            EnergyHubBinarySensor(runner, description, device_info, unique_id_prefix)
            for description in PLAN_BINARY_SENSORS
            if description.has_fn(data)
        ]
    descriptions = {Platform.SELECT: PLAN_SELECTS, Platform.NUMBER: PLAN_NUMBERS}
    return describe_entities(
        platform,
        descriptions.get(platform, ()),
        runner,
        device_info,
        unique_id_prefix,
    )
