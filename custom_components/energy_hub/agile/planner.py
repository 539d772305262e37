"""The exact battery plan for half-hourly prices; Home-Assistant-free.

Dynamic programming over the battery's stored energy on a grid of
`grid_step_kwh` (0.005 kWh by default, adjusted down so that floor and
capacity are both on it). In each half-hour the battery moves from one level
to another; what that costs follows from the slot's import and export price
and the forecast load and PV, with the rules of `docs/agile.md`:

- at most `max_charge_kwh` goes in per slot (AC side, before losses; the
  store gains `charge_efficiency` times that) and at most
  `max_discharge_kwh` comes out (AC side, after losses; the store loses that
  over `discharge_efficiency`);
- a PV surplus charges the battery before anything is exported;
- the battery only covers the home's load (never exports) unless
  `allow_export`; grid charging is forbidden in slots dearer than
  `grid_charge_price_cap`;
- energy left at the end is worth `stored_value` p/kWh, or what `end_curve`
  says (a value by stored energy, e.g. from `forecast.stored_energy_curve`).

The slot cost is linear in the level change on a few ranges, so each step of
the backward pass is a handful of sliding-window minima over the levels
(van Herk/Gil-Werman, numpy), linear in the number of levels: a 48-hour plan
on 2,565 levels takes about 10 ms. The forward pass then picks the
best transition from the actual starting level with deterministic ties.

The plan's actions (charge to a target, hold, self-consumption down to a
reserve, export down to a target) are what the battery is told; `execute`
says what an action does with a slot's actual load and PV, and the figures of
a `Plan` (cost, trajectory) are those of its actions on the forecasts.

Prices are p/kWh, energies kWh and costs pence throughout.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
import datetime as dt
from enum import StrEnum
import math
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

type FloatArray = npt.NDArray[np.float64]
type IntArray = npt.NDArray[np.int64]

SLOT: Final = dt.timedelta(minutes=30)
UK: Final = ZoneInfo("Europe/London")
# What falling short of a target costs the plan per kWh: more than any price.
TARGET_PENALTY: Final = 1e5
# A target counts as met this close (the grid's rounding).
TARGET_TOLERANCE_KWH: Final = 0.02
# Backward-pass values kept for at most this many slots at once; longer
# horizons keep every `_CHECKPOINT`th and recompute in between.
_KEEP_ALL: Final = 2_000
_CHECKPOINT: Final = 96
_EPS: Final = 1e-9


class Action(StrEnum):
    """What the battery is told to do in a half-hour."""

    CHARGE = "charge"  # charge (PV first, then the grid) to `target_soc_kwh`
    HOLD = "hold"  # no discharge; a PV surplus still charges
    SELF_CONSUMPTION = "self_consumption"  # cover the load down to `target_soc_kwh`
    EXPORT = "export"  # discharge at full power down to `target_soc_kwh`


@dataclass(frozen=True, slots=True)
class Battery:
    """The battery the plan is for, and its state now.

    Energies in kWh; `floor_kwh` is the reserve the plan never goes below;
    `max_charge_kwh` per slot on the AC side before losses, `max_discharge_kwh`
    per slot on the AC side after losses; `wear_cost` p per kWh delivered.
    """

    capacity_kwh: float
    soc_kwh: float
    floor_kwh: float = 0.0
    max_charge_kwh: float = 2.5
    max_discharge_kwh: float = 2.5
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    wear_cost: float = 0.0

    def __post_init__(self) -> None:
        """Refuse values no battery has."""
        if (
            not 0 < self.charge_efficiency <= 1
            or not 0 < self.discharge_efficiency <= 1
        ):
            raise ValueError("efficiencies must be in (0, 1]")
        if (
            self.capacity_kwh < 0
            or self.floor_kwh < 0
            or self.floor_kwh > self.capacity_kwh
        ):
            raise ValueError("need 0 <= floor <= capacity")
        if self.max_charge_kwh < 0 or self.max_discharge_kwh < 0:
            raise ValueError("power limits must not be negative")


@dataclass(frozen=True, slots=True)
class SlotInput:
    """One half-hour of the horizon: UTC start, prices (None: unknown), forecasts."""

    start: dt.datetime
    import_price: float | None
    export_price: float | None
    load_kwh: float
    pv_kwh: float

    @property
    def end(self) -> dt.datetime:
        """End of the half-hour."""
        return self.start + SLOT


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan.

    `target_soc_kwh` by `target_time` (None: at the end of the plan; a time
    after the last known price waits for a plan that reaches it);
    `grid_charge_price_cap`: no grid charging in slots dearer than this;
    `allow_export`: the battery may discharge into the grid; `stored_value`:
    p per kWh left in the battery at the end, or `end_curve`: (stored kWh,
    pence it is worth) points, linear in between, used instead when given; `replace_margin`: pence a new
    plan must save to replace the previous one.
    """

    target_soc_kwh: float | None = None
    target_time: dt.datetime | None = None
    grid_charge_price_cap: float | None = None
    allow_export: bool = False
    stored_value: float = 0.0
    end_curve: tuple[tuple[float, float], ...] | None = None
    grid_step_kwh: float = 0.005
    replace_margin: float = 0.25
    display_tz: dt.tzinfo = UK
    # The seed scheduler, for comparison: charge in its 5 cheapest slots at
    # 1.75 kWh per slot (3.5 kW) up to 98 %, self-consumption otherwise.
    seed_slots: int = 5
    seed_charge_kwh: float = 1.75
    seed_target_fraction: float = 0.98


def known_prices(slot: SlotInput) -> tuple[float, float]:
    """The slot's import and export price; ValueError when one is unknown."""
    if slot.import_price is None or slot.export_price is None:
        raise ValueError(f"no known price for the slot at {slot.start.isoformat()}")
    return slot.import_price, slot.export_price


# One slot's physics ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotResult:
    """What a slot did: SoC after it and the AC energy flows (kWh)."""

    soc_end_kwh: float
    battery_in_kwh: float
    battery_out_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float

    def cost(
        self, import_price: float, export_price: float, wear_cost: float = 0.0
    ) -> float:
        """Pence: imports at the import price, exports earn the export price."""
        return (
            self.grid_import_kwh * import_price
            - self.grid_export_kwh * export_price
            + self.battery_out_kwh * wear_cost
        )


def execute(
    action: Action,
    target_soc_kwh: float | None,
    soc_kwh: float,
    *,
    load_kwh: float,
    pv_kwh: float,
    battery: Battery,
    charge_limit_kwh: float | None = None,
) -> SlotResult:
    """What the battery does in a slot told `action`, given the slot's load and PV.

    A PV surplus always charges first (up to the power limit and a full
    battery). CHARGE adds grid energy up to `target_soc_kwh` (at most
    `charge_limit_kwh` AC in all, when given); SELF_CONSUMPTION covers the
    load's deficit down to `target_soc_kwh` (the floor when None); HOLD does
    not discharge; EXPORT discharges at full power down to `target_soc_kwh`.
    """
    eta_c, eta_d = battery.charge_efficiency, battery.discharge_efficiency
    surplus = max(pv_kwh - load_kwh, 0.0)
    deficit = max(load_kwh - pv_kwh, 0.0)
    room_ac = max(battery.capacity_kwh - soc_kwh, 0.0) / eta_c
    pv_in = min(surplus, battery.max_charge_kwh, room_ac)
    battery_in, battery_out = pv_in, 0.0
    reserve = max(
        battery.floor_kwh,
        battery.floor_kwh if target_soc_kwh is None else target_soc_kwh,
    )
    available_ac = max(soc_kwh - reserve, 0.0) * eta_d
    if action is Action.CHARGE:
        target = battery.capacity_kwh if target_soc_kwh is None else target_soc_kwh
        want = max(min(target, battery.capacity_kwh) - soc_kwh, 0.0) / eta_c
        limit = battery.max_charge_kwh
        if charge_limit_kwh is not None:
            limit = min(limit, charge_limit_kwh)
        battery_in = max(pv_in, min(want, limit, room_ac))
    elif action is Action.SELF_CONSUMPTION:
        battery_out = min(deficit, battery.max_discharge_kwh, available_ac)
    elif action is Action.EXPORT:
        battery_in = 0.0
        battery_out = min(battery.max_discharge_kwh, available_ac)
    soc_end = soc_kwh + battery_in * eta_c - battery_out / eta_d
    soc_end = min(max(soc_end, min(soc_kwh, battery.floor_kwh)), battery.capacity_kwh)
    grid = load_kwh - pv_kwh + battery_in - battery_out
    return SlotResult(
        soc_end_kwh=soc_end,
        battery_in_kwh=battery_in,
        battery_out_kwh=battery_out,
        grid_import_kwh=max(grid, 0.0),
        grid_export_kwh=max(-grid, 0.0),
    )


# The dynamic programme ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Levels:
    """The SoC grid: level k is `floor + k * step` kWh, k = 0..top."""

    floor: float
    step: float
    top: int

    @classmethod
    def of(cls, battery: Battery, grid_step_kwh: float) -> Levels:
        """The finest grid no coarser than `grid_step_kwh` with floor and capacity on it."""
        if grid_step_kwh <= 0:
            raise ValueError("grid step must be positive")
        usable = battery.capacity_kwh - battery.floor_kwh
        if usable <= _EPS:
            return cls(battery.floor_kwh, grid_step_kwh, 0)
        top = max(1, math.ceil(usable / grid_step_kwh - _EPS))
        return cls(battery.floor_kwh, usable / top, top)

    def kwh(self, level: int) -> float:
        """Stored energy at `level`."""
        return self.floor + level * self.step

    def level(self, soc_kwh: float) -> int:
        """The nearest level to a stored energy."""
        return min(max(round((soc_kwh - self.floor) / self.step), 0), self.top)


class _SlotModel:
    """One slot's feasible level changes and their exact costs.

    From level i the battery may go up by `lo`..`up` levels (a surplus makes
    `lo` the PV it must absorb; a fuller battery absorbs what fits) or down
    by 1..-`dn` levels (`dn` = 0: no discharge).
    """

    __slots__ = (
        "_table",
        "dn",
        "eta_c",
        "eta_d",
        "export_price",
        "import_price",
        "kd",
        "lo",
        "net",
        "pieces",
        "step",
        "up",
        "wear",
    )

    def __init__(
        self,
        slot: SlotInput,
        battery: Battery,
        levels: Levels,
        options: PlanOptions,
    ) -> None:
        step = levels.step
        eta_c, eta_d = battery.charge_efficiency, battery.discharge_efficiency
        p, e = known_prices(slot)
        wear = battery.wear_cost
        net = slot.load_kwh - slot.pv_kwh
        self.import_price, self.export_price, self.wear = p, e, wear
        self.net, self.step, self.eta_c, self.eta_d = net, step, eta_c, eta_d
        cap = options.grid_charge_price_cap
        grid_charge = cap is None or p <= cap
        kc = math.floor(battery.max_charge_kwh * eta_c / step + _EPS)
        kdmax = math.floor(battery.max_discharge_kwh / eta_d / step + _EPS)
        # (first, last, slope per level, cost at no change) of each linear piece
        pieces: list[tuple[int, int, float, float]] = []
        if net >= 0:
            deficit = net
            kd = min(kdmax, math.floor(deficit / eta_d / step + _EPS))
            self.lo, self.up = 0, kc if grid_charge else 0
            self.dn = -kdmax if options.allow_export else -kd
            pieces.append((0, self.up, p * step / eta_c, p * deficit))
            if kd > 0:
                pieces.append((-kd, -1, (p - wear) * step * eta_d, p * deficit))
            if options.allow_export and kdmax > kd:
                pieces.append((-kdmax, -kd - 1, (e - wear) * step * eta_d, e * deficit))
        else:
            surplus = -net
            absorb = min(surplus, battery.max_charge_kwh) * eta_c / step
            kd = 0
            self.lo = min(round(absorb), kc)
            self.up = max(kc if grid_charge else self.lo, self.lo)
            self.dn = -kdmax if options.allow_export else 0
            exported = math.floor(surplus * eta_c / step + _EPS)  # up to here g <= 0
            if self.lo <= min(self.up, exported):
                pieces.append(
                    (self.lo, min(self.up, exported), e * step / eta_c, -e * surplus)
                )
            if max(self.lo, exported + 1) <= self.up:
                pieces.append(
                    (
                        max(self.lo, exported + 1),
                        self.up,
                        p * step / eta_c,
                        -p * surplus,
                    )
                )
            if self.dn < 0:
                pieces.append((self.dn, -1, (e - wear) * step * eta_d, -e * surplus))
        self.kd = kd
        self._table: FloatArray | None = None
        self.pieces = pieces

    def table(self) -> FloatArray:
        """`cost` of every change from `dn` to `up`, computed once."""
        if self._table is None:
            self._table = self.cost(np.arange(self.dn, self.up + 1, dtype=np.int64))
        return self._table

    def cost(self, delta: IntArray) -> FloatArray:
        """Exact cost (pence) of each level change."""
        ac = delta * np.where(delta > 0, self.step / self.eta_c, self.step * self.eta_d)
        grid = ac + self.net
        cost: FloatArray = grid * np.where(
            grid > 0, self.import_price, self.export_price
        )
        if self.wear:
            cost += self.wear * np.maximum(-ac, 0.0)
        return cost

    def deltas(self, level: int, top: int) -> IntArray:
        """Every feasible level change from `level`, ascending."""
        room = top - level
        up_first = min(self.lo, room)
        up_last = min(self.up, room)
        down = np.arange(max(self.dn, -level), 0, dtype=np.int64)
        return np.concatenate((down, np.arange(up_first, up_last + 1, dtype=np.int64)))

    def default(self, level: int, top: int) -> int:
        """The change plain self-consumption makes: absorb the surplus, cover the deficit."""
        if self.net >= 0:
            return -min(self.kd, level)
        return min(self.lo, top - level)


def _window_min(values: FloatArray, first: int, last: int) -> FloatArray:
    """M[i] = min(values[i+first .. i+last] within bounds), inf where empty.

    Van Herk/Gil-Werman: block prefix and suffix minima, O(n + width).
    """
    size = values.size
    width = last - first + 1
    if width <= 0:
        return np.full(size, np.inf)
    span = size + width - 1
    blocks = -(-span // width)
    padded = np.full(blocks * width, np.inf)
    k0, k1 = max(0, -first), min(blocks * width, size - first)
    if k1 > k0:
        padded[k0:k1] = values[first + k0 : first + k1]
    grid = padded.reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    best: FloatArray = np.minimum(suffix[:size], prefix[width - 1 : width - 1 + size])
    return best


def _backward_step(
    model: _SlotModel, after: FloatArray, index: FloatArray
) -> FloatArray:
    """Best cost-to-go from each level before the slot, given the values after it.

    `index` is `arange(levels)` as floats, made once per pass.
    """
    top = index.size - 1
    best: FloatArray | None = None
    for first, last, slope, base in model.pieces:
        ramp = slope * index
        piece = _window_min(after + ramp, first, last)
        piece -= ramp
        piece += base
        best = piece if best is None else np.minimum(best, piece, out=best)
    if best is None:
        best = np.full(top + 1, np.inf)
    if model.lo > 0:
        # A battery with less room than the PV surplus fills up.
        first_forced = max(top - model.lo + 1, 0)
        forced = np.arange(first_forced, top + 1, dtype=np.int64)
        cost = model.table()[top - forced - model.dn] + after[top]
        np.minimum(best[first_forced:], cost, out=best[first_forced:])
    return best


@dataclass(frozen=True, slots=True)
class Solution:
    """The DP's optimal path: levels at each slot boundary and each slot's exact cost."""

    levels: Levels
    path: tuple[int, ...]  # len(slots) + 1 levels
    costs: tuple[float, ...]  # pence per slot, on the grid
    objective: float  # costs - stored value at the end + target penalties
    defaults: tuple[int, ...]  # the self-consumption change from each path level
    deficit_cover: tuple[int, ...]  # levels a full deficit discharge takes

    @property
    def cost(self) -> float:
        """Total cost of the path (pence)."""
        return math.fsum(self.costs)

    def soc(self, index: int) -> float:
        """Stored energy before slot `index` (kWh)."""
        return self.levels.kwh(self.path[index])


def end_value(options: PlanOptions, battery: Battery, soc_kwh: float) -> float:
    """Pence the energy left at the end is worth (0 at the floor)."""
    if options.end_curve:
        xs = [point[0] for point in options.end_curve]
        ys = [point[1] for point in options.end_curve]
        return float(np.interp(soc_kwh, xs, ys) - np.interp(battery.floor_kwh, xs, ys))
    return options.stored_value * max(soc_kwh - battery.floor_kwh, 0.0)


def _terminal(levels: Levels, options: PlanOptions) -> FloatArray:
    index = np.arange(levels.top + 1, dtype=np.float64)
    if options.end_curve:
        xs = np.array([point[0] for point in options.end_curve])
        ys = np.array([point[1] for point in options.end_curve])
        curve: FloatArray = -np.interp(levels.floor + levels.step * index, xs, ys)
        return curve
    return -options.stored_value * levels.step * index


def _penalty(levels: Levels, target_kwh: float) -> FloatArray:
    target = min(
        max(math.ceil((target_kwh - levels.floor) / levels.step - 1e-6), 0), levels.top
    )
    short: FloatArray = np.maximum(target - np.arange(levels.top + 1), 0) * levels.step
    return TARGET_PENALTY * short


def target_index(slots: Sequence[SlotInput], options: PlanOptions) -> int | None:
    """After which slot (index) the target applies; None without one in the horizon."""
    if options.target_soc_kwh is None or not slots:
        return None
    if options.target_time is None:
        return len(slots) - 1
    end = options.target_time
    if end > slots[-1].start + SLOT:
        return None
    index = 0
    for position, slot in enumerate(slots):
        if slot.start + SLOT <= end:
            index = position
    return index


def solve(
    slots: Sequence[SlotInput], battery: Battery, options: PlanOptions
) -> Solution:
    """The exact optimum on the level grid for slots whose prices are all known."""
    levels = Levels.of(battery, options.grid_step_kwh)
    top = levels.top
    models = [_SlotModel(slot, battery, levels, options) for slot in slots]
    count = len(models)
    target_at = target_index(slots, options)
    penalty = (
        None
        if target_at is None or options.target_soc_kwh is None
        else _penalty(levels, options.target_soc_kwh)
    )
    terminal = _terminal(levels, options)
    if penalty is not None and target_at == count - 1:
        terminal = terminal + penalty

    def after_value(index: int, value: FloatArray) -> FloatArray:
        # Value after slot `index - 1`, with the target's penalty where it applies.
        if (
            penalty is not None
            and target_at is not None
            and index == target_at + 1 < count
        ):
            return value + penalty
        return value

    keep_all = count <= _KEEP_ALL
    ramp = np.arange(top + 1, dtype=np.float64)
    stored: dict[int, FloatArray] = {count: terminal}
    value = terminal
    for index in range(count - 1, -1, -1):
        value = _backward_step(models[index], after_value(index + 1, value), ramp)
        if keep_all or index % _CHECKPOINT == 0:
            stored[index] = value

    def values_from(start: int, stop: int) -> dict[int, FloatArray]:
        # Values at boundaries start+1..stop, recomputed from the next checkpoint.
        if keep_all:
            return stored
        found: dict[int, FloatArray] = {stop: stored[stop]}
        current = stored[stop]
        for index in range(stop - 1, start, -1):
            current = _backward_step(
                models[index], after_value(index + 1, current), ramp
            )
            found[index] = current
        return found

    path = [levels.level(battery.soc_kwh)]
    costs: list[float] = []
    defaults: list[int] = []
    cover: list[int] = []
    objective = float(stored[0][path[0]]) if count else float(terminal[path[0]])
    block: dict[int, FloatArray] = {}
    for index, model in enumerate(models):
        if not keep_all and index % _CHECKPOINT == 0:
            block = values_from(index, min(index + _CHECKPOINT, count))
        after = after_value(index + 1, (stored if keep_all else block)[index + 1])
        level = path[-1]
        deltas = model.deltas(level, top)
        cost = model.table()[deltas - model.dn]
        total = cost + after[level + deltas]
        best = float(total.min())
        ties = np.flatnonzero(total <= best + _EPS + 1e-12 * abs(best))
        default = model.default(level, top)
        if ties.size > 1:
            # Closest to plain self-consumption; then the fuller battery.
            distance = np.abs(deltas[ties] - default)
            nearest = ties[distance == distance.min()]
            choice = int(nearest[-1])
        else:
            choice = int(ties[0])
        path.append(level + int(deltas[choice]))
        costs.append(float(cost[choice]))
        defaults.append(default)
        cover.append(-min(model.kd, level) if model.net >= 0 else 0)
    return Solution(
        levels=levels,
        path=tuple(path),
        costs=tuple(costs),
        objective=objective,
        defaults=tuple(defaults),
        deficit_cover=tuple(cover),
    )


def value_curve(
    slots: Sequence[SlotInput],
    battery: Battery,
    options: PlanOptions,
    *,
    points_kwh: float = 0.25,
) -> tuple[tuple[float, float], ...]:
    """What stored energy is worth before `slots`: (kWh, pence) points, 0 at the floor.

    The best cost over the slots from each SoC, from a backward pass only;
    feeds `PlanOptions.end_curve` of a plan that ends where these slots begin.
    """
    levels = Levels.of(battery, options.grid_step_kwh)
    value = _terminal(levels, options)
    ramp = np.arange(levels.top + 1, dtype=np.float64)
    for slot in reversed(slots):
        value = _backward_step(_SlotModel(slot, battery, levels, options), value, ramp)
    count = max(
        2, math.ceil((battery.capacity_kwh - battery.floor_kwh) / points_kwh) + 1
    )
    chosen = np.unique(np.linspace(0, levels.top, count).round().astype(np.int64))
    worth = float(value[0]) - value[chosen]
    return tuple(
        (levels.kwh(int(level)), float(amount))
        for level, amount in zip(chosen, worth, strict=True)
    )


# Plans --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedSlot:
    """One half-hour of a plan: the action, what it does on the forecasts, and why."""

    start: dt.datetime
    action: Action
    target_soc_kwh: float | None
    soc_start_kwh: float
    soc_end_kwh: float
    battery_in_kwh: float
    battery_out_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    import_price: float
    export_price: float
    cost: float
    reason: str = ""

    @property
    def end(self) -> dt.datetime:
        """End of the half-hour."""
        return self.start + SLOT


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan over the known slots, with what doing nothing and the seed would cost.

    Costs in pence over the plan's slots on the forecasts: `cost` (the plan),
    `cost_no_battery`, `cost_baseline` (the seed scheduler); `stored_credit`
    is the value of the energy left at the end; `warnings` say why a target
    cannot be met or where the known prices stop.
    """

    slots: tuple[PlannedSlot, ...]
    cost: float
    cost_no_battery: float
    cost_baseline: float
    stored_credit: float
    objective: float
    warnings: tuple[str, ...] = ()
    replaced: bool = True  # False: the previous plan was kept
    soc_now_kwh: float = 0.0

    @property
    def start(self) -> dt.datetime | None:
        """Start of the first slot."""
        return self.slots[0].start if self.slots else None

    @property
    def end(self) -> dt.datetime | None:
        """End of the last slot (the last known price)."""
        return self.slots[-1].end if self.slots else None

    def slot_at(self, moment: dt.datetime) -> PlannedSlot | None:
        """The planned slot that contains `moment`."""
        if not self.slots or moment < self.slots[0].start:
            return None
        index = int((moment - self.slots[0].start) / SLOT)
        return self.slots[index] if index < len(self.slots) else None

    @property
    def trajectory(self) -> list[tuple[dt.datetime, float]]:
        """Planned SoC (kWh) at each slot boundary."""
        if not self.slots:
            return []
        points = [(slot.start, slot.soc_start_kwh) for slot in self.slots]
        points.append((self.slots[-1].end, self.slots[-1].soc_end_kwh))
        return points

    def next_charge(self, moment: dt.datetime) -> dt.datetime | None:
        """Start of the next (or running) grid-charging slot."""
        for slot in self.slots:
            if slot.end > moment and slot.action is Action.CHARGE:
                return slot.start
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (attributes, diagnostics, persistence)."""
        return {
            "cost": round(self.cost, 3),
            "cost_no_battery": round(self.cost_no_battery, 3),
            "cost_baseline": round(self.cost_baseline, 3),
            "stored_credit": round(self.stored_credit, 3),
            "warnings": list(self.warnings),
            "slots": [
                {
                    "start": slot.start.isoformat(),
                    "action": slot.action.value,
                    "target_soc_kwh": None
                    if slot.target_soc_kwh is None
                    else round(slot.target_soc_kwh, 3),
                    "soc_end_kwh": round(slot.soc_end_kwh, 3),
                    "import_price": slot.import_price,
                    "reason": slot.reason,
                }
                for slot in self.slots
            ],
        }


def known_prefix(slots: Sequence[SlotInput]) -> tuple[list[SlotInput], str | None]:
    """The slots up to the first unknown price or gap, and why it stops there."""
    known: list[SlotInput] = []
    for slot in slots:
        if known and slot.start != known[-1].start + SLOT:
            return known, f"slots are not contiguous at {slot.start.isoformat()}"
        if slot.import_price is None or slot.export_price is None:
            return known, "prices known until {end}: the plan stops there"
        if not math.isfinite(slot.import_price) or not math.isfinite(slot.export_price):
            return known, "prices known until {end}: the plan stops there"
        known.append(slot)
    return known, None


def no_battery_cost(slots: Sequence[SlotInput]) -> float:
    """Pence the slots cost without a battery."""
    total = 0.0
    for slot in slots:
        import_price, export_price = known_prices(slot)
        net = slot.load_kwh - slot.pv_kwh
        total += net * (import_price if net > 0 else export_price)
    return total


def seed_actions(
    slots: Sequence[SlotInput], battery: Battery, options: PlanOptions
) -> list[tuple[Action, float | None, float | None]]:
    """The seed scheduler's actions: charge in the N cheapest slots, else self-consumption.

    Each entry is (action, target SoC, AC charge limit per slot).
    """
    order = sorted(range(len(slots)), key=lambda i: (slots[i].import_price, i))
    cheapest = set(order[: options.seed_slots])
    target = battery.capacity_kwh * options.seed_target_fraction
    return [
        (Action.CHARGE, target, options.seed_charge_kwh)
        if index in cheapest
        else (Action.SELF_CONSUMPTION, None, None)
        for index in range(len(slots))
    ]


def _run(
    slots: Sequence[SlotInput],
    actions: Sequence[tuple[Action, float | None, float | None]],
    battery: Battery,
    soc: float,
) -> list[tuple[SlotResult, float]]:
    results: list[tuple[SlotResult, float]] = []
    for slot, (action, target, limit) in zip(slots, actions, strict=True):
        import_price, export_price = known_prices(slot)
        result = execute(
            action,
            target,
            soc,
            load_kwh=slot.load_kwh,
            pv_kwh=slot.pv_kwh,
            battery=battery,
            charge_limit_kwh=limit,
        )
        results.append(
            (
                result,
                result.cost(import_price, export_price, battery.wear_cost),
            )
        )
        soc = result.soc_end_kwh
    return results


def actions_of(
    solution: Solution, slots: Sequence[SlotInput]
) -> list[tuple[Action, float | None, float | None]]:
    """The actions that follow a DP path: (action, target or reserve SoC, None)."""
    actions: list[tuple[Action, float | None, float | None]] = []
    levels = solution.levels
    for index in range(len(slots)):
        before, after = solution.path[index], solution.path[index + 1]
        delta = after - before
        default = solution.defaults[index]
        end = levels.kwh(after)
        if delta > max(default, 0):
            actions.append((Action.CHARGE, end, None))
        elif delta < min(default, 0) or (delta < 0 <= default):
            actions.append((Action.EXPORT, end, None))
        elif delta < 0:
            # Partial cover keeps the rest: the plan's level is the reserve.
            partial = delta > solution.deficit_cover[index]
            actions.append((Action.SELF_CONSUMPTION, end if partial else None, None))
        elif delta == 0 and default < 0:
            actions.append((Action.HOLD, None, None))
        else:
            actions.append((Action.SELF_CONSUMPTION, None, None))
    return actions


def _clock(moment: dt.datetime, relative_to: dt.datetime, tz: dt.tzinfo) -> str:
    local = moment.astimezone(tz)
    if local.date() == relative_to.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def _price(value: float) -> str:
    return f"{value:.1f}p"


def _reasons(slots: Sequence[PlannedSlot], tz: dt.tzinfo) -> list[str]:
    """A sentence per slot: the price now against the price that makes it worth it."""
    count = len(slots)
    # The dearest later slot the battery covers, and the cheapest earlier charge.
    dearest: list[PlannedSlot | None] = [None] * count
    best: PlannedSlot | None = None
    for index in range(count - 1, -1, -1):
        dearest[index] = best
        slot = slots[index]
        if slot.battery_out_kwh > _EPS and (
            best is None or slot.import_price >= best.import_price
        ):
            best = slot
    charged: list[PlannedSlot | None] = [None] * count
    best = None
    for index, slot in enumerate(slots):
        charged[index] = best
        if slot.action is Action.CHARGE and (
            best is None or slot.import_price < best.import_price
        ):
            best = slot
    by_price = sorted(slots, key=lambda slot: (slot.import_price, slot.start))
    return [
        _reason(slot, dearest[index], charged[index], by_price, tz)
        for index, slot in enumerate(slots)
    ]


def _reason(
    slot: PlannedSlot,
    dearest: PlannedSlot | None,
    charged: PlannedSlot | None,
    by_price: Sequence[PlannedSlot],
    tz: dt.tzinfo,
) -> str:
    now = _price(slot.import_price)

    def at(other: PlannedSlot, price: float) -> str:
        return f"{_price(price)} at {_clock(other.start, slot.start, tz)}"

    cheapest = next((other for other in by_price if other is not slot), None)
    if slot.action is Action.CHARGE:
        head = f"charge to {slot.soc_end_kwh:.1f} kWh: {now} now"
        if dearest is not None:
            return f"{head} vs {at(dearest, dearest.import_price)}"
        if slot.import_price < 0:
            return f"{head} (paid to use power)"
        return f"{head}, kept for after the last known price"
    if slot.action is Action.EXPORT:
        head = f"export down to {slot.soc_end_kwh:.1f} kWh: {_price(slot.export_price)} now"
        if cheapest is not None:
            return f"{head} vs {at(cheapest, cheapest.import_price)}"
        return head
    if slot.action is Action.HOLD:
        head = f"hold {slot.soc_start_kwh:.1f} kWh: {now} now"
        if dearest is not None:
            return f"{head} vs {at(dearest, dearest.import_price)}"
        return f"{head}, kept for after the last known price"
    if slot.battery_out_kwh > _EPS:
        if slot.target_soc_kwh is not None and dearest is not None:
            return (
                f"use battery down to {slot.target_soc_kwh:.1f} kWh: {now} now,"
                f" the rest for {at(dearest, dearest.import_price)}"
            )
        source = charged or cheapest
        head = f"use battery: {now} now"
        if source is not None:
            return f"{head} vs {at(source, source.import_price)}"
        return head
    if slot.battery_in_kwh > _EPS:
        return (
            f"store {slot.battery_in_kwh:.1f} kWh of solar surplus"
            f" (export pays {_price(slot.export_price)})"
        )
    if slot.grid_import_kwh > _EPS:
        return f"battery at its reserve: {now} now"
    return "self-consumption"


def _build(
    slots: Sequence[SlotInput],
    actions: Sequence[tuple[Action, float | None, float | None]],
    battery: Battery,
    options: PlanOptions,
    warnings: list[str],
    *,
    replaced: bool,
    baseline: float | None = None,
) -> Plan:
    results = _run(slots, actions, battery, battery.soc_kwh)
    planned: list[PlannedSlot] = []
    soc = battery.soc_kwh
    for slot, (action, target, _), (result, cost) in zip(
        slots, actions, results, strict=True
    ):
        import_price, export_price = known_prices(slot)
        planned.append(
            PlannedSlot(
                start=slot.start,
                action=action,
                target_soc_kwh=target,
                soc_start_kwh=soc,
                soc_end_kwh=result.soc_end_kwh,
                battery_in_kwh=result.battery_in_kwh,
                battery_out_kwh=result.battery_out_kwh,
                grid_import_kwh=result.grid_import_kwh,
                grid_export_kwh=result.grid_export_kwh,
                import_price=import_price,
                export_price=export_price,
                cost=cost,
            )
        )
        soc = result.soc_end_kwh
    tz = options.display_tz
    planned = [
        replace(planned_slot, reason=reason)
        for planned_slot, reason in zip(planned, _reasons(planned, tz), strict=True)
    ]
    cost = math.fsum(slot.cost for slot in planned)
    credit = end_value(options, battery, soc)
    objective = cost - credit
    target_at = target_index(slots, options)
    if target_at is not None and options.target_soc_kwh is not None:
        wanted = min(options.target_soc_kwh, battery.capacity_kwh)
        reached = planned[target_at].soc_end_kwh
        shortfall = wanted - reached
        objective += TARGET_PENALTY * max(shortfall - TARGET_TOLERANCE_KWH, 0.0)
        if shortfall > TARGET_TOLERANCE_KWH:
            when = _clock(planned[target_at].end, planned[0].start, tz)
            why = [f"at most {battery.max_charge_kwh:g} kWh per half-hour"]
            if options.grid_charge_price_cap is not None:
                why.append(
                    f"no grid charging above {_price(options.grid_charge_price_cap)}"
                )
            warnings.append(
                f"target {wanted:.1f} kWh by {when} cannot be met: the plan reaches"
                f" {reached:.1f} kWh ({', '.join(why)})"
            )
    if baseline is None:
        baseline = baseline_cost(slots, battery, options)
    return Plan(
        slots=tuple(planned),
        cost=cost,
        cost_no_battery=no_battery_cost(slots),
        cost_baseline=baseline,
        stored_credit=credit,
        objective=objective,
        warnings=tuple(warnings),
        replaced=replaced,
        soc_now_kwh=battery.soc_kwh,
    )


def baseline_cost(
    slots: Sequence[SlotInput], battery: Battery, options: PlanOptions
) -> float:
    """Pence the seed scheduler's actions cost over the slots."""
    seed = _run(slots, seed_actions(slots, battery, options), battery, battery.soc_kwh)
    return math.fsum(cost for _, cost in seed)


def plan(
    slots: Sequence[SlotInput],
    battery: Battery,
    options: PlanOptions | None = None,
    *,
    now: dt.datetime | None = None,
    previous: Plan | None = None,
) -> Plan:
    """The best plan over the slots with known prices, from the battery's SoC now.

    Slots stop at the first unknown price (never planned as 0). When `now`
    lies inside the first slot and `previous` planned that slot, its action
    is kept (a running slot is not changed; give its load and PV for what
    remains of it) and the rest is re-planned. The new plan replaces
    `previous` only when it covers other slots or saves more
    than `replace_margin` pence on the same forecasts; otherwise the previous
    actions are kept (figures and reasons refreshed). Never infeasible: a
    target that cannot be met gives the closest plan and a warning.
    """
    options = options or PlanOptions()
    known, stop = known_prefix(slots)
    warnings: list[str] = []
    if stop is not None:
        end = known[-1].start + SLOT if known else (slots[0].start if slots else None)
        where = "-" if end is None else _clock(end, end, options.display_tz)
        warnings.append(stop.format(end=where))
    if not known:
        return Plan(
            (), 0.0, 0.0, 0.0, 0.0, 0.0, tuple(warnings), soc_now_kwh=battery.soc_kwh
        )
    kept: tuple[Action, float | None, float | None] | None = None
    if previous is not None and now is not None and known[0].start < now < known[0].end:
        running = previous.slot_at(known[0].start)
        if running is not None:
            kept = (running.action, running.target_soc_kwh, None)
    if kept is not None:
        first = _run(known[:1], [kept], battery, battery.soc_kwh)[0][0]
        rest = solve(known[1:], replace(battery, soc_kwh=first.soc_end_kwh), options)
        actions = [kept, *actions_of(rest, known[1:])]
    else:
        actions = actions_of(solve(known, battery, options), known)
    baseline = baseline_cost(known, battery, options)
    new = _build(
        known,
        actions,
        battery,
        options,
        list(warnings),
        replaced=True,
        baseline=baseline,
    )
    if previous is None or previous.end != new.end or not previous.slots:
        return new
    old_actions: list[tuple[Action, float | None, float | None]] = []
    for slot in known:
        found = previous.slot_at(slot.start)
        if found is None or found.start != slot.start:
            return new
        old_actions.append((found.action, found.target_soc_kwh, None))
    old = _build(
        known,
        old_actions,
        battery,
        options,
        list(warnings),
        replaced=False,
        baseline=baseline,
    )
    if new.objective < old.objective - options.replace_margin:
        return new
    return old


# Cheapest slots ---------------------------------------------------------------------------


def cheapest_slots(
    prices: Mapping[dt.datetime, float | None] | Mapping[dt.datetime, float],
    start: dt.datetime,
    end: dt.datetime,
    hours: float,
    continuous: bool,
) -> list[dt.datetime]:
    """UTC starts of the cheapest half-hours adding up to `hours` between two times.

    Only slots wholly inside `start`..`end` with a known price count.
    `continuous`: the cheapest unbroken run (earliest on a tie), or [] when
    no run of known slots is long enough; otherwise the cheapest slots
    (earlier first on a tie), fewer when fewer are known. Sorted by time.
    """
    count = math.ceil(hours * 2 - _EPS)
    if count <= 0:
        return []
    first = start.astimezone(dt.UTC)
    if first.minute % 30 or first.second or first.microsecond:
        first = first.replace(
            minute=first.minute - first.minute % 30, second=0, microsecond=0
        )
        first += SLOT
    stop = end.astimezone(dt.UTC)
    candidates: list[tuple[dt.datetime, float | None]] = []
    moment = first
    while moment + SLOT <= stop:
        value = prices.get(moment)
        candidates.append((moment, None if value is None else float(value)))
        moment += SLOT
    if not continuous:
        known = [(value, moment) for moment, value in candidates if value is not None]
        known.sort()
        return sorted(moment for _, moment in known[:count])
    best: tuple[float, int] | None = None
    for index in range(len(candidates) - count + 1):
        window = [value for _, value in candidates[index : index + count]]
        if any(value is None for value in window):
            continue
        total = math.fsum(value for value in window if value is not None)
        if best is None or total < best[0] - _EPS:
            best = (total, index)
    if best is None:
        return []
    return [moment for moment, _ in candidates[best[1] : best[1] + count]]
