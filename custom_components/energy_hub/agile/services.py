"""Actions of Octopus Agile entries: the plan, the cheapest slots, manual slots.

Each action names its Agile entry (`config_entry_id`). Times without a
zone are in Home Assistant's time zone; answers are in UTC ISO format and
prices in GBP/kWh.
"""

from collections.abc import Mapping
import datetime as dt
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from ..const import CONF_SOURCE, DOMAIN, SourceKind
from .client import SLOT
from .executor import Override, force_charge, hold_until, no_charge_slot
from .planner import Action, Plan, cheapest_slots
from .runner import AgileRunner

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_HOURS: Final = "hours"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_CONTINUOUS: Final = "continuous"
ATTR_TARGET_SOC: Final = "target_soc"
ATTR_UNTIL: Final = "until"

SERVICE_GET_PLAN: Final = "get_plan"
SERVICE_CHEAPEST_SLOTS: Final = "cheapest_slots"
SERVICE_ADD_CHARGE_SLOT: Final = "add_charge_slot"
SERVICE_REMOVE_CHARGE_SLOT: Final = "remove_charge_slot"
SERVICE_CLEAR_CHARGE_SLOTS: Final = "clear_charge_slots"
SERVICE_FORCE_CHARGE: Final = "force_charge"
SERVICE_HOLD: Final = "hold"

_ENTRY: Final = {probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
_TARGET: Final = probatio.All(probatio.Coerce(float), probatio.Range(min=0, max=100))

ENTRY_SCHEMA: Final = probatio.Schema(_ENTRY)
CHEAPEST_SLOTS_SCHEMA: Final = probatio.Schema(
    {
        **_ENTRY,
        probatio.Required(ATTR_HOURS): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0.5, max=48)
        ),
        probatio.Optional(ATTR_START): cv.datetime,
        probatio.Optional(ATTR_END): cv.datetime,
        probatio.Optional(ATTR_CONTINUOUS, default=False): cv.boolean,
    }
)
ADD_CHARGE_SLOT_SCHEMA: Final = probatio.Schema(
    {
        **_ENTRY,
        probatio.Required(ATTR_START): cv.datetime,
        probatio.Optional(ATTR_END): cv.datetime,
        probatio.Optional(ATTR_TARGET_SOC, default=100.0): _TARGET,
    }
)
REMOVE_CHARGE_SLOT_SCHEMA: Final = probatio.Schema(
    {**_ENTRY, probatio.Required(ATTR_START): cv.datetime}
)
FORCE_CHARGE_SCHEMA: Final = probatio.Schema(
    {
        **_ENTRY,
        probatio.Required(ATTR_UNTIL): cv.datetime,
        probatio.Optional(ATTR_TARGET_SOC, default=100.0): _TARGET,
    }
)
HOLD_SCHEMA: Final = probatio.Schema(
    {**_ENTRY, probatio.Required(ATTR_UNTIL): cv.datetime}
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def _runner(call: ServiceCall) -> AgileRunner:
    """The runner of the Agile entry the call names."""
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = call.hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_SOURCE) != SourceKind.AGILE
    ):
        raise _error("agile_not_an_agile_entry", entry_id=entry_id)
    runner = getattr(getattr(entry, "runtime_data", None), "runner", None)
    if entry.state is not ConfigEntryState.LOADED or not isinstance(
        runner, AgileRunner
    ):
        raise _error("agile_not_loaded", name=entry.title)
    return runner


def _utc(value: dt.datetime) -> dt.datetime:
    """A time from a call in UTC (without a zone: Home Assistant's)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(value)


def _gbp(pence: float | None) -> float | None:
    return None if pence is None else round(pence / 100, 6)


def _percent(kwh: float | None, capacity_kwh: float) -> float | None:
    if kwh is None or capacity_kwh <= 0:
        return None
    return round(min(max(kwh / capacity_kwh, 0.0), 1.0) * 100, 1)


def plan_response(runner: AgileRunner, plan: Plan | None) -> dict[str, Any]:
    """The plan, the schedule and the manual slots, as `get_plan` answers."""
    capacity = runner.capacity_kwh
    now = dt_util.utcnow()
    data = runner.data
    return {
        "mode": runner.mode.value,
        "charge_slot_active": data is not None and data.charge_active,
        "next_charge": None
        if plan is None or (start := plan.next_charge(now)) is None
        else start.isoformat(),
        "plan_start": None
        if plan is None or plan.start is None
        else plan.start.isoformat(),
        "plan_end": None if plan is None or plan.end is None else plan.end.isoformat(),
        "cost": None if plan is None else round(plan.cost / 100, 2),
        "cost_no_battery": None
        if plan is None
        else round(plan.cost_no_battery / 100, 2),
        "warnings": [] if plan is None else list(plan.warnings),
        "slots": []
        if plan is None
        else [
            {
                "start": slot.start.isoformat(),
                "end": slot.end.isoformat(),
                "action": slot.action.value,
                "target_soc": _percent(slot.target_soc_kwh, capacity),
                "soc_end": _percent(slot.soc_end_kwh, capacity),
                "import_price": _gbp(slot.import_price),
                "reason": slot.reason,
            }
            for slot in plan.slots
        ],
        "schedule": [slot.as_dict() for slot in runner.schedule()],
        "manual_slots": [override.as_dict() for override in runner.overrides],
    }


async def _async_get_plan(call: ServiceCall) -> ServiceResponse:
    runner = _runner(call)
    return plan_response(runner, runner.prices.plan)


async def _async_cheapest_slots(call: ServiceCall) -> ServiceResponse:
    runner = _runner(call)
    now = dt_util.utcnow()
    prices: Mapping[dt.datetime, float] = runner.prices.imports
    start = _utc(call.data[ATTR_START]) if ATTR_START in call.data else now
    if ATTR_END in call.data:
        end = _utc(call.data[ATTR_END])
    else:
        end = max(prices, default=start) + SLOT
    if end <= start:
        raise _error(
            "agile_invalid_period", start=start.isoformat(), end=end.isoformat()
        )
    hours: float = call.data[ATTR_HOURS]
    starts = cheapest_slots(prices, start, end, hours, call.data[ATTR_CONTINUOUS])
    found: list[JsonValueType] = [
        {
            "start": moment.isoformat(),
            "end": (moment + SLOT).isoformat(),
            "price": _gbp(prices[moment]),
        }
        for moment in starts
    ]
    return {
        "slots": found,
        "start": starts[0].isoformat() if starts else None,
        "end": (starts[-1] + SLOT).isoformat() if starts else None,
        "average_price": _gbp(sum(prices[m] for m in starts) / len(starts))
        if starts
        else None,
        "hours": len(starts) / 2,
        "complete": len(starts) * 0.5 >= hours,
    }


def _future(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    if moment <= now:
        raise _error("agile_in_the_past", time=moment.isoformat())
    return moment


async def _async_add_charge_slot(call: ServiceCall) -> None:
    runner = _runner(call)
    start = _utc(call.data[ATTR_START])
    end = _utc(call.data[ATTR_END]) if ATTR_END in call.data else start + SLOT
    _future(end, dt_util.utcnow())
    if end <= start:
        raise _error(
            "agile_invalid_period", start=start.isoformat(), end=end.isoformat()
        )
    await runner.async_add_override(
        Override(start, end, Action.CHARGE, call.data[ATTR_TARGET_SOC])
    )


async def _async_remove_charge_slot(call: ServiceCall) -> None:
    """Remove the manual charge slot at `start`, else the planned one there."""
    runner = _runner(call)
    start = _utc(call.data[ATTR_START])
    removed = await runner.async_remove_overrides(
        lambda override: override.start == start and override.action is Action.CHARGE
    )
    if removed:
        return
    plan = runner.prices.plan
    planned = None if plan is None else plan.slot_at(start)
    if planned is None or planned.action is not Action.CHARGE:
        raise _error("agile_no_charge_slot", start=start.isoformat())
    _future(planned.end, dt_util.utcnow())
    await runner.async_add_override(no_charge_slot(planned.start))


async def _async_clear_charge_slots(call: ServiceCall) -> None:
    await _runner(call).async_remove_overrides(lambda override: True)


def _battery_runner(call: ServiceCall) -> AgileRunner:
    runner = _runner(call)
    if not runner.has_battery:
        raise _error("agile_no_battery", name=runner.config_entry.title)
    return runner


async def _async_force_charge(call: ServiceCall) -> None:
    runner = _battery_runner(call)
    now = dt_util.utcnow()
    until = _future(_utc(call.data[ATTR_UNTIL]), now)
    await runner.async_add_override(
        force_charge(now, until, call.data[ATTR_TARGET_SOC])
    )


async def _async_hold(call: ServiceCall) -> None:
    runner = _battery_runner(call)
    now = dt_util.utcnow()
    until = _future(_utc(call.data[ATTR_UNTIL]), now)
    await runner.async_add_override(hold_until(now, until))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the Agile actions (once, from the integration's set-up)."""
    register = hass.services.async_register
    register(
        DOMAIN,
        SERVICE_GET_PLAN,
        _async_get_plan,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        SERVICE_CHEAPEST_SLOTS,
        _async_cheapest_slots,
        schema=CHEAPEST_SLOTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        SERVICE_ADD_CHARGE_SLOT,
        _async_add_charge_slot,
        schema=ADD_CHARGE_SLOT_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_REMOVE_CHARGE_SLOT,
        _async_remove_charge_slot,
        schema=REMOVE_CHARGE_SLOT_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_CLEAR_CHARGE_SLOTS,
        _async_clear_charge_slots,
        schema=ENTRY_SCHEMA,
    )
    register(
        DOMAIN, SERVICE_FORCE_CHARGE, _async_force_charge, schema=FORCE_CHARGE_SCHEMA
    )
    register(DOMAIN, SERVICE_HOLD, _async_hold, schema=HOLD_SCHEMA)
