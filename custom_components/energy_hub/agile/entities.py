"""Every entity of the Agile source: prices, cheap/negative now, the threshold, the plan.

Prices are shown in GBP/kWh without a device class and with state class
`measurement`, which is what the Energy dashboard accepts as a price entity.
A price reads unavailable when its slot's price is unknown (never 0).
"""

from collections.abc import Callable
import datetime as dt
from typing import Any, Final

from homeassistant.components.number import NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory

from ..binary_sensor import EnergyHubBinarySensorEntityDescription
from ..number import EnergyHubNumberEntityDescription
from ..sensor import EnergyHubSensor, EnergyHubSensorEntityDescription
from .client import SLOT, PriceStats
from .coordinator import AgileCoordinator, AgileData
from .planner import Action, Plan

PRICE_UNIT: Final = "GBP/kWh"
CURRENCY: Final = "GBP"


def _gbp(pence: float | None) -> float | None:
    """Pence to pounds, rounded to what the tariff publishes (4 decimals of a penny)."""
    return None if pence is None else round(pence / 100, 6)


def _price_description(
    key: str, value_fn: Any, **kwargs: Any
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


def _stats_descriptions(
    day: str, stats_fn: Any
) -> tuple[EnergyHubSensorEntityDescription[AgileData], ...]:
    return tuple(
        _price_description(
            f"agile_{day}_{name}_price",
            lambda data, field=field: (
                None
                if (stats := stats_fn(data)) is None
                else _gbp(getattr(stats, field))
            ),
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
