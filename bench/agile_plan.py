"""Octopus Agile battery plans on a fixed household model: what each strategy costs.

Replays half-hourly Agile import prices (p/kWh) against a household's load and
PV and reports, side by side: no battery, the seed scheduler (baseline), the
planner (re-planned every half-hour on the prices known then and forecasts
from the past only, run against the actual load and PV) and the
perfect-foresight optimum (the whole span solved at once on the planner's
0.005 kWh grid, knowing everything). The model, exactly (`docs/agile.md`):

- battery 13.5 kWh usable, floor 5 % (0.675 kWh), starting at the floor; per
  half-hour at most 2.5 kWh in (AC, before losses) and 2.5 kWh out (AC, after
  losses); 95 % efficiency each way;
- PV surplus charges the battery before anything is exported; the battery
  never exports; export earns 15 p/kWh; import costs the slot's price;
- at 16:00 UTC each day the prices from 23:00 UTC that day to 23:00 UTC the
  next become known;
- seed baseline: self-consumption, plus grid charging at 1.75 kWh per slot (AC)
  up to 98 % in the 5 cheapest slots of each newly published window.

capture = (no battery - planner) / (no battery - optimum). Load and PV come
from CSV files (`timestamp_utc,load_kwh` / `timestamp_utc,pv_kwh`, start of
the half-hour, mapped onto the price span by UTC day of year and half-hour,
missing values 0) or, without them, the synthetic household described in
`docs/agile.md`. The default span is the last full calendar year of the
price file. Prints the figures and ends with one line of JSON.

    .venv/bin/python -m bench.agile_plan --prices PRICES.csv \
        [--load LOAD.csv --pv PV.csv] [--from 2020-01-01 --to 2020-12-31]
"""

import argparse
from collections.abc import Callable, Sequence
import csv
from dataclasses import replace
import datetime as dt
import json
import math
from pathlib import Path
import statistics
import time
from zoneinfo import ZoneInfo

import numpy as np

from custom_components.energy_hub.agile.forecast import (
    SlotHistory,
    forecast_load,
    forecast_pv,
    stored_energy_curve,
    stored_energy_value,
)
from custom_components.energy_hub.agile.planner import (
    Action,
    Battery,
    Plan,
    PlanOptions,
    SlotInput,
    actions_of,
    execute,
    plan,
    solve,
)

SLOT = dt.timedelta(minutes=30)
DAY = dt.timedelta(days=1)
UK = ZoneInfo("Europe/London")
BATTERY = Battery(
    capacity_kwh=13.5,
    soc_kwh=0.675,
    floor_kwh=0.675,
    max_charge_kwh=2.5,
    max_discharge_kwh=2.5,
    charge_efficiency=0.95,
    discharge_efficiency=0.95,
)
EXPORT_PRICE = 15.0
PUBLISH_HOUR_UTC = 16
WINDOW_START_HOUR_UTC = 23
SEED_SLOTS = 5
SEED_CHARGE_KWH = 1.75
SEED_TARGET = 0.98 * BATTERY.capacity_kwh
HISTORY_DAYS = 14  # profile days before the span that the forecaster starts with

# The synthetic household (docs/agile.md) --------------------------------------------

LATITUDE = math.radians(52.2)  # Cambridge, in region A (Eastern England)
LONGITUDE_DEG = 0.12
PV_PEAK_KW = 4.0
PV_DERATE = 0.9
LOAD_SCALE = 0.88  # about 3,600 kWh a year


def _load_shape(weekend: bool) -> list[float]:
    """kWh per half-hour by UK wall-clock half-hour, before season and noise."""
    shape: list[float] = []
    for index in range(48):
        hour = index / 2
        if hour < 6:
            value = 0.10
        elif hour < 7:
            value = 0.16 if weekend else 0.20
        elif hour < 9:
            value = 0.24 if weekend else 0.32
        elif hour < 10:
            value = 0.30 if weekend else 0.16
        elif hour < 16:
            value = 0.22 if weekend else 0.14
        elif hour < 19:
            value = 0.40
        elif hour < 22:
            value = 0.28
        else:
            value = 0.16
        shape.append(value * LOAD_SCALE)
    return shape


WEEKDAY_SHAPE = _load_shape(False)
WEEKEND_SHAPE = _load_shape(True)


# Weather spells: slow waves with fixed phases (unit variance overall).
WEATHER_PERIODS = (4.1, 6.3, 9.7, 14.2, 23.5)
WEATHER_PHASES = tuple(
    float(phase) for phase in np.random.default_rng(16).uniform(0, 2 * math.pi, 5)
)


def _weather(day: dt.date) -> float:
    waves = sum(
        math.sin(2 * math.pi * day.toordinal() / period + phase)
        for period, phase in zip(WEATHER_PERIODS, WEATHER_PHASES, strict=True)
    )
    return waves / math.sqrt(len(WEATHER_PERIODS) / 2)


def synthetic_day(day: dt.date) -> tuple[list[float], list[float]]:
    """Load and PV (kWh) of the 48 UTC half-hours of `day`; the same on every run."""
    rng = np.random.default_rng([16, day.toordinal()])
    doy = day.timetuple().tm_yday
    season = 1 + 0.25 * math.cos(2 * math.pi * (doy - 15) / 365.25)
    day_factor = float(rng.lognormal(0.0, 0.12))
    # Clearness: sunnier on average in summer; weather lasts a few days.
    noise = float(rng.normal())
    z = 0.75 * _weather(day) + 0.66 * noise
    mean = 0.6 * math.cos(2 * math.pi * (doy - 172) / 365.25) - 0.1
    clearness = 0.1 + 0.9 / (1 + math.exp(-(1.3 * z + mean)))
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    load: list[float] = []
    pv: list[float] = []
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    for index in range(48):
        moment = start + index * SLOT
        local = moment.astimezone(UK)
        shape = WEEKEND_SHAPE if local.weekday() >= 5 else WEEKDAY_SHAPE
        base = shape[local.hour * 2 + local.minute // 30] * season * day_factor
        value = base * float(rng.lognormal(-0.03, 0.25))
        if rng.random() < (0.06 if 7 <= local.hour < 22 else 0.01):
            value += float(rng.uniform(0.4, 1.0))  # oven, washing machine, kettle run
        load.append(round(value, 4))
        hour = index / 2 + 0.25 + LONGITUDE_DEG / 15
        angle = math.radians(15 * (hour - 12))
        sin_elevation = math.sin(LATITUDE) * math.sin(declination) + math.cos(
            LATITUDE
        ) * math.cos(declination) * math.cos(angle)
        clear = PV_PEAK_KW * PV_DERATE * max(sin_elevation, 0.0) ** 1.15 * 0.5
        passing = max(0.0, 1 + (1 - clearness) * float(rng.normal(0.0, 0.5)))
        pv.append(round(clear * clearness * passing, 4))
    return load, pv


# Inputs ------------------------------------------------------------------------------


def _parse_utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def read_prices(path: Path) -> dict[dt.datetime, float]:
    """`valid_from_utc,valid_to_utc,value_inc_vat` rows as {UTC start: p/kWh}."""
    prices: dict[dt.datetime, float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row.get("value_inc_vat")
            if value in (None, ""):
                continue  # unknown, never 0
            prices[_parse_utc(row["valid_from_utc"])] = float(value)
    return prices


def read_profile(path: Path, column: str) -> dict[tuple[int, int], float]:
    """A load or PV CSV as {(UTC day of year, half-hour): kWh}."""
    profile: dict[tuple[int, int], float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row.get(column)
            if value in (None, ""):
                continue
            moment = _parse_utc(row["timestamp_utc"])
            key = (moment.timetuple().tm_yday, moment.hour * 2 + moment.minute // 30)
            profile[key] = float(value)
    return profile


def default_span(prices: dict[dt.datetime, float]) -> tuple[dt.date, dt.date]:
    """The last calendar year the file covers in full (else its last 365 full days)."""
    first, last = min(prices), max(prices)
    year = (last + SLOT).year - 1
    start = dt.date(year, 1, 1)
    end = dt.date(year, 12, 31)
    if dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC) >= first:
        return start, end
    end_day = (last + SLOT - DAY).date()
    return end_day - dt.timedelta(days=364), end_day


class Household:
    """Actual load and PV per UTC half-hour, from CSVs or the synthetic model."""

    def __init__(
        self,
        load: dict[tuple[int, int], float] | None,
        pv: dict[tuple[int, int], float] | None,
    ) -> None:
        self.load_profile, self.pv_profile = load, pv
        self._days: dict[dt.date, tuple[list[float], list[float]]] = {}

    def day(self, day: dt.date) -> tuple[list[float], list[float]]:
        """Load and PV of the 48 UTC half-hours of `day`."""
        if day not in self._days:
            if self.load_profile is None or self.pv_profile is None:
                self._days[day] = synthetic_day(day)
            else:
                doy = day.timetuple().tm_yday
                self._days[day] = (
                    [self.load_profile.get((doy, i), 0.0) for i in range(48)],
                    [self.pv_profile.get((doy, i), 0.0) for i in range(48)],
                )
        return self._days[day]

    def at(self, moment: dt.datetime) -> tuple[float, float]:
        """Load and PV of the half-hour starting at `moment`."""
        load, pv = self.day(moment.date())
        index = moment.hour * 2 + moment.minute // 30
        return load[index], pv[index]


def known_until(moment: dt.datetime) -> dt.datetime:
    """End of the prices known at `moment` under the benchmark's publication rule."""
    day = moment.date()
    if moment.hour >= PUBLISH_HOUR_UTC:
        day += DAY
    return dt.datetime.combine(day, dt.time(WINDOW_START_HOUR_UTC), tzinfo=dt.UTC)


# Strategies ------------------------------------------------------------------------------

type Choice = tuple[Action, float | None, float | None]
type ActionChooser = Callable[[int, dt.datetime, float], Choice]


def run_none(
    slots: Sequence[dt.datetime], prices: dict[dt.datetime, float], home: Household
) -> float:
    total = 0.0
    for start in slots:
        load, pv = home.at(start)
        net = load - pv
        total += net * (prices[start] if net > 0 else EXPORT_PRICE)
    return total


def run_actions(
    slots: Sequence[dt.datetime],
    prices: dict[dt.datetime, float],
    home: Household,
    choose: ActionChooser,
) -> float:
    soc = BATTERY.soc_kwh
    total = 0.0
    for index, start in enumerate(slots):
        load, pv = home.at(start)
        action, target, limit = choose(index, start, soc)
        result = execute(
            action,
            target,
            soc,
            load_kwh=load,
            pv_kwh=pv,
            battery=BATTERY,
            charge_limit_kwh=limit,
        )
        total += result.cost(prices[start], EXPORT_PRICE)
        soc = result.soc_end_kwh
    return total


def seed_charge_slots(
    slots: Sequence[dt.datetime], prices: dict[dt.datetime, float]
) -> set[dt.datetime]:
    """Charge slots of the seed: the 5 cheapest of each window when it is published."""
    charge: set[dt.datetime] = set()
    first_day = slots[0].date() - DAY
    day = first_day
    while True:
        start = dt.datetime.combine(day, dt.time(WINDOW_START_HOUR_UTC), tzinfo=dt.UTC)
        if start > slots[-1]:
            break
        window = [start + i * SLOT for i in range(48) if start + i * SLOT in prices]
        window.sort(key=lambda moment: (prices[moment], moment))
        charge.update(window[:SEED_SLOTS])
        day += DAY
    return charge


def _inputs(
    starts: Sequence[dt.datetime],
    prices: dict[dt.datetime, float],
    load: Sequence[float],
    pv: Sequence[float],
) -> list[SlotInput]:
    return [
        SlotInput(start, prices[start], EXPORT_PRICE, load_kwh, pv_kwh)
        for start, load_kwh, pv_kwh in zip(starts, load, pv, strict=True)
    ]


def run_optimum(
    slots: Sequence[dt.datetime], prices: dict[dt.datetime, float], home: Household
) -> tuple[float, float]:
    """Perfect foresight: the whole span at once; (executed cost, grid cost)."""
    actual = [home.at(start) for start in slots]
    inputs = _inputs(slots, prices, [a for a, _ in actual], [b for _, b in actual])
    options = PlanOptions()
    solution = solve(inputs, BATTERY, options)
    actions = actions_of(solution, inputs)
    cost = run_actions(slots, prices, home, lambda i, _s, _soc: actions[i])
    return cost, solution.cost


class Planner:
    """The rolling planner of the benchmark, fed only what it would know."""

    def __init__(
        self,
        prices: dict[dt.datetime, float],
        home: Household,
        first: dt.datetime,
        *,
        stable: bool = True,
        forecast: str = "integration",
        end_value: str = "curve",
    ) -> None:
        self.prices, self.home = prices, home
        self.stable, self.forecast = stable, forecast
        self.end_value = end_value
        self.load_history = SlotHistory()
        self.pv_history = SlotHistory(tz=None)
        start = first - HISTORY_DAYS * DAY
        while start < first:
            load, pv = home.at(start)
            self.load_history.add(start, load)
            self.pv_history.add(start, pv)
            start += SLOT
        self.previous: Plan | None = None
        self.times_ms: list[float] = []

    def horizon(self, now: dt.datetime) -> list[dt.datetime]:
        end = known_until(now)
        starts: list[dt.datetime] = []
        moment = now
        while moment < end and moment in self.prices:
            starts.append(moment)
            moment += SLOT
        return starts

    def inputs(self, now: dt.datetime, starts: list[dt.datetime]) -> list[SlotInput]:
        if self.forecast == "perfect":
            actual = [self.home.at(start) for start in starts]
            load, pv = [a for a, _ in actual], [b for _, b in actual]
        else:
            load = forecast_load(self.load_history, starts, now=now)
            pv = forecast_pv(self.pv_history, starts, now=now)
        return _inputs(starts, self.prices, load, pv)

    def options(self, now: dt.datetime, starts: list[dt.datetime]) -> PlanOptions:
        if self.end_value == "curve":
            end = starts[-1] + SLOT
            last_day = [
                end - (48 - i) * SLOT
                for i in range(48)
                if end - (48 - i) * SLOT in self.prices
            ]
            inputs = [
                SlotInput(moment, self.prices[moment], EXPORT_PRICE, 0.0, 0.0)
                for moment in last_day
            ]
            after = [moment + DAY for moment in last_day]
            if self.forecast == "perfect":
                actual = [self.home.at(moment) for moment in after]
                load, pv = [a for a, _ in actual], [b for _, b in actual]
            else:
                load = forecast_load(self.load_history, after, now=now)
                pv = forecast_pv(self.pv_history, after, now=now)
            curve = stored_energy_curve(inputs, load, pv, BATTERY, PlanOptions())
            return PlanOptions(end_curve=curve)
        if self.end_value == "none":
            return PlanOptions()
        recent = [
            self.prices[moment]
            for moment in (starts[-1] - i * SLOT for i in range(48))
            if moment in self.prices
        ]
        return PlanOptions(stored_value=stored_energy_value(recent))

    def __call__(self, index: int, now: dt.datetime, soc: float) -> Choice:
        if index:
            previous = now - SLOT
            load, pv = self.home.at(previous)
            self.load_history.add(previous, load)
            self.pv_history.add(previous, pv)
        starts = self.horizon(now)
        inputs = self.inputs(now, starts)
        battery = replace(BATTERY, soc_kwh=soc)
        began = time.perf_counter()  # the end value and the plan
        options = self.options(now, starts)
        result = plan(
            inputs,
            battery,
            options,
            now=now,
            previous=self.previous if self.stable else None,
        )
        self.times_ms.append((time.perf_counter() - began) * 1000)
        self.previous = result
        first = result.slots[0]
        return first.action, first.target_soc_kwh, None


def plan_48h_ms(
    prices: dict[dt.datetime, float],
    home: Household,
    slots: Sequence[dt.datetime],
    runs: int = 20,
) -> float:
    """Median time of one plan over a full 48-hour horizon (96 slots), end value included."""
    times: list[float] = []
    step = max(1, (len(slots) - 96) // runs)
    for first in range(0, max(1, len(slots) - 96), step)[:runs]:
        starts = [slots[0] + (first + i) * SLOT for i in range(96)]
        if not all(start in prices for start in starts):
            continue
        actual = [home.at(start) for start in starts]
        inputs = _inputs(starts, prices, [a for a, _ in actual], [b for _, b in actual])
        began = time.perf_counter()
        after = [home.at(start + DAY) for start in starts[48:]]
        curve = stored_energy_curve(
            inputs[48:],
            [a for a, _ in after],
            [b for _, b in after],
            BATTERY,
            PlanOptions(),
        )
        plan(inputs, BATTERY, PlanOptions(end_curve=curve))
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times) if times else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices", type=Path, required=True)
    parser.add_argument("--load", type=Path)
    parser.add_argument("--pv", type=Path)
    parser.add_argument("--from", dest="start", type=dt.date.fromisoformat)
    parser.add_argument(
        "--to", dest="end", type=dt.date.fromisoformat, help="last day, included"
    )
    parser.add_argument(
        "--forecast",
        choices=("integration", "perfect"),
        default="integration",
        help="planner forecasts: the integration's forecaster (default) or the actual load/PV",
    )
    parser.add_argument(
        "--end-value",
        choices=("curve", "price", "none"),
        default="curve",
        help="value of energy left at a plan's end: by SoC over an assumed next day"
        " (default), the night's price per kWh, or nothing",
    )
    parser.add_argument("--unstable", action="store_true", help="replace every plan")
    args = parser.parse_args()
    if (args.load is None) != (args.pv is None):
        parser.error("give both --load and --pv, or neither")
    prices = read_prices(args.prices)
    start_day, end_day = default_span(prices)
    start_day = args.start or start_day
    end_day = args.end or end_day
    first = dt.datetime.combine(start_day, dt.time(0), tzinfo=dt.UTC)
    stop = dt.datetime.combine(end_day + DAY, dt.time(0), tzinfo=dt.UTC)
    slots = [first + i * SLOT for i in range(int((stop - first) / SLOT))]
    missing = [moment for moment in slots if moment not in prices]
    if missing:
        parser.error(
            f"the price file has no price for {len(missing)} slots of the span, first {missing[0]}"
        )
    home = Household(
        None if args.load is None else read_profile(args.load, "load_kwh"),
        None if args.pv is None else read_profile(args.pv, "pv_kwh"),
    )
    days = (end_day - start_day).days + 1
    load_total = sum(home.at(s)[0] for s in slots)
    pv_total = sum(home.at(s)[1] for s in slots)
    print(f"span: {start_day} to {end_day} ({days} days, {len(slots)} half-hours, UTC)")
    print(
        f"household: {'CSV' if args.load else 'synthetic'}, load {load_total:,.0f} kWh,"
        f" PV {pv_total:,.0f} kWh; prices mean {statistics.fmean(prices[s] for s in slots):.2f} p/kWh"
    )

    none = run_none(slots, prices, home)
    seed = seed_charge_slots(slots, prices)
    baseline = run_actions(
        slots,
        prices,
        home,
        lambda _i, start, _soc: (
            (Action.CHARGE, SEED_TARGET, SEED_CHARGE_KWH)
            if start in seed
            else (Action.SELF_CONSUMPTION, None, None)
        ),
    )
    began = time.perf_counter()
    optimum, optimum_grid = run_optimum(slots, prices, home)
    optimum_s = time.perf_counter() - began
    planner = Planner(
        prices,
        home,
        first,
        stable=not args.unstable,
        forecast=args.forecast,
        end_value=args.end_value,
    )
    began = time.perf_counter()
    planned = run_actions(slots, prices, home, planner)
    planner_s = time.perf_counter() - began
    times = planner.times_ms
    capture = (none - planned) / (none - optimum) if none != optimum else math.nan
    plan48 = plan_48h_ms(prices, home, slots)

    def gbp(pence: float) -> float:
        return round(pence / 100, 2)

    print(f"no battery:          £{none / 100:10.2f}")
    print(
        f"seed baseline:       £{baseline / 100:10.2f}  capture {(none - baseline) / (none - optimum):.3f}"
    )
    print(
        f"planner:             £{planned / 100:10.2f}  capture {capture:.3f}  ({planner_s:.0f} s)"
    )
    print(
        f"optimum (foresight): £{optimum / 100:10.2f}  (on its grid £{optimum_grid / 100:.2f},"
        f" solved in {optimum_s:.1f} s)"
    )
    print(
        f"plan time: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
        f" over {len(times)} re-plans; a 48 h horizon: {plan48:.1f} ms median"
    )
    print(
        json.dumps(
            {
                "bench": "agile_plan",
                "from": start_day.isoformat(),
                "to": end_day.isoformat(),
                "household": "csv" if args.load else "synthetic",
                "forecast": args.forecast,
                "none_gbp": gbp(none),
                "baseline_gbp": gbp(baseline),
                "planner_gbp": gbp(planned),
                "optimum_gbp": gbp(optimum),
                "capture": round(capture, 4),
                "plan_ms_median": round(statistics.median(times), 2),
                "plan_ms_max": round(max(times), 2),
                "plan48_ms_median": round(plan48, 2),
                "days": days,
            }
        )
    )


if __name__ == "__main__":
    main()
