"""Belgian capacity tariff ("capaciteitstarief"); Home-Assistant-free.

The grid operator bills the month's highest quarter-hour average of the
power taken from the grid (at least 2.5 kW) at a yearly rate per kW. This
module follows the quarter-hours from the meter's import counter: the
running average of the current quarter, a projection of where the quarter
will end at the present power, the month's peak and what the month will cost.
"""

from dataclasses import dataclass, replace
import datetime as dt

QUARTER = dt.timedelta(minutes=15)
QUARTER_HOURS = 0.25
MINIMUM_BILLED_KW = 2.5
# Longer gaps between readings leave the quarter's energy unknown.
MAX_READING_GAP = dt.timedelta(seconds=60)
# A quarter joined late is estimated from what was seen of it. Meters count in
# 1 Wh steps: one step seen in the first second, spread over the minutes not
# seen, turned a 1 kW load into a 2.7 kW projection. After a minute the
# step's share is under 0.1 kW.
MIN_LATE_OBSERVATION = dt.timedelta(seconds=60)


def quarter_start(moment: dt.datetime) -> dt.datetime:
    """Start of the quarter-hour that contains `moment`."""
    return moment.replace(
        minute=moment.minute - moment.minute % 15, second=0, microsecond=0
    )


def _rounded(kw: float | None) -> float | None:
    return None if kw is None else round(kw, 3)


def _at_risk(projected_kw: float | None, limit_kw: float | None) -> bool | None:
    if projected_kw is None or limit_kw is None:
        return None
    return projected_kw > limit_kw


@dataclass(frozen=True, slots=True)
class CapacitySnapshot:
    """The capacity figures after one meter reading (kW, EUR)."""

    quarter_start: dt.datetime | None = None
    quarter_average_kw: float | None = None
    projected_quarter_kw: float | None = None
    monthly_peak_kw: float | None = None
    monthly_peak_at: dt.datetime | None = None
    projected_monthly_cost: float | None = None
    peak_at_risk: bool | None = None


class CapacityTracker:
    """Follow quarter-hour averages and the monthly peak from meter readings.

    Feed every reading to `update()` with the time it was taken (timezone
    aware, local time: quarter-hours and months are the meter's wall clock).
    A quarter that was not observed from its start (start-up, a gap in the
    readings) is estimated for display once a minute of it was seen, but
    never becomes the month's peak.
    """

    def __init__(
        self,
        rate_eur_per_kw_year: float,
        minimum_kw: float = MINIMUM_BILLED_KW,
    ) -> None:
        self.rate_eur_per_kw_year = rate_eur_per_kw_year
        self.minimum_kw = minimum_kw
        self._quarter: dt.datetime | None = None
        self._quarter_kwh: float = 0.0  # import counter at the quarter's start
        self._observed_from: dt.datetime | None = None  # None = from the start
        self._last_time: dt.datetime | None = None
        self._last_kwh: float = 0.0
        self.peak_kw: float | None = None
        self.peak_at: dt.datetime | None = None
        self._peak_month: tuple[int, int] | None = None
        self.snapshot = CapacitySnapshot()

    def update(
        self,
        now: dt.datetime,
        import_kwh: float | None,
        power_w: float | None,
        limit_kw: float | None,
        *,
        meter_peak_kw: float | None = None,
        meter_peak_at: dt.datetime | None = None,
    ) -> CapacitySnapshot:
        """Take one reading; return the capacity figures as of `now`.

        `meter_peak_kw`/`meter_peak_at` are the month's peak as the meter
        reports it; it wins when higher (the meter saw quarters we did not).
        """
        if import_kwh is None or (
            self._last_time is not None
            and (now < self._last_time or import_kwh < self._last_kwh)
        ):
            # No reading, a reading out of order or a counter glitch: keep
            # the figures of the last good reading (against today's limit).
            self.snapshot = replace(
                self.snapshot,
                peak_at_risk=_at_risk(self.snapshot.projected_quarter_kw, limit_kw),
            )
            return self.snapshot
        quarter = self._advance(now, import_kwh)
        self._last_time = now
        self._last_kwh = import_kwh

        elapsed = now - quarter
        energy_kwh: float | None = import_kwh - self._quarter_kwh
        if self._observed_from is not None:
            # Joined late: assume the unseen part ran at the observed average,
            # once enough of it was seen (until then: unknown, no alarm).
            observed = now - self._observed_from
            if observed < MIN_LATE_OBSERVATION:
                energy_kwh = None
            else:
                energy_kwh = (import_kwh - self._quarter_kwh) * (elapsed / observed)
        average_kw: float | None = None
        projected_kw: float | None = None
        if energy_kwh is not None:
            average_kw = energy_kwh / QUARTER_HOURS
            remaining_h = max((QUARTER - elapsed).total_seconds(), 0.0) / 3600
            taking_kw = max(power_w or 0.0, 0.0) / 1000  # export does not count
            projected_kw = (energy_kwh + taking_kw * remaining_h) / QUARTER_HOURS

        self._roll_month(now)
        peak_kw, peak_at = self.peak_kw, self.peak_at
        if (
            meter_peak_kw is not None
            and (
                meter_peak_at is None
                or (meter_peak_at.year, meter_peak_at.month) == (now.year, now.month)
            )
            and (peak_kw is None or meter_peak_kw > peak_kw)
        ):
            peak_kw, peak_at = meter_peak_kw, meter_peak_at
        billed_kw = max(peak_kw or 0.0, projected_kw or 0.0, self.minimum_kw)
        self.snapshot = CapacitySnapshot(
            quarter_start=quarter,
            quarter_average_kw=_rounded(average_kw),
            projected_quarter_kw=_rounded(projected_kw),
            monthly_peak_kw=_rounded(peak_kw),
            monthly_peak_at=peak_at,
            projected_monthly_cost=round(billed_kw * self.rate_eur_per_kw_year / 12, 2),
            peak_at_risk=_at_risk(projected_kw, limit_kw),
        )
        return self.snapshot

    def _advance(self, now: dt.datetime, import_kwh: float) -> dt.datetime:
        """Move on to the quarter of `now`, closing the one before; return its start."""
        start = quarter_start(now)
        if self._quarter is None or self._last_time is None:
            self._begin(start, import_kwh, observed_from=now if now > start else None)
            return start
        if start == self._quarter:
            return start
        gap = now - self._last_time
        boundary = self._quarter + QUARTER
        if gap > MAX_READING_GAP or start != boundary:
            # The quarter's end was not seen: it cannot set the peak.
            self._begin(start, import_kwh, observed_from=now if now > start else None)
            return start
        # Split the energy between the two readings at the boundary.
        share = (boundary - self._last_time) / gap
        boundary_kwh = self._last_kwh + (import_kwh - self._last_kwh) * share
        if self._observed_from is None:
            self._close_quarter(self._quarter, boundary_kwh - self._quarter_kwh)
        self._begin(start, boundary_kwh, observed_from=None)
        return start

    def _begin(
        self, start: dt.datetime, kwh: float, observed_from: dt.datetime | None
    ) -> None:
        self._quarter = start
        self._quarter_kwh = kwh
        self._observed_from = observed_from

    def _close_quarter(self, start: dt.datetime, energy_kwh: float) -> None:
        self._roll_month(start)
        average_kw = energy_kwh / QUARTER_HOURS
        if self.peak_kw is None or average_kw > self.peak_kw:
            self.peak_kw = average_kw
            self.peak_at = start + QUARTER  # as meters report it: when it closed
            self._peak_month = (start.year, start.month)

    def _roll_month(self, moment: dt.datetime) -> None:
        if self._peak_month is not None and self._peak_month != (
            moment.year,
            moment.month,
        ):
            self.peak_kw = None
            self.peak_at = None
            self._peak_month = None
