"""The Agile planner is exact for its inputs, stable, and never plans on unknown prices."""

from collections.abc import Iterator, Sequence
import datetime as dt
import itertools
import math
import random
import re

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from custom_components.energy_hub.agile.client import agile_day
from custom_components.energy_hub.agile.planner import (
    SLOT,
    TARGET_PENALTY,
    Action,
    Battery,
    PlanOptions,
    SlotInput,
    cheapest_slots,
    execute,
    plan,
    solve,
    value_curve,
)

T0 = dt.datetime(2026, 1, 14, 22, 0, tzinfo=dt.UTC)


def slots_of(
    prices: Sequence[float | None],
    load: list[float] | None = None,
    pv: list[float] | None = None,
    export: float | list[float] = 15.0,
    start: dt.datetime = T0,
) -> list[SlotInput]:
    count = len(prices)
    load = load or [0.5] * count
    pv = pv or [0.0] * count
    exports = export if isinstance(export, list) else [export] * count
    return [
        SlotInput(start + i * SLOT, prices[i], exports[i], load[i], pv[i])
        for i in range(count)
    ]


# Brute force: every path of levels, with the model's rules written out again ----------


def brute_force(
    slots: list[SlotInput], battery: Battery, options: PlanOptions, step: float
) -> float:
    """Least objective over every feasible sequence of levels (no DP)."""
    top = round((battery.capacity_kwh - battery.floor_kwh) / step)
    eta_c, eta_d = battery.charge_efficiency, battery.discharge_efficiency
    kc = math.floor(battery.max_charge_kwh * eta_c / step + 1e-9)

    def moves(level: int, slot: SlotInput) -> Iterator[tuple[int, float]]:
        assert slot.import_price is not None
        assert slot.export_price is not None
        net = slot.load_kwh - slot.pv_kwh
        surplus, deficit = max(-net, 0.0), max(net, 0.0)
        capped = (
            options.grid_charge_price_cap is not None
            and slot.import_price > options.grid_charge_price_cap
        )
        # The PV surplus the battery must take first, to the nearest level.
        must = min(round(min(surplus, battery.max_charge_kwh) * eta_c / step), kc)
        for after in range(top + 1):
            change = after - level
            gain = change * step
            ac = gain / eta_c if gain > 0 else gain * eta_d
            if (
                ac > battery.max_charge_kwh + 1e-9
                or -ac > battery.max_discharge_kwh + 1e-9
            ):
                continue
            if ac < 0 and not options.allow_export and -ac > deficit + 1e-9:
                continue  # the battery never exports
            if ac >= 0 and surplus > 0 and change < min(must, top - level):
                continue  # PV before export
            if capped and ac > 0 and change > (must if surplus > 0 else 0):
                continue  # no grid charging above the cap
            grid = net + ac
            price = slot.import_price if grid > 0 else slot.export_price
            yield after, price * grid + battery.wear_cost * max(-ac, 0.0)

    target = None
    if options.target_soc_kwh is not None:
        target = math.ceil((options.target_soc_kwh - battery.floor_kwh) / step - 1e-6)
    best = math.inf

    def walk(index: int, level: int, cost: float) -> None:
        nonlocal best
        if index == len(slots):
            value = cost - options.stored_value * level * step
            if target is not None:
                value += TARGET_PENALTY * max(target - level, 0) * step
            best = min(best, value)
            return
        for after, slot_cost in moves(level, slots[index]):
            walk(index + 1, after, cost + slot_cost)

    walk(0, round((battery.soc_kwh - battery.floor_kwh) / step), 0.0)
    return best


def random_small_case(
    rng: random.Random,
) -> tuple[list[SlotInput], Battery, PlanOptions]:
    count = rng.randint(3, 5)
    prices = [
        rng.choice([0.0, round(rng.uniform(-8, 40), 2), round(rng.uniform(5, 30), 2)])
        for _ in range(count)
    ]
    load = [round(rng.uniform(0, 0.5), 2) for _ in range(count)]
    pv = [round(rng.choice([0.0, rng.uniform(0, 0.8)]), 2) for _ in range(count)]
    export = [round(rng.uniform(0, 20), 2) for _ in range(count)]
    battery = Battery(
        capacity_kwh=1.2,
        soc_kwh=round(rng.choice([0.2, 0.5, 0.9, 1.2]), 1),
        floor_kwh=0.2,
        max_charge_kwh=rng.choice([0.25, 0.35]),
        max_discharge_kwh=rng.choice([0.2, 0.3]),
        wear_cost=rng.choice([0.0, 2.0]),
    )
    options = PlanOptions(
        grid_step_kwh=0.1,
        allow_export=rng.random() < 0.3,
        grid_charge_price_cap=rng.choice([None, 10.0]),
        stored_value=rng.choice([0.0, 8.0]),
        target_soc_kwh=rng.choice([None, None, 0.9]),
    )
    return slots_of(prices, load, pv, export), battery, options


@pytest.mark.parametrize("seed", range(40))
def test_the_dp_finds_the_brute_force_optimum(seed: int) -> None:
    slots, battery, options = random_small_case(random.Random(seed))
    solution = solve(slots, battery, options)
    assert solution.levels.step == pytest.approx(0.1)
    assert solution.objective == pytest.approx(
        brute_force(slots, battery, options, 0.1), abs=1e-7
    )


# An independent solver: a MILP of the same physics, continuous energies ------------------


def milp_optimum(
    slots: list[SlotInput], battery: Battery, options: PlanOptions
) -> float:
    """The continuous optimum (scipy/HiGHS): cost - stored value above the floor."""
    count = len(slots)
    eta_c, eta_d = battery.charge_efficiency, battery.discharge_efficiency
    cmax, dmax = battery.max_charge_kwh, battery.max_discharge_kwh
    big = 20.0
    # per slot: charge, discharge, import, export, soc after, u, v, y1, y2
    width = 9
    size = width * count

    def var(index: int, offset: int) -> int:
        return index * width + offset

    objective = np.zeros(size)
    lower, upper = np.zeros(size), np.zeros(size)
    integrality = np.zeros(size)
    rows: list[np.ndarray] = []
    row_lower: list[float] = []
    row_upper: list[float] = []

    def row(coefficients: dict[int, float], low: float, high: float) -> None:
        line = np.zeros(size)
        for position, value in coefficients.items():
            line[position] += value
        rows.append(line)
        row_lower.append(low)
        row_upper.append(high)

    for index, slot in enumerate(slots):
        assert slot.import_price is not None
        assert slot.export_price is not None
        net = slot.load_kwh - slot.pv_kwh
        surplus, deficit = max(-net, 0.0), max(net, 0.0)
        c, d, imp, exp, soc, u, v, y1, y2 = (var(index, k) for k in range(width))
        capped = (
            options.grid_charge_price_cap is not None
            and slot.import_price > options.grid_charge_price_cap
        )
        upper[c] = min(cmax, surplus) if capped else cmax
        upper[d] = dmax if options.allow_export else min(dmax, deficit)
        upper[imp] = upper[exp] = big
        lower[soc], upper[soc] = battery.floor_kwh, battery.capacity_kwh
        for binary in (u, v, y1, y2):
            upper[binary] = 1
            integrality[binary] = 1
        objective[imp] = slot.import_price
        objective[exp] = -slot.export_price
        objective[d] = battery.wear_cost
        row({imp: 1, exp: -1, c: -1, d: 1}, net, net)
        previous = {var(index - 1, 4): -1.0} if index else {}
        start = 0.0 if index else battery.soc_kwh
        row({soc: 1, c: -eta_c, d: 1 / eta_d, **previous}, start, start)
        row({imp: 1, u: -big}, -np.inf, 0)
        row({exp: 1, u: big}, -np.inf, big)
        row({c: 1, v: -cmax}, -np.inf, 0)
        row({d: 1, v: dmax}, -np.inf, dmax)
        # PV before export: exporting only while charging at full power or full.
        if options.allow_export:
            row({exp: 1, y1: -surplus, y2: -surplus, v: big}, -np.inf, big)
        else:
            row({exp: 1, y1: -surplus, y2: -surplus}, -np.inf, 0)
        row({c: 1, y1: -cmax}, 0, np.inf)
        row({soc: 1, y2: -battery.capacity_kwh}, 0, np.inf)
    objective[var(count - 1, 4)] -= options.stored_value
    result = milp(
        objective,
        constraints=LinearConstraint(np.array(rows), row_lower, row_upper),
        integrality=integrality,
        bounds=Bounds(lower, upper),
        options={"mip_rel_gap": 1e-7},
    )
    assert result.success, result.message
    return float(result.fun) + options.stored_value * battery.floor_kwh


def random_day(
    rng: random.Random, count: int
) -> tuple[list[SlotInput], Battery, PlanOptions]:
    prices = []
    for index in range(count):
        hour = (index / 2) % 24
        value = 12 + 8 * math.sin(2 * math.pi * (hour - 11) / 24) + rng.gauss(0, 4)
        if 16 <= hour < 19:
            value += 12
        if rng.random() < 0.05:
            value = -rng.uniform(0, 10)
        prices.append(round(value, 3))
    sunny = rng.uniform(0, 1)
    load = [
        round(rng.uniform(0.1, 0.9) + (0.6 if rng.random() < 0.1 else 0), 3)
        for _ in range(count)
    ]
    pv = [
        round(
            max(0.0, sunny * 1.6 * math.sin(math.pi * ((i / 2) % 24 - 5) / 14))
            * rng.uniform(0.6, 1),
            3,
        )
        if 5 <= (i / 2) % 24 <= 19
        else 0.0
        for i in range(count)
    ]
    capacity = rng.choice([13.5, 5.0])
    battery = Battery(
        capacity_kwh=capacity,
        soc_kwh=rng.uniform(0.05 * capacity, capacity),
        floor_kwh=0.05 * capacity,
        max_charge_kwh=2.5 if capacity > 10 else 1.5,
        max_discharge_kwh=2.5 if capacity > 10 else 1.5,
    )
    options = PlanOptions(
        stored_value=rng.choice([0.0, 6.0]),
        grid_charge_price_cap=rng.choice([None, None, 15.0]),
    )
    return slots_of(prices, load, pv, rng.choice([15.0, 4.0])), battery, options


@pytest.mark.parametrize("seed", range(12))
def test_the_plan_matches_an_independent_milp_within_half_a_percent(seed: int) -> None:
    rng = random.Random(1000 + seed)
    slots, battery, options = random_day(rng, rng.choice([24, 36, 48]))
    result = plan(slots, battery, options)
    best = milp_optimum(slots, battery, options)
    # The plan is feasible physics, so it cannot beat the MILP; and it is close.
    assert result.objective >= best - 1e-6
    assert result.objective - best <= 0.005 * abs(best) + 0.05


# Rules the plan keeps ---------------------------------------------------------------------------


def test_pv_surplus_charges_before_anything_is_exported() -> None:
    # Export pays more than the later import costs: an LP would export the
    # PV and buy later; the model stores it first.
    slots = slots_of([4.0] * 4, load=[0.2] * 4, pv=[1.2] * 4, export=30.0)
    battery = Battery(13.5, 0.675, 0.675)
    result = plan(slots, battery)
    for slot in result.slots:
        assert slot.battery_in_kwh == pytest.approx(1.0)
        assert slot.grid_export_kwh == pytest.approx(0.0, abs=1e-9)


def test_the_battery_never_exports_unless_allowed() -> None:
    prices = [5.0] * 4 + [60.0] * 4
    slots = slots_of(prices, load=[0.3] * 8, export=[5.0] * 4 + [55.0] * 4)
    battery = Battery(13.5, 10.0, 0.675)
    kept = plan(slots, battery)
    assert all(
        slot.grid_export_kwh == pytest.approx(0.0, abs=1e-9) for slot in kept.slots
    )
    assert {slot.action for slot in kept.slots[4:]} == {Action.SELF_CONSUMPTION}
    exporting = plan(slots, battery, PlanOptions(allow_export=True))
    assert [slot.action for slot in exporting.slots[4:]] == [Action.EXPORT] * 4
    assert exporting.cost < kept.cost
    assert "export down to" in exporting.slots[4].reason


def test_charges_in_cheap_slots_for_the_expensive_ones_with_a_reason() -> None:
    prices = [4.1, 4.5, 20.0, 20.0, 28.0, 30.0, 28.0, 20.0]
    slots = slots_of(
        prices, load=[0.4] * 8, start=dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)
    )
    result = plan(slots, Battery(13.5, 0.675, 0.675))
    assert result.slots[0].action is Action.CHARGE
    assert re.fullmatch(
        r"charge to \d+\.\d kWh: 4\.1p now vs 30\.0p at 16:30", result.slots[0].reason
    )
    assert result.slots[5].action is Action.SELF_CONSUMPTION
    assert result.slots[5].reason.startswith("use battery: 30.0p now vs 4.1p at 14:00")
    assert result.cost < result.cost_no_battery
    assert result.cost <= result.cost_baseline
    assert result.next_charge(slots[0].start) == slots[0].start
    assert len(result.trajectory) == len(slots) + 1


def test_a_cap_forbids_grid_charging_above_it() -> None:
    slots = slots_of([12.0, 12.0, 40.0, 40.0])
    result = plan(
        slots, Battery(13.5, 0.675, 0.675), PlanOptions(grid_charge_price_cap=10.0)
    )
    assert all(slot.action is not Action.CHARGE for slot in result.slots)


def test_an_unreachable_target_gives_the_closest_plan_and_says_why() -> None:
    slots = slots_of([30.0] * 4, load=[0.3] * 4)
    battery = Battery(13.5, 0.675, 0.675)
    target_time = slots[-1].end
    result = plan(
        slots, battery, PlanOptions(target_soc_kwh=13.5, target_time=target_time)
    )
    # 4 slots of 2.5 kWh at 95 %: 9.5 kWh more at most.
    assert result.slots[-1].soc_end_kwh == pytest.approx(0.675 + 9.5, abs=0.02)
    assert all(slot.action is Action.CHARGE for slot in result.slots)
    assert len(result.warnings) == 1
    assert "cannot be met" in result.warnings[0]
    reachable = plan(
        slots, battery, PlanOptions(target_soc_kwh=5.0, target_time=target_time)
    )
    assert reachable.warnings == ()
    assert reachable.slots[-1].soc_end_kwh >= 5.0 - 0.02


def test_a_target_beyond_the_known_prices_waits() -> None:
    slots = slots_of([30.0] * 4)
    later = slots[-1].end + dt.timedelta(hours=5)
    result = plan(
        slots,
        Battery(13.5, 0.675, 0.675),
        PlanOptions(target_soc_kwh=10.0, target_time=later),
    )
    assert all(slot.action is not Action.CHARGE for slot in result.slots)


# Unknown prices -------------------------------------------------------------------------------------


def test_unknown_prices_end_the_plan_and_are_never_zero() -> None:
    prices: list[float | None] = [20.0, 18.0, None, 1.0, 1.0]
    slots = slots_of(prices)
    result = plan(slots, Battery(13.5, 5.0, 0.675))
    assert [slot.start for slot in result.slots] == [slots[0].start, slots[1].start]
    assert result.end == slots[2].start
    assert result.warnings and "prices known until" in result.warnings[0]
    assert all(slot.import_price != 0 for slot in result.slots)


def test_no_known_price_no_plan() -> None:
    result = plan(slots_of([None, None]), Battery(13.5, 5.0, 0.675))
    assert result.slots == ()
    assert result.warnings


def test_zero_and_negative_prices_are_prices() -> None:
    slots = slots_of([0.0, -5.0, 25.0, 25.0], load=[0.5] * 4)
    result = plan(slots, Battery(13.5, 0.675, 0.675))
    assert result.slots[1].action is Action.CHARGE
    assert result.slots[1].import_price == -5.0
    assert result.slots[0].import_price == 0.0


# Clock changes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count"), [(dt.date(2026, 3, 29), 46), (dt.date(2026, 10, 25), 50)]
)
def test_clock_change_days_plan_every_half_hour(day: dt.date, count: int) -> None:
    start, end = agile_day(day)
    slots_count = int((end - start) / SLOT)
    assert slots_count == count
    prices = [10.0 + (i % 7) for i in range(count)]
    slots = slots_of(prices, start=start)
    result = plan(slots, Battery(13.5, 0.675, 0.675))
    assert len(result.slots) == count
    assert result.end == end
    times = [slot.start for slot in result.slots]
    assert all(b - a == SLOT for a, b in itertools.pairwise(times))


# Determinism and stability ------------------------------------------------------------------------------


def test_ties_are_broken_the_same_way_every_time() -> None:
    slots = slots_of([10.0] * 6 + [30.0] * 2, load=[0.5] * 8)
    battery = Battery(13.5, 0.675, 0.675)
    first = plan(slots, battery)
    for _ in range(3):
        again = plan(slots, battery)
        assert [s.action for s in again.slots] == [s.action for s in first.slots]
        assert [s.soc_end_kwh for s in again.slots] == [
            s.soc_end_kwh for s in first.slots
        ]


def test_the_running_slot_keeps_its_action() -> None:
    slots = slots_of([5.0, 30.0, 30.0, 30.0], load=[0.5] * 4)
    battery = Battery(13.5, 0.675, 0.675)
    first = plan(slots, battery)
    assert first.slots[0].action is Action.CHARGE
    # Mid-slot the price of the rest changes so that charging no longer pays.
    cheaper = slots_of([5.0, 1.0, 1.0, 1.0], load=[0.5] * 4)
    running = T0 + dt.timedelta(minutes=10)
    replanned = plan(cheaper, battery, now=running, previous=first)
    assert replanned.slots[0].action is Action.CHARGE
    fresh = plan(cheaper, battery)
    assert fresh.slots[0].action is not Action.CHARGE


def test_a_new_plan_replaces_the_old_only_when_clearly_better() -> None:
    slots = slots_of([5.0, 6.0, 30.0, 30.0], load=[0.5] * 4)
    battery = Battery(13.5, 0.675, 0.675)
    first = plan(slots, battery)
    # The same inputs: nothing better, the previous plan stays.
    again = plan(slots, battery, previous=first)
    assert not again.replaced
    assert [s.action for s in again.slots] == [s.action for s in first.slots]
    # Much better now: replaced.
    changed = slots_of([30.0, 6.0, 30.0, 1.0], load=[0.5] * 4)
    assert plan(changed, battery, previous=first).replaced
    # More slots known: replaced.
    longer = slots_of([5.0, 6.0, 30.0, 30.0, 2.0, 2.0], load=[0.5] * 6)
    assert plan(longer, battery, previous=first).replaced


# Execution -----------------------------------------------------------------------------------------------


def test_execute_follows_the_model() -> None:
    battery = Battery(13.5, 5.0, 0.675)
    charge = execute(
        Action.CHARGE, 13.5, 5.0, load_kwh=0.5, pv_kwh=0.0, battery=battery
    )
    assert charge.battery_in_kwh == 2.5
    assert charge.soc_end_kwh == pytest.approx(5.0 + 2.375)
    assert charge.grid_import_kwh == pytest.approx(3.0)
    use = execute(
        Action.SELF_CONSUMPTION, None, 5.0, load_kwh=3.0, pv_kwh=0.0, battery=battery
    )
    assert use.battery_out_kwh == 2.5
    assert use.soc_end_kwh == pytest.approx(5.0 - 2.5 / 0.95)
    hold = execute(Action.HOLD, None, 5.0, load_kwh=1.0, pv_kwh=2.0, battery=battery)
    assert hold.battery_in_kwh == pytest.approx(1.0)
    assert hold.grid_export_kwh == pytest.approx(0.0)
    floor = execute(
        Action.SELF_CONSUMPTION, None, 0.7, load_kwh=1.0, pv_kwh=0.0, battery=battery
    )
    assert floor.soc_end_kwh == pytest.approx(0.675)
    seed = execute(
        Action.CHARGE,
        13.23,
        5.0,
        load_kwh=0.0,
        pv_kwh=0.0,
        battery=battery,
        charge_limit_kwh=1.75,
    )
    assert seed.battery_in_kwh == 1.75


# Cheapest slots ---------------------------------------------------------------------------------------------


def test_cheapest_slots_continuous_or_not() -> None:
    prices: dict[dt.datetime, float | None] = {
        T0 + i * SLOT: value
        for i, value in enumerate([9.0, 3.0, 8.0, 2.0, 2.5, 7.0, None, 1.0, 1.0, 6.0])
    }
    end = T0 + 10 * SLOT
    assert cheapest_slots(prices, T0, end, 1.5, continuous=False) == [
        T0 + 3 * SLOT,
        T0 + 7 * SLOT,
        T0 + 8 * SLOT,
    ]
    assert cheapest_slots(prices, T0, end, 1.0, continuous=True) == [
        T0 + 7 * SLOT,
        T0 + 8 * SLOT,
    ]
    assert cheapest_slots(prices, T0, end, 1.5, continuous=True) == [
        T0 + 7 * SLOT,
        T0 + 8 * SLOT,
        T0 + 9 * SLOT,
    ]
    # A run may not cross the unknown slot.
    assert cheapest_slots(prices, T0, end, 2, continuous=True) == [
        T0 + i * SLOT for i in range(1, 5)
    ]
    # Only whole slots between the times; fewer known than asked: what is known.
    assert cheapest_slots(
        prices, T0 + dt.timedelta(minutes=10), T0 + 2 * SLOT, 2, False
    ) == [T0 + SLOT]
    assert cheapest_slots(prices, T0, T0 + 3 * SLOT, 2, continuous=True) == []
    # Ties go to the earlier slot.
    flat = {T0 + i * SLOT: 5.0 for i in range(4)}
    assert cheapest_slots(flat, T0, T0 + 4 * SLOT, 0.5, False) == [T0]
    assert cheapest_slots(flat, T0, T0 + 4 * SLOT, 1.0, True) == [T0, T0 + SLOT]


# The value of energy left at the end ------------------------------------------------------------


def test_energy_left_at_the_end_is_valued_by_the_next_day() -> None:
    battery = Battery(13.5, 0.675, 0.675)
    # The next day: dear in the evening; 5 kWh of load there.
    day = slots_of(
        [5.0] * 32 + [30.0] * 10 + [5.0] * 6, load=[0.0] * 32 + [0.5] * 10 + [0.0] * 6
    )
    curve = value_curve(day, battery, PlanOptions())
    kwh = [point[0] for point in curve]
    worth = [point[1] for point in curve]
    assert kwh[0] == pytest.approx(0.675)
    assert kwh[-1] == pytest.approx(13.5)
    assert worth[0] == 0.0
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(worth))
    # Beyond the 5 kWh the evening needs, more energy is worth (almost) nothing.
    assert worth[-1] == pytest.approx(np.interp(0.675 + 5 / 0.95, kwh, worth), abs=0.5)
    # Today ends with cheap prices: charge for tomorrow evening, but only what it needs.
    today = slots_of([4.0] * 4, load=[0.0] * 4)
    kept = plan(today, battery, PlanOptions(end_curve=curve))
    assert 0.675 + 4.5 < kept.slots[-1].soc_end_kwh < 0.675 + 6.5
    assert kept.stored_credit > 0
    assert plan(today, battery).slots[-1].soc_end_kwh == pytest.approx(0.675)
