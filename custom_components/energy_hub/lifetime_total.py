"""The guard every Energy-dashboard counter goes through; Home-Assistant-free.

Home Assistant's statistics read a drop of a `total_increasing` sensor below
90 % of its last value as a meter that restarted from zero (the whole new
value is added to the sum) and subtract a smaller drop. One misread published
once therefore stays in the Energy dashboard for good. What a counter
publishes must only move forward by what was really counted:

- a reading is accepted when it rises by at most `max_rate` (unit per hour)
  times the wall-clock time since the last accepted reading, that time capped
  at 24 h (a week offline must not open the door to any misread);
- `0`, `None`, `nan` and `inf` are withheld and count toward nothing;
- a break (a drop, or a rise beyond the bound) is withheld. When the new
  series persists (at least `CONFIRM_READINGS` readings spanning at least
  `CONFIRM_SPAN_S`, rising within the bound, and counting: a value re-sent
  unchanged is no new counter) the counter really changed
  (meter replaced, inverter reset, wrapped, rescaled): the guard *rebases*,
  publishing the last published value plus what the new series counted, and
  keeps that offset from then on;
- a counter that restarts daily may drop only within `MIDNIGHT_WINDOW_S` of
  local midnight, where the drop is published as is (a new cycle from about
  zero is what Home Assistant expects).

The state to persist (last published value with its wall-clock time, the
raw reading behind it and the offset) is `GuardState`; restoring it makes the
first reading after a restart go through the same checks as any other.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
import math
from typing import Any

# The longest time a rise may be spread over: after a day offline a counter
# may rise by at most one day's worth of `max_rate`.
MAX_ELAPSED_S = 24 * 3600.0
# A new series must persist this long, with this many readings, to be believed.
CONFIRM_READINGS = 3
CONFIRM_SPAN_S = 300.0
# Daily counters may restart within this many seconds of local midnight.
MIDNIGHT_WINDOW_S = 15 * 60.0


def _round(value: float) -> float:
    """Drop the float noise of adding an offset (3456.8999999999996 → 3456.9)."""
    return round(value, 6)


@dataclass(slots=True)
class GuardState:
    """What a guarded counter persists across restarts.

    `published` = `raw` + `offset`; `published_at` is the wall-clock time
    (seconds since the epoch) of the last accepted reading.
    """

    published: float
    published_at: float | None
    raw: float
    offset: float = 0.0

    def as_dict(self) -> dict[str, float | None]:
        """For restore data and diagnostics."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> GuardState | None:
        """Read a persisted state back; None when it is not one."""
        if not isinstance(data, dict):
            return None
        try:
            state = cls(
                published=float(data["published"]),
                published_at=None
                if data.get("published_at") is None
                else float(data["published_at"]),
                raw=float(data["raw"]),
                offset=float(data.get("offset", 0.0)),
            )
        except KeyError, TypeError, ValueError:
            return None
        numbers = (state.published, state.raw, state.offset)
        if not all(math.isfinite(number) for number in numbers):
            return None
        if state.published <= 0 or (
            state.published_at is not None and not math.isfinite(state.published_at)
        ):
            return None
        return state


@dataclass(frozen=True, slots=True)
class Rebase:
    """The guard believed a new series: what the counter read before and after."""

    previous_raw: float
    new_raw: float
    published: float


@dataclass(slots=True)
class _Reading:
    raw: float
    at: float


@dataclass(slots=True)
class LifetimeTotal:
    """Accept readings of a counter whose published value must never dip or jump.

    `max_rate` bounds the growth per hour of the counter's unit (kWh per hour
    = average kW, m³ per hour); None accepts any rise. `daily_tz` marks a
    counter that restarts at midnight in that time zone.
    """

    max_rate: float | None = None
    daily_tz: tzinfo | None = None
    state: GuardState | None = None
    # The break series being watched, oldest first.
    _series: list[_Reading] = field(default_factory=list)

    @property
    def published(self) -> float | None:
        """The value to show (None until a reading was accepted or restored)."""
        return None if self.state is None else self.state.published

    def restore(self, state: GuardState | None) -> None:
        """Seed the guard with what it published before a restart."""
        if state is not None:
            self.state = state
            self._series.clear()

    def accept(self, value: float | None, now: float) -> Rebase | None:
        """Take a reading made at wall-clock time `now` (seconds since the epoch).

        Afterwards `published` is what to show. Returns a `Rebase` when this
        reading confirmed a new series (the caller logs and reports it once).
        """
        if value is None or not math.isfinite(value):
            return None
        state = self.state
        daily_zero = value == 0 and self.daily_tz is not None
        if value <= 0 and not daily_zero:
            return None
        if state is None:
            self.state = GuardState(value, now, value)
            return None
        if self._restarts_now(state, value, now):
            # A daily counter's new day: published as is.
            self.state = GuardState(value, now, value)
            self._series.clear()
            return None
        if self._within_bound(state.raw, state.published_at, value, now):
            published = (
                max(state.published, _round(value + state.offset))
                if state.offset
                else value
            )
            self.state = GuardState(published, now, value, state.offset)
            self._series.clear()
            return None
        return self._watch_break(state, value, now)

    def _watch_break(
        self, state: GuardState, value: float, now: float
    ) -> Rebase | None:
        series = self._series
        if series and self._within_bound(series[-1].raw, series[-1].at, value, now):
            series.append(_Reading(value, now))
        else:
            series[:] = [_Reading(value, now)]
        first = series[0].raw
        if (
            len(series) < CONFIRM_READINGS
            or now - series[0].at < CONFIRM_SPAN_S
            # A value re-sent unchanged (a stuck register, a held misread)
            # is no new counter: a new series must count something.
            or value <= first
        ):
            return None
        # What the new series counted, within the bound since the last
        # published value like any other rise.
        counted = min(value - first, self._allowed_rise(state.published_at, now))
        published = max(state.published, _round(state.published + counted))
        self.state = GuardState(published, now, value, published - value)
        series.clear()
        return Rebase(previous_raw=state.raw, new_raw=first, published=published)

    def _within_bound(
        self, raw: float, at: float | None, value: float, now: float
    ) -> bool:
        return raw <= value and value - raw <= self._allowed_rise(at, now)

    def _allowed_rise(self, at: float | None, now: float) -> float:
        """The largest rise the bound allows since `at` (None: unknown, a day)."""
        if self.max_rate is None:
            return math.inf
        elapsed = MAX_ELAPSED_S if at is None else now - at
        return self.max_rate * min(max(elapsed, 1.0), MAX_ELAPSED_S) / 3600.0

    def _restarts_now(self, state: GuardState | None, value: float, now: float) -> bool:
        """A daily counter dropping close to local midnight, or on a later day.

        A drop read on a later day than the last accepted reading (Home
        Assistant was down over midnight) is that day's counter too.
        """
        if self.daily_tz is None or state is None or value >= state.raw:
            return False
        local = datetime.fromtimestamp(now, self.daily_tz)
        if (
            state.published_at is not None
            and datetime.fromtimestamp(state.published_at, self.daily_tz).date()
            < local.date()
        ):
            return True
        since_midnight = local.hour * 3600 + local.minute * 60 + local.second
        return min(since_midnight, 86400 - since_midnight) <= MIDNIGHT_WINDOW_S
