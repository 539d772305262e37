"""Drive a battery through the Agile plan, safely; Home-Assistant-free.

A state machine driven by the caller's clock: the caller (the Agile
coordinator) calls `tick(now, slots, ...)` every so often with the plan's
slots and the manual overrides, and `set_mode` / `shutdown` when the mode
changes or the entry unloads. Nothing sleeps and nothing here imports Home
Assistant; the battery is reached only through a `BatteryController`.

The rules (`docs/agile-executor.md`):

- A slot is *driven* when its action is `charge`, `hold` or `export`;
  `self_consumption` leaves the battery on its own settings. Consecutive
  driven periods are one *run*.
- At the start of a run the battery's settings are saved once (persisted
  before anything is applied, never while our own settings are on the
  battery), then each period's command is applied. At the end of the run
  the saved settings are put back.
- Each applied command is watched: the settings must read back as applied
  (else the user or an automation changed them: stand down for the rest of
  the run without restoring over them), and after the controller's
  response time the battery's power must have the expected sign (else a
  problem is reported, once; nothing is re-sent, so a slow Powerwall is not
  flapped). A charge stops at its target by holding.
- Failures restore: a command that fails, a read that fails, stale or
  missing prices, a mode that no longer drives the battery, unloading. A
  restore that fails is retried with back-off and reported as a problem
  after a few attempts; while it is pending nothing new is saved or applied.
- The state is a plain dict (`as_dict`) for a store. An executor made from
  it after a restart restores whatever was left applied, then resumes at
  the next slot boundary.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
import datetime as dt
from enum import StrEnum
import logging
import math
from typing import Any, Final, Self

from ..battery import BatteryController, BatterySettings, BatteryStatus
from ..errors import EnergyHubError
from .planner import SLOT, Action, PlannedSlot

_LOGGER = logging.getLogger(__name__)

DRIVEN: Final = frozenset({Action.CHARGE, Action.HOLD, Action.EXPORT})
STATE_VERSION: Final = 1
# A run is followed this far ahead at most (boundaries of slots and overrides).
_MAX_BOUNDARIES: Final = 2_000


class Mode(StrEnum):
    """What the Agile entry does with its plan."""

    OFF = "off"  # nothing is planned for the battery, nothing is changed
    PLAN_ONLY = "plan_only"  # the plan is shown; only manual overrides act
    AUTOMATIC = "automatic"  # the plan drives the battery


class EventKind(StrEnum):
    """What an executor event reports."""

    SAVED = "saved"  # the battery's settings were saved at the start of a run
    APPLIED = "applied"  # a command was applied and read back
    RESTORED = "restored"  # the saved settings are back
    STOOD_DOWN = "stood_down"  # the settings were changed by someone else
    FAILED = "failed"  # a command or a check failed: restoring
    RESTORE_FAILED = "restore_failed"  # the saved settings could not be put back (yet)
    NOT_TAKING_EFFECT = "not_taking_effect"  # the battery's power has the wrong sign
    TARGET_REACHED = "target_reached"  # the charge/export target is met: holding
    STALE_PRICES = (
        "stale_prices"  # no fresh prices: the plan does not drive the battery
    )


class Problem(StrEnum):
    """A lasting condition the caller shows (a repair issue)."""

    RESTORE_FAILED = "restore_failed"
    NOT_TAKING_EFFECT = "not_taking_effect"


@dataclass(frozen=True, slots=True)
class Command:
    """What the battery is told for a period: target SoC and power only where they apply."""

    action: Action
    target_soc: float | None = None  # %
    power_w: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "action": self.action.value,
            "target_soc": self.target_soc,
            "power_w": self.power_w,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The command `as_dict` made."""
        return cls(Action(data["action"]), data.get("target_soc"), data.get("power_w"))


@dataclass(frozen=True, slots=True)
class Override:
    """A manual period that replaces the plan's actions from `start` to `end`.

    `charge` / `hold` / `export` drive the battery whatever the plan says;
    `self_consumption` removes a planned charge (the battery keeps its own
    settings). A later override wins where two overlap.
    """

    start: dt.datetime
    end: dt.datetime
    action: Action
    target_soc: float | None = None  # %, for charge and export
    power_w: float | None = None

    def __post_init__(self) -> None:
        """Refuse an empty period or a target that is not a percentage."""
        if self.end <= self.start:
            raise ValueError("an override must end after it starts")
        if self.target_soc is not None and not 0 <= self.target_soc <= 100:
            raise ValueError("target_soc must be from 0 to 100")

    @property
    def command(self) -> Command | None:
        """The command it gives (None: the battery's own settings)."""
        if self.action not in DRIVEN:
            return None
        target = self.target_soc
        if self.action is Action.CHARGE and target is None:
            target = 100.0
        return Command(self.action, target, self.power_w)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (the caller stores manual slots)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "action": self.action.value,
            "target_soc": self.target_soc,
            "power_w": self.power_w,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The override `as_dict` made."""
        return cls(
            start=dt.datetime.fromisoformat(data["start"]),
            end=dt.datetime.fromisoformat(data["end"]),
            action=Action(data["action"]),
            target_soc=data.get("target_soc"),
            power_w=data.get("power_w"),
        )


def force_charge(
    now: dt.datetime,
    until: dt.datetime,
    target_soc: float = 100.0,
    power_w: float | None = None,
) -> Override:
    """Charge from the grid from now until `until` (toward `target_soc` %)."""
    return Override(now, until, Action.CHARGE, target_soc, power_w)


def hold_until(now: dt.datetime, until: dt.datetime) -> Override:
    """Do not discharge from now until `until`."""
    return Override(now, until, Action.HOLD)


def charge_slot(
    start: dt.datetime, target_soc: float = 100.0, power_w: float | None = None
) -> Override:
    """A manual charge slot: the half-hour from `start`."""
    return Override(start, start + SLOT, Action.CHARGE, target_soc, power_w)


def no_charge_slot(start: dt.datetime) -> Override:
    """Remove a planned charge: the half-hour from `start` leaves the battery alone."""
    return Override(start, start + SLOT, Action.SELF_CONSUMPTION)


@dataclass(frozen=True, slots=True)
class ExecutorEvent:
    """Something the caller logs, fires as an event or shows."""

    kind: EventKind
    at: dt.datetime
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (event data, diagnostics)."""
        return {"kind": self.kind.value, "at": self.at.isoformat(), **self.detail}


@dataclass(frozen=True, slots=True)
class ExecutorOptions:
    """How patient and how strict the executor is."""

    # Seconds between restore attempts; the last repeats.
    restore_backoff_s: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0, 600.0)
    # Failed restore attempts before `Problem.RESTORE_FAILED`.
    restore_attempts_before_problem: int = 3
    # The battery's power must pass this (W) in the expected direction.
    power_threshold_w: float = 100.0
    # A target counts as met this close (percentage points).
    soc_tolerance: float = 0.5
    # Entries kept in the log of applied and restored settings.
    log_size: int = 100


@dataclass(frozen=True, slots=True)
class _Period:
    """The command in force at a moment and the stretch of time it holds for."""

    command: Command | None
    start: dt.datetime
    end: dt.datetime | None  # None: no later boundary known


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What a tick was given: the plan's slots, the overrides, whether prices are fresh."""

    slots: Sequence[PlannedSlot] = ()
    overrides: Sequence[Override] = ()
    prices_ok: bool = True


class Executor:
    """Apply the plan's (and the user's) commands to one battery, and put it back."""

    def __init__(
        self,
        controller: BatteryController,
        capacity_kwh: float,
        *,
        state: Mapping[str, Any] | None = None,
        options: ExecutorOptions | None = None,
        persist: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        """Drive `controller`; `state` is what `as_dict` gave before a restart.

        `capacity_kwh` turns the plan's targets into percentages (the same
        capacity the plan was made for). `persist` is awaited with the state
        whenever it changes in a way a crash must not lose (before anything
        is applied), besides the caller storing it after each call.
        """
        self.controller = controller
        self.capacity_kwh = capacity_kwh
        self.options = options or ExecutorOptions()
        self._persist_fn = persist
        state = state or {}
        self.mode = Mode(state.get("mode", Mode.PLAN_ONLY))
        saved = state.get("saved")
        self._saved = None if saved is None else BatterySettings.from_dict(saved)
        applied = state.get("applied")
        self._applied: dict[str, Any] | None = dict(applied) if applied else None
        self._run_end = _time(state.get("run_end"))
        self._stood_down_until = _time(state.get("stood_down_until"))
        self._sit_out_until = _time(state.get("sit_out_until"))
        self._reached = _time(state.get("reached"))
        self._last_check = _time(state.get("last_check"))
        restore = state.get("restore")
        self._restore_pending: dict[str, Any] | None = (
            dict(restore) if restore else None
        )
        self._problems = {Problem(p) for p in state.get("problems", ())}
        self._stale = bool(state.get("stale", False))
        self._log: list[dict[str, Any]] = list(state.get("log", ()))
        # Settings left on the battery by the previous run of Home Assistant.
        self._recovering = self._saved is not None or self._applied is not None
        self._last_inputs = _Inputs()

    # --- what the caller reads ----------------------------------------------------

    @property
    def problems(self) -> frozenset[Problem]:
        """The lasting conditions to show as repair issues."""
        return frozenset(self._problems)

    @property
    def applied(self) -> Command | None:
        """The command on the battery now (None: its own settings)."""
        if self._applied is None:
            return None
        return Command.from_dict(self._applied["command"])

    @property
    def saved(self) -> BatterySettings | None:
        """The settings saved at the start of the running run."""
        return self._saved

    @property
    def stood_down_until(self) -> dt.datetime | None:
        """Until when the executor leaves a changed battery alone."""
        return self._stood_down_until

    @property
    def log(self) -> list[dict[str, Any]]:
        """The latest applied and restored settings, oldest first."""
        return list(self._log)

    def as_dict(self) -> dict[str, Any]:
        """Everything a restart needs, as plain data for a store."""
        return {
            "version": STATE_VERSION,
            "mode": self.mode.value,
            "saved": None if self._saved is None else self._saved.as_dict(),
            "applied": self._applied,
            "run_end": _iso(self._run_end),
            "stood_down_until": _iso(self._stood_down_until),
            "sit_out_until": _iso(self._sit_out_until),
            "reached": _iso(self._reached),
            "last_check": _iso(self._last_check),
            "restore": self._restore_pending,
            "problems": sorted(p.value for p in self._problems),
            "stale": self._stale,
            "log": list(self._log),
        }

    def command_at(
        self,
        moment: dt.datetime,
        slots: Sequence[PlannedSlot],
        overrides: Sequence[Override] = (),
        *,
        prices_ok: bool = True,
    ) -> Command | None:
        """The command for `moment` in the current mode (None: not driven)."""
        return self._period(moment, _Inputs(slots, overrides, prices_ok)).command

    # --- what the caller calls ----------------------------------------------------

    async def tick(
        self,
        now: dt.datetime,
        slots: Sequence[PlannedSlot] = (),
        overrides: Sequence[Override] = (),
        *,
        prices_ok: bool = True,
    ) -> list[ExecutorEvent]:
        """Decide and act for `now`: the plan's `slots`, the manual `overrides`.

        `prices_ok` False (prices stale or missing) stops the plan from
        driving the battery; manual overrides still act.
        """
        inputs = _Inputs(slots, overrides, prices_ok)
        self._last_inputs = inputs
        events: list[ExecutorEvent] = []
        if self._recovering:
            self._recovering = False
            if self._saved is not None:
                await self._restore(now, events, "restart")
                self._sit_out_until = _next_boundary(now)
            else:
                self._applied = None
        if self._restore_pending is not None:
            if now >= _time_of(self._restore_pending["next_try"]):
                await self._try_restore(now, events)
            if self._restore_pending is not None:
                return events  # our settings may still be on the battery
        if prices_ok:
            self._stale = False
        elif not self._stale:
            self._stale = True
            events.append(self._event(EventKind.STALE_PRICES, now))
        period = self._period(now, inputs)
        if self._stood_down_until is not None:
            if now < self._stood_down_until:
                return events
            self._stood_down_until = None
        if self._sit_out_until is not None:
            if now < self._sit_out_until:
                period = _Period(None, period.start, period.end)
            else:
                self._sit_out_until = None
        if period.command is None:
            if self._saved is not None:
                await self._restore(now, events, "run ended")
            self._applied = None
            return events
        try:
            await self._drive(now, period, inputs, events)
        except EnergyHubError as err:
            _LOGGER.warning("Battery command or check failed, restoring: %s", err)
            events.append(self._event(EventKind.FAILED, now, error=str(err)))
            self._sit_out_until = period.end or _next_boundary(now)
            if self._saved is not None:
                await self._restore(now, events, "failure")
            self._applied = None
        return events

    async def set_mode(self, mode: Mode, now: dt.datetime) -> list[ExecutorEvent]:
        """Switch mode; what no longer drives the battery is restored at once."""
        self.mode = mode
        last = self._last_inputs
        events = await self.tick(
            now, last.slots, last.overrides, prices_ok=last.prices_ok
        )
        await self._persist()
        return events

    async def shutdown(self, now: dt.datetime) -> list[ExecutorEvent]:
        """Unloading: put the saved settings back (one try; a restart tries again)."""
        events: list[ExecutorEvent] = []
        if self._saved is not None:
            await self._restore(now, events, "unload")
        await self._persist()
        return events

    # --- driving ------------------------------------------------------------------

    async def _drive(
        self,
        now: dt.datetime,
        period: _Period,
        inputs: _Inputs,
        events: list[ExecutorEvent],
    ) -> None:
        controller = self.controller
        command = period.command
        if command is None:
            return
        if self._reached is not None and self._reached != period.start:
            self._reached = None
        if self._reached is not None:
            command = Command(Action.HOLD)
        applied = self.applied
        due = self._last_check is None or (
            (now - self._last_check).total_seconds() >= controller.check_interval_s
        )
        if applied is not None and (due or applied != command):
            self._last_check = now
            current = await controller.read_settings()
            written = BatterySettings.from_dict(self._applied_settings())
            if not written.matches(current):
                self._stand_down(now, current, inputs, events)
                return
            if applied == command:
                status = await controller.read_status()
                if self._target_reached(command, status):
                    self._reached = period.start
                    events.append(
                        self._event(
                            EventKind.TARGET_REACHED, now, soc=status.soc_percent
                        )
                    )
                    command = Command(Action.HOLD)
                else:
                    self._check_direction(now, command, status, events)
        if applied == command:
            return
        if self._saved is None:
            # Only here: nothing of ours is on the battery (no run, no
            # pending restore), so these are the owner's settings.
            self._saved = await controller.read_settings()
            self._log_entry(now, "saved", settings=self._saved.as_dict())
            events.append(self._event(EventKind.SAVED, now))
            await self._persist()
        held_soc = None
        if command.action is Action.HOLD:
            # A hold keeps the energy there is now: judged by the charge as
            # well as the power (a Powerwall overshoots by its lag, then
            # gives the overshoot back).
            held_soc = (await controller.read_status()).soc_percent
        written = await self._apply(command)
        self._applied = {
            "command": command.as_dict(),
            "settings": written.as_dict(),
            "at": now.isoformat(),
            "soc": held_soc,
        }
        self._last_check = now
        self._run_end = self._run_end_from(now, inputs)
        self._problems.discard(Problem.NOT_TAKING_EFFECT)
        self._log_entry(
            now, "applied", command=command.as_dict(), settings=written.as_dict()
        )
        events.append(
            self._event(
                EventKind.APPLIED,
                now,
                **command.as_dict(),
                run_end=_iso(self._run_end),
            )
        )
        await self._persist()

    async def _apply(self, command: Command) -> BatterySettings:
        controller = self.controller
        if command.action is Action.CHARGE:
            target = 100.0 if command.target_soc is None else command.target_soc
            return await controller.apply_charge(target, command.power_w)
        if command.action is Action.EXPORT:
            return await controller.apply_discharge(command.power_w)
        return await controller.hold()

    def _applied_settings(self) -> dict[str, Any]:
        return dict(self._applied["settings"]) if self._applied else {}

    def _target_reached(self, command: Command, status: BatteryStatus) -> bool:
        soc, target = status.soc_percent, command.target_soc
        if soc is None or target is None:
            return False
        tolerance = self.options.soc_tolerance
        if command.action is Action.CHARGE:
            return soc >= target - tolerance
        if command.action is Action.EXPORT:
            return soc <= target + tolerance
        return False

    def _check_direction(
        self,
        now: dt.datetime,
        command: Command,
        status: BatteryStatus,
        events: list[ExecutorEvent],
    ) -> None:
        """After the response time, the power must go the command's way."""
        if self._applied is None or status.power_w is None:
            return
        since = (now - _time_of(self._applied["at"])).total_seconds()
        if since < self.controller.response_time_s:
            return
        threshold = self.options.power_threshold_w
        power = status.power_w
        if command.action is Action.CHARGE:
            right = power <= -threshold
        elif command.action is Action.EXPORT:
            right = power >= threshold
        else:
            held = self._applied.get("soc")
            right = power < threshold or (
                held is not None
                and status.soc_percent is not None
                and status.soc_percent >= held - self.options.soc_tolerance
            )
        if right:
            self._problems.discard(Problem.NOT_TAKING_EFFECT)
            return
        if Problem.NOT_TAKING_EFFECT in self._problems:
            return
        self._problems.add(Problem.NOT_TAKING_EFFECT)
        _LOGGER.warning(
            "The battery does not follow the %s command: %s W after %.0f s",
            command.action,
            power,
            since,
        )
        events.append(
            self._event(
                EventKind.NOT_TAKING_EFFECT,
                now,
                action=command.action.value,
                power_w=power,
            )
        )

    def _stand_down(
        self,
        now: dt.datetime,
        current: BatterySettings,
        inputs: _Inputs,
        events: list[ExecutorEvent],
    ) -> None:
        """Someone changed the settings: leave them, and the battery, alone for this run."""
        until = self._run_end_from(now, inputs) or _next_boundary(now)
        _LOGGER.warning(
            "The battery settings were changed outside Energy Hub; leaving the"
            " battery alone until %s",
            until.isoformat(),
        )
        self._log_entry(
            now,
            "stood_down",
            applied=self._applied_settings(),
            found=current.as_dict(),
        )
        events.append(
            self._event(
                EventKind.STOOD_DOWN,
                now,
                until=until.isoformat(),
                applied=self._applied_settings(),
                found=current.as_dict(),
            )
        )
        self._stood_down_until = until
        self._saved = None
        self._applied = None
        self._reached = None
        self._run_end = None
        self._problems.discard(Problem.NOT_TAKING_EFFECT)

    # --- restoring ----------------------------------------------------------------

    async def _restore(
        self, now: dt.datetime, events: list[ExecutorEvent], reason: str
    ) -> None:
        self._restore_pending = {
            "attempts": 0,
            "next_try": now.isoformat(),
            "reason": reason,
        }
        await self._try_restore(now, events)
        await self._persist()

    async def _try_restore(self, now: dt.datetime, events: list[ExecutorEvent]) -> None:
        pending = self._restore_pending
        saved = self._saved
        if pending is None:
            return
        if saved is None:
            self._restore_pending = None
            return
        try:
            await self.controller.restore(saved)
        except EnergyHubError as err:
            attempts = int(pending["attempts"]) + 1
            backoff = self.options.restore_backoff_s
            delay = backoff[min(attempts, len(backoff)) - 1]
            pending["attempts"] = attempts
            pending["next_try"] = (now + dt.timedelta(seconds=delay)).isoformat()
            _LOGGER.warning(
                "Could not put the battery settings back (attempt %s, next in %.0f s): %s",
                attempts,
                delay,
                err,
            )
            self._log_entry(now, "restore_failed", error=str(err), attempts=attempts)
            if (
                attempts >= self.options.restore_attempts_before_problem
                and Problem.RESTORE_FAILED not in self._problems
            ):
                self._problems.add(Problem.RESTORE_FAILED)
                events.append(
                    self._event(
                        EventKind.RESTORE_FAILED,
                        now,
                        error=str(err),
                        attempts=attempts,
                    )
                )
            return
        self._log_entry(
            now, "restored", settings=saved.as_dict(), reason=pending.get("reason")
        )
        events.append(
            self._event(
                EventKind.RESTORED,
                now,
                reason=pending.get("reason"),
                settings=saved.as_dict(),
            )
        )
        self._restore_pending = None
        self._saved = None
        self._applied = None
        self._reached = None
        self._run_end = None
        self._problems.discard(Problem.RESTORE_FAILED)
        self._problems.discard(Problem.NOT_TAKING_EFFECT)

    # --- the timeline -------------------------------------------------------------

    def _period(self, moment: dt.datetime, inputs: _Inputs) -> _Period:
        """The command at `moment`, between the boundaries around it."""
        start: dt.datetime | None = None
        end: dt.datetime | None = None
        for boundary in _boundaries(inputs):
            if boundary <= moment and (start is None or boundary > start):
                start = boundary
            if boundary > moment and (end is None or boundary < end):
                end = boundary
        return _Period(self._command_for(moment, inputs), start or moment, end)

    def _command_for(self, moment: dt.datetime, inputs: _Inputs) -> Command | None:
        if self.mode is Mode.OFF:
            return None
        for override in reversed(inputs.overrides):
            if override.start <= moment < override.end:
                return override.command
        if self.mode is not Mode.AUTOMATIC or not inputs.prices_ok:
            return None
        for slot in inputs.slots:
            if slot.start <= moment < slot.end:
                return self._slot_command(slot)
        return None

    def _slot_command(self, slot: PlannedSlot) -> Command | None:
        if slot.action not in DRIVEN:
            return None
        if slot.action is Action.HOLD:
            return Command(Action.HOLD)
        target = None
        if slot.target_soc_kwh is not None and self.capacity_kwh > 0:
            target = round(percent_of(slot.target_soc_kwh, self.capacity_kwh), 1)
        if slot.action is Action.CHARGE and target is None:
            target = 100.0
        return Command(slot.action, target)

    def _run_end_from(self, now: dt.datetime, inputs: _Inputs) -> dt.datetime | None:
        """Where the run of driven periods that holds `now` ends (None: not known)."""
        later = sorted(b for b in set(_boundaries(inputs)) if b > now)
        for boundary in later[:_MAX_BOUNDARIES]:
            if self._command_for(boundary, inputs) is None:
                return boundary
        return later[-1] if later else None

    # --- bookkeeping --------------------------------------------------------------

    def _event(self, kind: EventKind, at: dt.datetime, **detail: Any) -> ExecutorEvent:
        return ExecutorEvent(kind, at, detail)

    def _log_entry(self, at: dt.datetime, what: str, **detail: Any) -> None:
        self._log.append({"at": at.isoformat(), "event": what, **detail})
        del self._log[: max(len(self._log) - self.options.log_size, 0)]

    async def _persist(self) -> None:
        if self._persist_fn is not None:
            await self._persist_fn(self.as_dict())


def _boundaries(inputs: _Inputs) -> list[dt.datetime]:
    points: list[dt.datetime] = []
    for slot in inputs.slots:
        points += (slot.start, slot.end)
    for override in inputs.overrides:
        points += (override.start, override.end)
    return points


def _next_boundary(moment: dt.datetime) -> dt.datetime:
    """The next half-hour boundary after `moment` (slots start on :00 and :30)."""
    utc = moment.astimezone(dt.UTC)
    floor = utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)
    return floor + SLOT


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def _time_of(value: Any) -> dt.datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError(f"not a time: {value!r}")
    return moment


def percent_of(soc_kwh: float, capacity_kwh: float) -> float:
    """A stored energy as a percentage of the capacity (0 when there is none)."""
    if capacity_kwh <= 0 or not math.isfinite(soc_kwh):
        return 0.0
    return min(max(100.0 * soc_kwh / capacity_kwh, 0.0), 100.0)
