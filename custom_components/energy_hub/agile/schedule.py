"""What the user asks of the plan, and the schedule of slots it gives; Home-Assistant-free.

- `PlanTargets`: the target state of charge, its deadline (a local time of
  day) and the price cap for grid charging, as the numbers and the time
  entity set them; `plan_fields` turns them into `PlanOptions` fields.
- `schedule`: the planned and manual slots as the calendar shows them, and
  `current_slot` the one in force (the "charge slot active" binary sensor
  and the slot started/ended events read it).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import datetime as dt
from typing import Any, Final, Self

from .executor import DRIVEN, Override
from .planner import Action, PlannedSlot

# Agile's own cap is 100 p/kWh: a grid-charging cap there limits nothing.
NO_PRICE_CAP: Final = 1.0  # GBP/kWh
DEFAULT_DEADLINE: Final = dt.time(7, 0)


@dataclass(frozen=True, slots=True)
class PlanTargets:
    """The user's targets for the plan.

    `target_soc` % of the capacity by the next `deadline` (local time of day;
    0: no target); `price_cap` GBP/kWh: no grid charging in dearer slots.
    """

    target_soc: float = 0.0
    deadline: dt.time = DEFAULT_DEADLINE
    price_cap: float = NO_PRICE_CAP

    def plan_fields(
        self, now: dt.datetime, capacity_kwh: float, tz: dt.tzinfo
    ) -> dict[str, Any]:
        """The `PlanOptions` fields these targets set (prices in p/kWh, times in UTC)."""
        fields: dict[str, Any] = {"grid_charge_price_cap": self.price_cap * 100}
        if self.target_soc > 0 and capacity_kwh > 0:
            fields["target_soc_kwh"] = capacity_kwh * self.target_soc / 100
            fields["target_time"] = next_deadline(now, self.deadline, tz)
        return fields

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the store."""
        return {
            "target_soc": self.target_soc,
            "deadline": self.deadline.isoformat(),
            "price_cap": self.price_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The targets `as_dict` made (defaults for what is missing)."""
        deadline = data.get("deadline")
        return cls(
            target_soc=float(data.get("target_soc", 0.0)),
            deadline=DEFAULT_DEADLINE
            if not isinstance(deadline, str)
            else dt.time.fromisoformat(deadline),
            price_cap=float(data.get("price_cap", NO_PRICE_CAP)),
        )


def next_deadline(now: dt.datetime, deadline: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The next moment (UTC) after `now` when the local clock shows `deadline`."""
    local = now.astimezone(tz)
    for days in (0, 1, 2):
        day = local.date() + dt.timedelta(days=days)
        moment = dt.datetime.combine(day, deadline, tzinfo=tz)
        if moment > local:
            return moment.astimezone(dt.UTC)
    raise AssertionError("a time of day recurs within two days")


@dataclass(frozen=True, slots=True)
class ScheduledSlot:
    """A stretch of the schedule: planned (consecutive slots of one action merged) or manual."""

    start: dt.datetime
    end: dt.datetime
    action: Action
    manual: bool
    target_soc: float | None = None  # %
    reason: str = ""

    @property
    def key(self) -> str:
        """Stable identity (calendar uid, the slot started/ended events)."""
        kind = "manual" if self.manual else "plan"
        return f"{kind}_{self.action.value}_{self.start.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data (event data, action responses)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "action": self.action.value,
            "manual": self.manual,
            "target_soc": self.target_soc,
            "reason": self.reason,
        }


def schedule(
    slots: Sequence[PlannedSlot],
    overrides: Sequence[Override],
    capacity_kwh: float,
    *,
    include_plan: bool = True,
) -> list[ScheduledSlot]:
    """The planned driven slots (merged into runs) and the manual slots, by start.

    A planned slot that a manual slot overlaps is left out: the manual one
    decides there (as the executor does).
    """
    entries = [
        ScheduledSlot(
            override.start,
            override.end,
            override.action,
            True,
            override.target_soc
            if override.action is not Action.CHARGE or override.target_soc is not None
            else 100.0,
        )
        for override in overrides
    ]
    if include_plan:
        run: list[PlannedSlot] = []
        for slot in slots:
            if slot.action not in DRIVEN or any(
                override.start < slot.end and slot.start < override.end
                for override in overrides
            ):
                entries += _merged(run, capacity_kwh)
                run = []
                continue
            if run and (run[-1].action is not slot.action or run[-1].end != slot.start):
                entries += _merged(run, capacity_kwh)
                run = []
            run.append(slot)
        entries += _merged(run, capacity_kwh)
    return sorted(entries, key=lambda entry: (entry.start, entry.manual))


def _merged(run: Sequence[PlannedSlot], capacity_kwh: float) -> list[ScheduledSlot]:
    if not run:
        return []
    last = run[-1]
    target = None
    if last.target_soc_kwh is not None and capacity_kwh > 0:
        target = round(min(max(last.target_soc_kwh / capacity_kwh, 0.0), 1.0) * 100, 1)
    return [
        ScheduledSlot(run[0].start, last.end, last.action, False, target, run[0].reason)
    ]


def current_slot(
    entries: Sequence[ScheduledSlot], overrides: Sequence[Override], now: dt.datetime
) -> ScheduledSlot | None:
    """The driven slot in force at `now`: the latest manual one, else the plan's.

    A manual "no charge" slot in force means none.
    """
    for override in reversed(overrides):
        if override.start <= now < override.end:
            if override.action not in DRIVEN:
                return None
            return next(
                (
                    entry
                    for entry in entries
                    if entry.manual
                    and entry.start == override.start
                    and entry.end == override.end
                    and entry.action is override.action
                ),
                None,
            )
    return next(
        (
            entry
            for entry in entries
            if not entry.manual and entry.start <= now < entry.end
        ),
        None,
    )
