"""Load and PV forecasts from history, and the value of energy left at the end."""

from collections.abc import Callable
import datetime as dt

import numpy as np
import pytest

from custom_components.energy_hub.agile.forecast import (
    STORED_VALUE_DISCOUNT,
    SlotHistory,
    forecast_load,
    forecast_pv,
    stored_energy_curve,
    stored_energy_value,
)
from custom_components.energy_hub.agile.planner import Battery, PlanOptions, SlotInput

SLOT = dt.timedelta(minutes=30)
DAY = dt.timedelta(days=1)
NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


def history(
    days: int, value: Callable[[int, int], float]
) -> list[tuple[dt.datetime, float]]:
    """`days` days before NOW's midnight, kWh = value(day back, half-hour)."""
    midnight = NOW.replace(hour=0)
    readings = []
    for back in range(days, 0, -1):
        for index in range(48):
            readings.append((midnight - back * DAY + index * SLOT, value(back, index)))
    return readings


def test_load_blends_the_mean_with_the_most_recent_day() -> None:
    readings = history(7, lambda back, index: 1.0 if back == 1 else 0.5)
    tomorrow = NOW.replace(hour=0) + DAY + 18 * SLOT
    (value,) = forecast_load(readings, [tomorrow], now=NOW, days=7, recent_weight=0.3)
    mean = (1.0 + 6 * 0.5) / 7
    assert value == pytest.approx(0.3 * 1.0 + 0.7 * mean)


def test_load_never_uses_the_future() -> None:
    readings = history(3, lambda back, index: 0.4)
    # A reading that lies after `now` (today 18:00) must not count.
    readings.append((NOW.replace(hour=18), 9.0))
    tomorrow_evening = NOW.replace(hour=18) + DAY
    (value,) = forecast_load(readings, [tomorrow_evening], now=NOW)
    assert value == pytest.approx(0.4)


def test_load_follows_the_wall_clock_across_a_clock_change() -> None:
    # Evening peak at 18:00 UK time: 18:00 UTC in winter, 17:00 UTC in summer.
    found = SlotHistory()
    start = dt.datetime(2026, 3, 22, 0, 0, tzinfo=dt.UTC)
    moment = start
    while moment < dt.datetime(2026, 3, 30, 0, 0, tzinfo=dt.UTC):
        local = moment.astimezone(found.tz)
        found.add(moment, 2.0 if local.hour == 18 else 0.2)
        moment += SLOT
    monday_18_uk = dt.datetime(2026, 3, 30, 17, 0, tzinfo=dt.UTC)  # BST
    (value,) = forecast_load(found, [monday_18_uk], now=monday_18_uk - DAY / 2)
    assert value == pytest.approx(2.0)


def test_without_history_a_fallback() -> None:
    assert forecast_load([], [NOW], fallback_kwh=0.25) == [0.25]
    assert forecast_pv([], [NOW]) == [0.0]


def test_pv_prefers_a_solar_forecast() -> None:
    readings = history(3, lambda back, index: 1.0 if 20 <= index < 28 else 0.0)
    noon = NOW.replace(hour=0) + DAY + 24 * SLOT
    night = NOW.replace(hour=0) + DAY + 2 * SLOT
    assert forecast_pv(readings, [noon, night], now=NOW) == [1.0, 0.0]
    given = {noon: 2.5}
    assert forecast_pv(readings, [noon, night], now=NOW, solar_forecast=given) == [
        2.5,
        0.0,
    ]


def test_history_skips_what_is_no_energy() -> None:
    found = SlotHistory(
        [(NOW, float("nan")), (NOW + SLOT, -1.0), (NOW + 2 * SLOT, 0.3)]
    )
    assert len(found) == 1
    with pytest.raises(ValueError, match="naive"):
        found.add(dt.datetime(2026, 1, 1), 1.0)


def test_stored_energy_is_worth_the_nights_price_over_the_efficiency() -> None:
    prices = [5.0] * 10 + [20.0] * 30 + [35.0] * 8
    assert stored_energy_value(prices, quantile=0.1) == pytest.approx(5.0 / 0.95)
    assert stored_energy_value([-4.0, -2.0]) == 0.0
    assert stored_energy_value([]) == 0.0


def test_the_stored_energy_curve_assumes_the_last_day_repeats() -> None:
    battery = Battery(13.5, 0.675, 0.675)
    start = dt.datetime(2026, 2, 10, 23, 0, tzinfo=dt.UTC)
    # Dear for the first three hours (4.8 kWh of load), then 6p.
    last_day = [
        SlotInput(start + i * SLOT, 30.0 if i < 6 else 6.0, 15.0, 0.0, 0.0)
        for i in range(48)
    ]
    load = [0.8 if i < 6 else 0.0 for i in range(48)]
    curve = stored_energy_curve(
        last_day, load, [0.0] * 48, battery, PlanOptions(), discount=1.0
    )
    kwh, worth = [k for k, _ in curve], [v for _, v in curve]
    assert curve[0] == (0.675, 0.0)
    # A kWh stored saves 0.95 kWh at 30p until the dear hours are covered...
    assert np.interp(1.675, kwh, worth) == pytest.approx(30.0 * 0.95, rel=0.02)
    # ...and after that what it costs to buy later: 6p over the efficiency.
    slope = np.interp(12.0, kwh, worth) - np.interp(11.0, kwh, worth)
    assert slope == pytest.approx(6.0 / 0.95, rel=0.02)
    # By default the value is discounted: the assumed day is played with foresight.
    discounted = stored_energy_curve(last_day, load, [0.0] * 48, battery, PlanOptions())
    assert [k for k, _ in discounted] == kwh
    assert [v for _, v in discounted] == pytest.approx(
        [STORED_VALUE_DISCOUNT * v for v in worth]
    )
    assert 0 < STORED_VALUE_DISCOUNT < 1


def clear_sky(index: int) -> float:
    """A clear day's PV by UTC half-hour: a bell from 06:00 to 18:00, 1.5 kWh at noon."""
    return max(0.0, 1.5 * (1 - ((index - 24) / 12) ** 2))


def test_pv_is_the_clear_sky_envelope_times_the_recent_clearness() -> None:
    # Days 14..4 back: two clear days among dull ones; the last 3 days half clear.
    def value(back: int, index: int) -> float:
        if back <= 3:
            return 0.5 * clear_sky(index)
        return clear_sky(index) * (1.0 if back in (6, 11) else 0.3)

    readings = history(14, value)
    midnight = NOW.replace(hour=0)
    tomorrow = [midnight + DAY + index * SLOT for index in (14, 24, 30, 40)]
    forecast = forecast_pv(readings, tomorrow, now=midnight)
    assert forecast == pytest.approx([0.5 * clear_sky(i) for i in (14, 24, 30, 40)])
    # The envelope looks back `days` days only: 4 days hold no clear one, so the
    # half-clear days are the envelope and tomorrow is forecast at its top.
    (noon,) = forecast_pv(readings, [tomorrow[1]], now=midnight, days=4)
    assert noon == pytest.approx(0.5 * 1.5)


def test_pv_follows_todays_weather_for_the_rest_of_today() -> None:
    readings = history(7, lambda back, index: clear_sky(index))
    midnight = NOW.replace(hour=0)
    # A dull morning today: a fifth of clear until noon.
    readings += [(midnight + i * SLOT, 0.2 * clear_sky(i)) for i in range(24)]
    this_afternoon, tomorrow_noon = midnight + 30 * SLOT, midnight + DAY + 24 * SLOT
    forecast = forecast_pv(readings, [this_afternoon, tomorrow_noon], now=NOW)
    # Today: today's clearness; tomorrow: the last full days' (clear).
    assert forecast == pytest.approx([0.2 * clear_sky(30), clear_sky(24)])
    # Just after sunrise the morning says too little: the recent days count.
    early = midnight + 13 * SLOT
    (value,) = forecast_pv(readings, [this_afternoon], now=early)
    assert value == pytest.approx(clear_sky(30))


def test_pv_clearness_ignores_missing_half_hours_and_the_future() -> None:
    midnight = NOW.replace(hour=0)
    readings = [
        (start, kwh)
        for start, kwh in history(4, lambda back, index: 0.6 * clear_sky(index))
        # The recorder lost yesterday's afternoon: no values, not zeros.
        if not (midnight - DAY + 26 * SLOT <= start < midnight)
    ]
    readings.append((NOW + 2 * SLOT, 9.0))  # after `now`: never seen
    (value,) = forecast_pv(readings, [midnight + DAY + 26 * SLOT], now=NOW)
    # Every recorded half-hour gave the envelope: clearness 1, gaps or not.
    assert value == pytest.approx(0.6 * clear_sky(26))
