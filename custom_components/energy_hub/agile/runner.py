"""The Agile entry's plan in Home Assistant: the executor, manual slots, targets, mode.

`AgileRunner` is a push coordinator (no polling) beside the price
coordinator. It owns the entry's `Executor` when the entry plans for an
Energy Hub battery with a controller, and keeps in a Store
(`energy_hub.agile_executor.<entry id>`) the executor's state, the mode,
the manual slots and the plan targets, so a restart loses none of them.

It ticks the executor at each slot and manual-slot boundary, every
`TICK_INTERVAL` (the executor itself reads the battery only every
controller check interval) and after each new plan; it restores on unload,
on removal and when Home Assistant stops; after a restart the executor
restores what it left applied and resumes at the next slot. It fires the
slot started/ended and stood-down events and shows the executor's lasting
problems as repair issues. Rules: `docs/agile-executor.md`.
"""

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import datetime as dt
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_interval,
)
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..battery import BatteryController
from ..const import DOMAIN, LOGGER
from ..source import EnergyHubConfigEntry
from .coordinator import AgileCoordinator
from .executor import (
    Command,
    EventKind,
    Executor,
    ExecutorEvent,
    Mode,
    Override,
    Problem,
)
from .planner import SLOT, Action, Plan, PlannedSlot
from .schedule import PlanTargets, ScheduledSlot, current_slot, schedule

STORE_VERSION: Final = 1
# The executor is asked this often between boundaries; it reads the battery
# only every controller check interval, so most ticks cost nothing.
TICK_INTERVAL: Final = dt.timedelta(seconds=30)
# Plans kept for diagnostics.
PLANS_KEPT: Final = 5
EVENT_SLOT_STARTED: Final = "energy_hub_agile_slot_started"
EVENT_SLOT_ENDED: Final = "energy_hub_agile_slot_ended"
EVENT_STOOD_DOWN: Final = "energy_hub_agile_stood_down"
# Repair issues of the executor's problems (translation keys).
ISSUE_KEYS: Final = {
    Problem.RESTORE_FAILED: "agile_restore_failed",
    Problem.NOT_TAKING_EFFECT: "agile_not_taking_effect",
}


def runner_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The entry's executor state, mode, manual slots and targets."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.agile_executor.{entry_id}")


async def async_load_runner(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, prices: AgileCoordinator
) -> AgileRunner:
    """The entry's runner with its stored state (before the first plan: its targets count)."""
    runner = AgileRunner(hass, entry, prices, runner_store(hass, entry.entry_id))
    await runner.async_load()
    return runner


def issue_id(problem: Problem, entry_id: str) -> str:
    """The repair issue of an executor problem of one entry."""
    return f"{ISSUE_KEYS[problem]}_{entry_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerData:
    """What the plan's controls, calendar and binary sensor show."""

    now: dt.datetime
    mode: Mode
    has_battery: bool
    targets: PlanTargets
    overrides: tuple[Override, ...]
    plan: Plan | None
    capacity_kwh: float
    slots: tuple[ScheduledSlot, ...] = ()
    current: ScheduledSlot | None = None
    applied: Command | None = None
    problems: frozenset[Problem] = field(default_factory=frozenset)

    @property
    def charge_active(self) -> bool:
        """A charge slot (planned or manual) is in force now."""
        return self.current is not None and self.current.action is Action.CHARGE


class AgileRunner(DataUpdateCoordinator[RunnerData]):
    """Run one Agile entry's plan: mode, manual slots, targets and the executor."""

    config_entry: EnergyHubConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        prices: AgileCoordinator,
        store: Store[dict[str, Any]],
    ) -> None:
        """Run `entry`'s plan; `prices` is its price coordinator."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{entry.title} plan",
            update_interval=None,
        )
        self.prices = prices
        self.store = store
        self.battery_entry_id = prices.settings.battery_entry_id
        self.mode = Mode.PLAN_ONLY
        self.targets = PlanTargets()
        self.overrides: list[Override] = []
        self.plans: deque[dict[str, Any]] = deque(maxlen=PLANS_KEPT)
        self._executor: Executor | None = None
        self._executor_state: dict[str, Any] = {}
        self._current_key: str | None = None
        self._current: ScheduledSlot | None = None
        self._last_plan: Plan | None = None
        self._lock = asyncio.Lock()
        self._next_wakeup: CALLBACK_TYPE | None = None
        self._stopped = False

    # Set-up and unload -------------------------------------------------------------

    async def async_load(self) -> None:
        """Read the store: mode, targets, manual slots, the executor's state."""
        stored = await self.store.async_load() or {}
        if (mode := stored.get("mode")) in {m.value for m in Mode}:
            self.mode = Mode(mode)
        self.targets = PlanTargets.from_dict(stored.get("targets") or {})
        self.overrides = [
            Override.from_dict(item) for item in stored.get("overrides") or ()
        ]
        self._executor_state = dict(stored.get("executor") or {})
        self._current_key = stored.get("current")
        self.prices.targets = self.targets

    @callback
    def async_start(self) -> None:
        """Tick now, on every new plan, every `TICK_INTERVAL`, and at boundaries."""
        entry = self.config_entry
        entry.async_on_unload(self.prices.async_add_listener(self._plan_changed))
        entry.async_on_unload(
            async_track_time_interval(
                self.hass, self._interval_tick, TICK_INTERVAL, cancel_on_shutdown=True
            )
        )
        entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._stopping)
        )
        entry.async_on_unload(self._cancel_wakeup)
        self._keep_plan()
        self._schedule_tick()

    async def async_shutdown_executor(self) -> None:
        """Unloading or stopping: put the battery's settings back (a restart retries)."""
        self._stopped = True
        self._cancel_wakeup()
        async with self._lock:
            executor = self._executor
            if executor is not None:
                events = await executor.shutdown(dt_util.utcnow())
                self._executor_state = executor.as_dict()
                self._handle(events)
                if executor.saved is not None:
                    LOGGER.error(
                        "%s: the battery's settings could not be put back; they"
                        " are restored at the next start",
                        self.config_entry.title,
                    )
            await self._save()
        for problem in Problem:
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id(problem, self.config_entry.entry_id)
            )

    async def _stopping(self, event: Event) -> None:
        await self.async_shutdown_executor()

    # Ticking --------------------------------------------------------------------------

    @callback
    def _plan_changed(self) -> None:
        self._keep_plan()
        self._schedule_tick()

    @callback
    def _keep_plan(self) -> None:
        """Keep a new plan for diagnostics."""
        plan = self.prices.plan
        if plan is not None and plan is not self._last_plan:
            self._last_plan = plan
            self.plans.append({"at": dt_util.utcnow().isoformat(), **plan.as_dict()})

    @callback
    def _interval_tick(self, now: dt.datetime) -> None:
        self._schedule_tick()

    @callback
    def _boundary_tick(self, now: dt.datetime) -> None:
        self._next_wakeup = None
        self._schedule_tick()

    @callback
    def _schedule_tick(self) -> None:
        if not self._stopped:
            self.config_entry.async_create_background_task(
                self.hass, self.async_tick(), f"{DOMAIN} agile tick"
            )

    @callback
    def _cancel_wakeup(self) -> None:
        if self._next_wakeup is not None:
            self._next_wakeup()
            self._next_wakeup = None

    async def async_tick(self) -> None:
        """Decide for now: prune ended manual slots, tick the executor, publish."""
        if self._stopped:
            return
        async with self._lock:
            now = dt_util.utcnow()
            self.overrides = [o for o in self.overrides if o.end > now]
            events: list[ExecutorEvent] = []
            executor = self._executor_for_now()
            if executor is not None:
                events = await executor.tick(
                    now,
                    self.plan_slots,
                    self.overrides,
                    prices_ok=self.prices_ok(now),
                )
                self._executor_state = executor.as_dict()
            self._handle(events)
            data = self._snapshot(now)
            self._slot_events(data)
            await self._save()
            self.async_set_updated_data(data)
            self._wake_at_next_boundary(now)

    def _executor_for_now(self) -> Executor | None:
        """The executor of the battery's controller now (rebuilt when it changed)."""
        controller = self._controller()
        if controller is None:
            return None
        capacity = self.capacity_kwh
        executor = self._executor
        if executor is None or executor.controller is not controller:
            # New, or the battery entry was reloaded: resume from the state
            # (an executor made from a state restores what was left applied).
            executor = Executor(
                controller,
                capacity,
                state={**self._executor_state, "mode": self.mode.value},
                persist=self._persist_executor,
            )
            self._executor = executor
        executor.capacity_kwh = capacity
        return executor

    def _controller(self) -> BatteryController | None:
        if self.battery_entry_id is None:
            return None
        entry = self.hass.config_entries.async_get_entry(self.battery_entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        controller: BatteryController | None = getattr(
            entry.runtime_data, "battery_controller", None
        )
        return controller

    async def _persist_executor(self, state: dict[str, Any]) -> None:
        self._executor_state = state
        await self._save()

    def _wake_at_next_boundary(self, now: dt.datetime) -> None:
        """Wake at the next slot boundary or manual-slot start or end."""
        self._cancel_wakeup()
        moments = [_next_slot_boundary(now)]
        for manual in self.overrides:
            moments += [m for m in (manual.start, manual.end) if m > now]
        self._next_wakeup = async_track_point_in_utc_time(
            self.hass, self._boundary_tick, min(moments)
        )

    # What the tick tells -----------------------------------------------------------

    def _handle(self, events: Sequence[ExecutorEvent]) -> None:
        """Fire the stood-down event; show the executor's problems as repairs."""
        entry = self.config_entry
        for event in events:
            if event.kind is EventKind.STOOD_DOWN:
                self.hass.bus.async_fire(
                    EVENT_STOOD_DOWN,
                    {"config_entry_id": entry.entry_id, **event.as_dict()},
                )
        problems = frozenset() if self._executor is None else self._executor.problems
        for problem in Problem:
            identifier = issue_id(problem, entry.entry_id)
            if problem in problems:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    identifier,
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR
                    if problem is Problem.RESTORE_FAILED
                    else ir.IssueSeverity.WARNING,
                    translation_key=ISSUE_KEYS[problem],
                    translation_placeholders={"entry": entry.title},
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, identifier)

    def _slot_events(self, data: RunnerData) -> None:
        """Fire slot ended / started when the slot in force changes."""
        current = data.current
        key = None if current is None else current.key
        if key == self._current_key:
            self._current = current
            return
        entry_id = self.config_entry.entry_id
        previous = self._current
        if self._current_key is not None:
            ended = {"config_entry_id": entry_id, "key": self._current_key}
            if previous is not None:
                ended.update(previous.as_dict())
            self.hass.bus.async_fire(EVENT_SLOT_ENDED, ended)
        if current is not None:
            self.hass.bus.async_fire(
                EVENT_SLOT_STARTED,
                {"config_entry_id": entry_id, "key": key, **current.as_dict()},
            )
        self._current_key = key
        self._current = current

    # What the entities and actions read ----------------------------------------------

    @property
    def has_battery(self) -> bool:
        """The entry plans for an Energy Hub battery (it may be loading)."""
        return self.battery_entry_id is not None

    @property
    def capacity_kwh(self) -> float:
        """The capacity the plan was made for (its targets are kWh of it)."""
        data = self.prices.data
        battery = None if data is None else data.battery
        return 0.0 if battery is None else battery.capacity_kwh

    @property
    def plan_slots(self) -> tuple[PlannedSlot, ...]:
        """The current plan's slots (none in mode off)."""
        plan = self.prices.plan
        if plan is None or self.mode is Mode.OFF:
            return ()
        return plan.slots

    def prices_ok(self, now: dt.datetime) -> bool:
        """The prices are readable and the running slot's price is known."""
        data = self.prices.data
        return (
            self.prices.last_update_success
            and data is not None
            and data.import_price(now) is not None
        )

    def schedule(self) -> list[ScheduledSlot]:
        """The planned and manual slots, as the calendar shows them."""
        return schedule(
            self.prices.plan.slots if self.prices.plan is not None else (),
            self.overrides,
            self.capacity_kwh,
            include_plan=self.mode is not Mode.OFF,
        )

    def _snapshot(self, now: dt.datetime) -> RunnerData:
        entries = self.schedule()
        executor = self._executor
        return RunnerData(
            now=now,
            mode=self.mode,
            has_battery=self.has_battery,
            targets=self.targets,
            overrides=tuple(self.overrides),
            plan=self.prices.plan,
            capacity_kwh=self.capacity_kwh,
            slots=tuple(entries),
            current=current_slot(entries, self.overrides, now),
            applied=None if executor is None else executor.applied,
            problems=frozenset() if executor is None else executor.problems,
        )

    @override
    async def _async_update_data(self) -> RunnerData:
        """A control's write asks for a refresh: tell what is in force now."""
        return self._snapshot(dt_util.utcnow())

    # What the controls and actions change -----------------------------------------------

    async def async_set_mode(self, mode: Mode) -> None:
        """Switch mode; what no longer drives the battery is restored at once."""
        async with self._lock:
            self.mode = mode
            if self._executor is not None:
                events = await self._executor.set_mode(mode, dt_util.utcnow())
                self._executor_state = self._executor.as_dict()
                self._handle(events)
            else:
                self._executor_state["mode"] = mode.value
            await self._save()
        await self.async_tick()

    async def async_set_targets(self, **changes: Any) -> None:
        """Change the plan's targets and re-plan."""
        self.targets = PlanTargets(**{**_targets_dict(self.targets), **changes})
        self.prices.targets = self.targets
        async with self._lock:
            await self._save()
        await self.prices.async_refresh()
        await self.async_tick()

    async def async_add_override(self, manual: Override) -> None:
        """Add a manual slot (a later one wins where two overlap)."""
        async with self._lock:
            self.overrides.append(manual)
            await self._save()
        await self.async_tick()

    async def async_remove_overrides(self, matches: Callable[[Override], bool]) -> int:
        """Remove the manual slots `matches` picks; how many went."""
        async with self._lock:
            kept = [o for o in self.overrides if not matches(o)]
            removed = len(self.overrides) - len(kept)
            self.overrides = kept
            await self._save()
        await self.async_tick()
        return removed

    # Store and diagnostics -----------------------------------------------------------

    async def _save(self) -> None:
        await self.store.async_save(
            {
                "mode": self.mode.value,
                "targets": self.targets.as_dict(),
                "overrides": [manual.as_dict() for manual in self.overrides],
                "executor": self._executor_state,
                "current": self._current_key,
            }
        )

    def diagnostics(self) -> dict[str, Any]:
        """The last plans, the manual slots and the executor's state and log."""
        return {
            "mode": self.mode.value,
            "targets": self.targets.as_dict(),
            "manual_slots": [manual.as_dict() for manual in self.overrides],
            "battery_controller": self._controller() is not None,
            "executor": self._executor_state,
            "plans": list(self.plans),
        }


def _targets_dict(targets: PlanTargets) -> dict[str, Any]:
    return {
        "target_soc": targets.target_soc,
        "deadline": targets.deadline,
        "price_cap": targets.price_cap,
    }


def _next_slot_boundary(now: dt.datetime) -> dt.datetime:
    utc = now.astimezone(dt.UTC)
    floor = utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)
    return floor + SLOT
