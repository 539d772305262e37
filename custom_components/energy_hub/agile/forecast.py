"""Household load and PV forecasts from the home's own history; Home-Assistant-free.

Fed half-hourly energy (kWh per half-hour, keyed by the slot's start), as the
coordinator reads it from the recorder's statistics. The methods are the ones
`bench/agile_plan.py` chose (figures in `docs/agile.md`):

- load: for each slot, the mean of the same half-hour (UK wall-clock time,
  people live by the clock) on the last `days` days that have a value,
  blended with the most recent of them ("yesterday") by `recent_weight`;
- PV: a solar forecast when one is given (Forecast.Solar, Solcast through
  Home Assistant's energy platform), else a clear-sky envelope (the most
  each UTC half-hour gave over the last `days` days: the sun keeps solar
  time) times a clearness (energy over envelope): today's so far for the
  rest of today, the last `clearness_days` full days' for later days;
- the value of energy left in the battery at the end of the plan: its best
  use over the next day if the last known day's prices repeated, what is
  left after that at the night's usual price (a low quantile of the recent
  prices, over the charge efficiency), discounted by `discount` (that best
  use has a foresight the real day will not give).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
import datetime as dt
import math
from typing import Final
from zoneinfo import ZoneInfo

from .planner import Battery, PlanOptions, SlotInput, value_curve

UK: Final = ZoneInfo("Europe/London")
SLOT: Final = dt.timedelta(minutes=30)
LOAD_DAYS: Final = 7
LOAD_RECENT_WEIGHT: Final = 0.3
LOAD_SAME_DAY_TYPE: Final = False
PV_DAYS: Final = 14
PV_CLEARNESS_DAYS: Final = 3
# Today's clearness counts once the envelope expected this much of the day's
# energy so far (a few morning slots say little about the day).
PV_TODAY_MIN_SHARE: Final = 0.01
# A clearness above this is a low envelope (a dull fortnight), not the weather.
PV_MAX_CLEARNESS: Final = 1.2
# A home with no history yet: about 3,500 kWh a year.
FALLBACK_LOAD_KWH: Final = 0.2
STORED_VALUE_QUANTILE: Final = 0.1
# The end value's share actually realised: the assumed next day is played with
# foresight the real one will not have (prices, load and PV all differ).
STORED_VALUE_DISCOUNT: Final = 0.9
# How far back a forecast looks for the same half-hour.
_MAX_LOOKBACK_DAYS: Final = 60

type Reading = tuple[dt.datetime, float]


class SlotHistory:
    """Half-hourly kWh keyed by day and half-hour of the day.

    With a time zone (`tz`, the default UK), a half-hour is keyed by its
    local date and wall-clock time, so "the same slot yesterday" is the same
    clock time across a clock change; with `tz=None` by UTC date and time.
    Later readings of a slot replace earlier ones; values that are not
    finite or negative are skipped.
    """

    def __init__(
        self, readings: Iterable[Reading] = (), *, tz: dt.tzinfo | None = UK
    ) -> None:
        self.tz = tz
        self._values: dict[tuple[int, int], float] = {}
        self.latest: dt.datetime | None = None
        self.extend(readings)

    def key(self, start: dt.datetime) -> tuple[int, int]:
        """(day ordinal, half-hour of the day) of a slot start."""
        if start.tzinfo is None:
            raise ValueError(f"naive datetime {start!r}: give a time zone")
        local = start.astimezone(self.tz or dt.UTC)
        return local.toordinal(), local.hour * 2 + local.minute // 30

    def add(self, start: dt.datetime, kwh: float) -> None:
        """Record one half-hour."""
        if not math.isfinite(kwh) or kwh < 0:
            return
        self._values[self.key(start)] = kwh
        if self.latest is None or start > self.latest:
            self.latest = start

    def extend(self, readings: Iterable[Reading]) -> None:
        """Record many half-hours."""
        for start, kwh in readings:
            self.add(start, kwh)

    def __len__(self) -> int:
        """Half-hours recorded."""
        return len(self._values)

    def same_slot(
        self,
        start: dt.datetime,
        days: int,
        before: dt.datetime,
        *,
        same_day_type: bool = False,
    ) -> list[float]:
        """The slot's values on up to `days` earlier days, newest first.

        Only days whose same half-hour started before `before` count (the
        forecast never sees the future); `same_day_type`: only weekdays for a
        weekday, only weekends for a weekend day.
        """
        day, index = self.key(start)
        limit = self.key(before)
        weekend = _weekend(day)
        found: list[float] = []
        for back in range(1, _MAX_LOOKBACK_DAYS + 1):
            key = (day - back, index)
            if key >= limit or (same_day_type and _weekend(day - back) != weekend):
                continue
            value = self._values.get(key)
            if value is not None:
                found.append(value)
                if len(found) == days:
                    break
        return found

    def value(self, day: int, half_hour: int) -> float | None:
        """The value recorded for (day ordinal, half-hour of the day), if any."""
        return self._values.get((day, half_hour))

    def values_back(
        self, day: int, half_hour: int, first: int, days: int
    ) -> list[float]:
        """The half-hour's values on up to `days` days from `first` days before `day` back, newest first."""
        found: list[float] = []
        for back in range(first, _MAX_LOOKBACK_DAYS + 1):
            value = self._values.get((day - back, half_hour))
            if value is not None:
                found.append(value)
                if len(found) == days:
                    break
        return found

    def mean(self) -> float | None:
        """Mean of everything recorded (a fallback)."""
        if not self._values:
            return None
        return math.fsum(self._values.values()) / len(self._values)


def _weekend(ordinal: int) -> bool:
    return ordinal % 7 in (0, 6)  # Saturday, Sunday: weekday() == (ordinal + 6) % 7


def _history(
    history: SlotHistory | Iterable[Reading], tz: dt.tzinfo | None
) -> SlotHistory:
    if isinstance(history, SlotHistory):
        return history
    return SlotHistory(history, tz=tz)


def forecast_load(
    history: SlotHistory | Iterable[Reading],
    slots: Sequence[dt.datetime],
    *,
    now: dt.datetime | None = None,
    days: int = LOAD_DAYS,
    recent_weight: float = LOAD_RECENT_WEIGHT,
    same_day_type: bool = LOAD_SAME_DAY_TYPE,
    fallback_kwh: float = FALLBACK_LOAD_KWH,
) -> list[float]:
    """Household load (kWh) for each slot start.

    The mean of the same wall-clock half-hour over the last `days` days with
    a value, blended with the most recent one: `recent_weight * recent +
    (1 - recent_weight) * mean`. Without any value for a slot, the history's
    overall mean; without history, `fallback_kwh`. `now`: only history
    before it is used (default: all of it).
    """
    found = _history(history, UK)
    limit = now or dt.datetime.max.replace(tzinfo=dt.UTC)
    overall = found.mean()
    result: list[float] = []
    for start in slots:
        values = found.same_slot(start, days, limit, same_day_type=same_day_type)
        if not values and same_day_type:
            values = found.same_slot(start, days, limit)
        if values:
            mean = math.fsum(values) / len(values)
            result.append(recent_weight * values[0] + (1 - recent_weight) * mean)
        else:
            result.append(fallback_kwh if overall is None else overall)
    return result


def clear_sky_envelope(
    history: SlotHistory, before: dt.datetime, days: int = PV_DAYS
) -> list[float]:
    """The most each half-hour of the day gave on its last `days` days before `before`.

    Indexed by half-hour of the day in the history's keying (UTC for PV);
    0 where nothing is recorded. On a real roof it follows the clear-sky
    curve, shadows included, a few sunny days being enough.
    """
    day, index = history.key(before)
    envelope: list[float] = []
    for half_hour in range(48):
        # Today's half-hours before `before` count as well.
        first = 0 if half_hour < index else 1
        values = history.values_back(day, half_hour, first, days)
        envelope.append(max(values) if values else 0.0)
    return envelope


def _clearness(
    history: SlotHistory, day: int, envelope: Sequence[float], until: int = 48
) -> tuple[float, float]:
    """(energy, envelope's energy) over the recorded half-hours of `day` before `until`."""
    energy = expected = 0.0
    for half_hour in range(until):
        value = history.value(day, half_hour)
        if value is not None:
            energy += value
            expected += envelope[half_hour]
    return energy, expected


def forecast_pv(
    history: SlotHistory | Iterable[Reading],
    slots: Sequence[dt.datetime],
    *,
    now: dt.datetime | None = None,
    solar_forecast: Mapping[dt.datetime, float] | None = None,
    days: int = PV_DAYS,
    clearness_days: int = PV_CLEARNESS_DAYS,
) -> list[float]:
    """PV energy (kWh) for each slot start.

    From `solar_forecast` (kWh per half-hour keyed by UTC slot start) where
    it has the slot; else `clear_sky_envelope` over `days` days times a
    clearness: for the rest of today today's so far (the weather now is the
    best guess for this afternoon), once the envelope expected
    `PV_TODAY_MIN_SHARE` of the day; for later days (and today before that)
    the last `clearness_days` full days' together. Without history, 0 (no
    PV assumed). `now`: only history before it is used (default: all of it,
    "today" being the day of the latest reading).
    """
    found = _history(history, None)
    if found.latest is None:
        limit = now or dt.datetime.max.replace(tzinfo=dt.UTC)
    else:
        limit = now or found.latest + SLOT
    envelope = clear_sky_envelope(found, limit, days)
    day_total = math.fsum(envelope)
    today, index = found.key(limit)
    recent = 1.0
    if day_total > 0:
        energy = expected = 0.0
        for back in range(1, clearness_days + 1):
            got, could = _clearness(found, today - back, envelope)
            energy, expected = energy + got, expected + could
        if expected > 0:
            recent = min(energy / expected, PV_MAX_CLEARNESS)
    now_clearness = recent
    got, could = _clearness(found, today, envelope, index)
    if day_total > 0 and could >= PV_TODAY_MIN_SHARE * day_total:
        now_clearness = min(got / could, PV_MAX_CLEARNESS)
    result: list[float] = []
    for start in slots:
        if solar_forecast is not None:
            given = solar_forecast.get(start)
            if given is not None and math.isfinite(given):
                result.append(max(given, 0.0))
                continue
        day, half_hour = found.key(start)
        clearness = now_clearness if day == today else recent
        result.append(envelope[half_hour] * clearness)
    return result


def stored_energy_value(
    recent_prices: Sequence[float],
    *,
    charge_efficiency: float = 0.95,
    quantile: float = STORED_VALUE_QUANTILE,
) -> float:
    """Value (p/kWh) of energy still in the battery when the plan ends.

    What putting it back would cost: the `quantile` of the recent import
    prices (the night's usual price) over the charge efficiency; 0 when
    that is negative or no price is known.
    """
    values = sorted(value for value in recent_prices if math.isfinite(value))
    if not values:
        return 0.0
    position = quantile * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    value = values[low] + (values[high] - values[low]) * (position - low)
    return max(value / charge_efficiency, 0.0)


def stored_energy_curve(
    last_day: Sequence[SlotInput],
    load: Sequence[float],
    pv: Sequence[float],
    battery: Battery,
    options: PlanOptions,
    *,
    discount: float = STORED_VALUE_DISCOUNT,
) -> tuple[tuple[float, float], ...]:
    """What energy left at the plan's end is worth, by stored kWh (`PlanOptions.end_curve`).

    Nothing is planned on unknown prices: this only values the end state.
    The day after the plan is assumed to repeat the last known day's prices
    (`last_day`: the known slots of the 24 hours before the plan's end, so
    each moves on by a day), with the `load` and `pv` forecast for it; the
    battery's best use over that day, from each SoC, is the value. Energy
    still left after it is worth `stored_energy_value` of those prices. The
    values are scaled by `discount`: that best use knows the assumed day in
    full, so it overstates what stored energy will earn.
    """
    day = dt.timedelta(days=1)
    proxy = [
        SlotInput(
            slot.start + day, slot.import_price, slot.export_price, load_kwh, pv_kwh
        )
        for slot, load_kwh, pv_kwh in zip(last_day, load, pv, strict=True)
    ]
    prices = [slot.import_price for slot in last_day if slot.import_price is not None]
    tail = stored_energy_value(prices, charge_efficiency=battery.charge_efficiency)
    plain = replace(
        options,
        stored_value=tail,
        end_curve=None,
        target_soc_kwh=None,
        target_time=None,
    )
    return tuple(
        (kwh, worth * discount) for kwh, worth in value_curve(proxy, battery, plain)
    )
