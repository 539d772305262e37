"""Belgian capacity tariff: the HA-free tracker against the meter simulator's clock."""

import datetime as dt
from zoneinfo import ZoneInfo

from aiohttp import ClientSession
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.homewizard.capacity import CapacityTracker
from custom_components.energy_hub.homewizard.client import ApiVersion, HomeWizardClient
from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter, ManualClock, p1_entry, setup_entry

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRUSSELS)


def test_quarter_average_projection_and_peak_over_a_quarter() -> None:
    tracker = CapacityTracker(rate_eur_per_kw_year=60.0)
    start = at(2026, 11, 23, 10, 0, 0)
    kwh = 1000.0
    # A full quarter at 4 kW, read every 10 s.
    for second in range(0, 15 * 60, 10):
        snap = tracker.update(start + dt.timedelta(seconds=second), kwh, 4000, 5.0)
        kwh += 4.0 * 10 / 3600
    # Halfway: average over the whole quarter so far is half of 4 kW,
    # the projection at 4 kW ends at 4 kW.
    mid = CapacityTracker(60.0)
    mid.update(start, 1000.0, 4000, 5.0)
    half = mid.update(start + dt.timedelta(minutes=7, seconds=30), 1000.5, 4000, 5.0)
    assert half.quarter_average_kw == pytest.approx(2.0)
    assert half.projected_quarter_kw == pytest.approx(4.0)
    assert half.peak_at_risk is False
    risky = mid.update(start + dt.timedelta(minutes=8), 1000.6, 9000, 5.0)
    # 0.6 kWh so far + 9 kW for 7 minutes = 1.65 kWh -> 6.6 kW > 5 kW limit.
    assert risky.projected_quarter_kw == pytest.approx(6.6)
    assert risky.peak_at_risk is True

    # Last reading 10 s before the quarter ends.
    assert snap.quarter_average_kw == pytest.approx(4.0 * 890 / 900, abs=0.001)
    assert snap.monthly_peak_kw is None  # the quarter has not ended yet
    after = tracker.update(start + dt.timedelta(minutes=15, seconds=5), kwh, 500, 5.0)
    assert after.monthly_peak_kw == pytest.approx(4.0, abs=0.02)
    assert after.monthly_peak_at == start + dt.timedelta(minutes=15)
    assert after.quarter_start == start + dt.timedelta(minutes=15)
    # 4 kW peak at 60 EUR/kW/year is 20 EUR a month.
    assert after.projected_monthly_cost == pytest.approx(20.0, abs=0.1)


def test_minimum_billed_capacity_and_export_do_not_count() -> None:
    tracker = CapacityTracker(rate_eur_per_kw_year=60.0)
    start = at(2026, 11, 23, 12, 0, 0)
    tracker.update(start, 500.0, -3000, 2.5)
    # Exporting: the import counter stands still, the projection stays at zero.
    snap = tracker.update(start + dt.timedelta(minutes=5), 500.0, -3000, 2.5)
    assert snap.quarter_average_kw == 0.0
    assert snap.projected_quarter_kw == 0.0
    assert snap.peak_at_risk is False
    # Nothing drawn: the tariff still bills 2.5 kW (60 * 2.5 / 12).
    assert snap.projected_monthly_cost == pytest.approx(12.5)


def test_a_quarter_seen_only_in_part_never_becomes_the_peak() -> None:
    tracker = CapacityTracker(60.0)
    start = at(2026, 11, 23, 9, 10, 0)  # joined 10 minutes into the quarter
    tracker.update(start, 100.0, 8000, None)
    snap = tracker.update(
        start + dt.timedelta(minutes=2, seconds=30), 100.333, 8000, None
    )
    # Estimated from what was seen: 8 kW over 2.5 min, for all 12.5 min.
    assert snap.quarter_average_kw == pytest.approx(8.0 * 12.5 / 15, abs=0.01)
    assert snap.peak_at_risk is None  # no limit set
    after = tracker.update(
        start + dt.timedelta(minutes=5, seconds=1), 100.667, 100, None
    )
    assert after.monthly_peak_kw is None


def test_month_boundary_starts_a_new_peak() -> None:
    tracker = CapacityTracker(60.0)
    moment = at(2026, 11, 30, 23, 30, 0)
    kwh = 0.0
    snapshots = []
    # Two quarters at 6 kW up to midnight, then 1 kW into December.
    while moment < at(2026, 12, 1, 0, 20, 0):
        power = 6000 if moment < at(2026, 12, 1) else 1000
        snapshots.append((moment, tracker.update(moment, kwh, power, None)))
        kwh += power / 1000 * 5 / 3600
        moment += dt.timedelta(seconds=5)
    before_midnight = next(s for m, s in snapshots if m == at(2026, 11, 30, 23, 59, 55))
    assert before_midnight.monthly_peak_kw == pytest.approx(6.0, abs=0.01)
    first_of_december = next(s for m, s in snapshots if m == at(2026, 12, 1, 0, 0, 5))
    assert first_of_december.monthly_peak_kw is None
    assert first_of_december.projected_monthly_cost == pytest.approx(12.5)
    last = snapshots[-1][1]
    assert last.monthly_peak_kw == pytest.approx(1.0, abs=0.01)
    assert last.monthly_peak_at == at(2026, 12, 1, 0, 15)


def test_counter_glitches_are_ignored() -> None:
    tracker = CapacityTracker(60.0)
    start = at(2026, 11, 23, 10, 0, 0)
    tracker.update(start, 200.0, 2000, 3.0)
    good = tracker.update(start + dt.timedelta(minutes=1), 200.033, 2000, 3.0)
    assert tracker.update(start + dt.timedelta(minutes=2), None, None, 3.0) == good
    assert tracker.update(start + dt.timedelta(minutes=3), 0.0, 2000, 3.0) == good
    # A lower limit applies even while readings are withheld.
    assert good.peak_at_risk is False
    assert tracker.update(start + dt.timedelta(minutes=4), None, None, 1.0).peak_at_risk


async def test_tracker_follows_the_meter_simulator(loopback: None) -> None:
    """Polled over HTTP each 5 s, the tracker agrees with the meter's own figures."""
    clock = ManualClock(dt.datetime(2026, 11, 23, 13, 59, 55))
    meter = P1MeterSimulator(clock=clock, gas=False)
    meter.set_power(1500.0, 1000.0, 500.0)  # 3 kW
    async with meter, ClientSession() as session:
        client = HomeWizardClient(meter.address, session, ApiVersion.V1)
        tracker = CapacityTracker(60.0)
        snap = None
        for step in range(0, 20 * 60 // 5):
            if step == 120:  # 14:10: the kettle and the oven
                meter.set_power(4000.0, 3000.0, 500.0)
            measurement = (await client.measurement()).measurement
            now = clock().replace(tzinfo=BRUSSELS)
            snap = tracker.update(
                now, measurement.energy_import_kwh, measurement.power_w, 5.0
            )
            if now.minute == 14 and now.second == 55:
                # The meter's running average and ours: energy so far / 15 min.
                assert measurement.average_power_15m_w is not None
                assert snap.quarter_average_kw == pytest.approx(
                    measurement.average_power_15m_w / 1000, abs=0.02
                )
            clock.advance(seconds=5)
        assert snap is not None
        # 14:00-14:15: 595 s at 3 kW, then 305 s at 7.5 kW: 4.525 kW.
        assert snap.monthly_peak_kw == pytest.approx(4.525, abs=0.005)
        assert meter.monthly_peak_w == pytest.approx(4525, abs=5)
        measurement = (await client.measurement()).measurement
        assert measurement.monthly_power_peak_w == pytest.approx(4525, abs=5)
        assert measurement.monthly_power_peak_timestamp == dt.datetime(
            2026, 11, 23, 14, 15
        )


async def test_capacity_entities_over_a_quarter_and_a_month_boundary(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    zone = dt_util.get_default_time_zone()
    freezer.move_to(dt.datetime(2026, 11, 30, 23, 40, 0, tzinfo=zone))
    meter = await make_meter(fresh_month=True)
    meter.set_power(1000.0, 1000.0, 1000.0)
    entry = await setup_entry(hass, p1_entry(meter))
    coordinator = entry.runtime_data.coordinator

    def value(key: str) -> str:
        entity = hass.states.get(key)
        assert entity is not None, key
        return entity.state

    async def run_until(*wall: int) -> None:
        until = dt.datetime(*wall, tzinfo=zone)
        while dt_util.now() < until:
            freezer.tick(dt.timedelta(seconds=10))
            await coordinator.async_refresh()

    at_risk = "binary_sensor.p1_meter_quarter_hour_peak_at_risk"
    # 3 kW against the default 2.5 kW limit: the quarter will end too high.
    await run_until(2026, 11, 30, 23, 52, 30)
    assert float(value("sensor.p1_meter_quarter_hour_average_power")) == pytest.approx(
        1.5, abs=0.01
    )
    assert float(value("sensor.p1_meter_projected_quarter_hour_peak")) == pytest.approx(
        3.0, abs=0.01
    )
    assert value(at_risk) == "on"
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.p1_meter_capacity_peak_limit", "value": 4.0},
        blocking=True,
    )
    assert value(at_risk) == "off"
    # The meter closed 23:30-23:45 (seen from 23:40 only): 5 min at 3 kW = 1 kW.
    assert float(value("sensor.p1_meter_monthly_capacity_peak")) == pytest.approx(1.0)
    assert (
        value("sensor.p1_meter_monthly_capacity_peak_time")
        == dt_util.as_utc(dt.datetime(2026, 11, 30, 23, 45, tzinfo=zone)).isoformat()
    )

    await run_until(2026, 11, 30, 23, 55, 0)
    meter.set_power(3000.0, 3000.0, 3000.0)  # 9 kW for the last five minutes
    await coordinator.async_refresh()
    # 0.5 kWh so far + 9 kW * 5 min = 1.25 kWh in the quarter: 5 kW > 4 kW.
    assert float(value("sensor.p1_meter_projected_quarter_hour_peak")) == pytest.approx(
        5.0, abs=0.02
    )
    assert value(at_risk) == "on"
    await run_until(2026, 11, 30, 23, 59, 50)
    # 0.5 kWh + 9 kW * 4 min 50 s so far, over the whole quarter: 4.9 kW.
    assert float(value("sensor.p1_meter_quarter_hour_average_power")) == pytest.approx(
        4.9, abs=0.01
    )
    # 5 kW * 50 EUR/kW/year / 12 (the default rate).
    assert float(value("sensor.p1_meter_projected_monthly_capacity_cost")) == (
        pytest.approx(5.0 * 50 / 12, abs=0.1)
    )

    # December: November's 5 kW quarter no longer counts. The meter sends 0 W
    # and no time until a quarter closes: 0 kW, time unknown, not unavailable.
    await run_until(2026, 12, 1, 0, 0, 10)
    assert float(value("sensor.p1_meter_monthly_capacity_peak")) == 0.0
    assert value("sensor.p1_meter_monthly_capacity_peak_time") == STATE_UNKNOWN
    assert float(value("sensor.p1_meter_projected_monthly_capacity_cost")) == (
        pytest.approx(9.0 * 50 / 12, abs=0.1)  # this quarter, going at 9 kW
    )
    # A new quarter: 9 kW for 10 s so far.
    assert float(value("sensor.p1_meter_quarter_hour_average_power")) == pytest.approx(
        0.1, abs=0.005
    )

    await run_until(2026, 12, 1, 0, 15, 10)
    assert float(value("sensor.p1_meter_monthly_capacity_peak")) == pytest.approx(
        9.0, abs=0.02
    )
    assert (
        value("sensor.p1_meter_monthly_capacity_peak_time")
        == dt_util.as_utc(dt.datetime(2026, 12, 1, 0, 15, tzinfo=zone)).isoformat()
    )
    assert float(value("sensor.p1_meter_projected_monthly_capacity_cost")) == (
        pytest.approx(9.0 * 50 / 12, abs=0.1)
    )
    # Billing-grade totals only ever grew through it all.
    assert float(value("sensor.p1_meter_energy_import")) == pytest.approx(
        # 15 min at 3 kW, then 20 min 10 s at 9 kW.
        13779.338 + 3 * 15 / 60 + 9 * 1210 / 3600,
        abs=0.01,
    )


@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=120),  # seconds to the next reading
            st.floats(min_value=-6000, max_value=12000),  # net power, W
            st.booleans(),  # the reading is lost
        ),
        min_size=1,
        max_size=400,
    )
)
def test_peak_only_grows_within_a_month_and_figures_stay_sane(
    steps: list[tuple[int, float, bool]],
) -> None:
    tracker = CapacityTracker(60.0)
    moment = at(2026, 11, 30, 22, 0, 0)
    kwh = 100.0
    last_peak: float | None = None
    month = (moment.year, moment.month)
    for seconds, power, lost in steps:
        moment += dt.timedelta(seconds=seconds)
        kwh += max(power, 0.0) / 1000 * seconds / 3600
        snap = tracker.update(moment, None if lost else kwh, power, 4.0)
        if (moment.year, moment.month) != month:
            month, last_peak = (moment.year, moment.month), None
        assert snap.quarter_average_kw is None or snap.quarter_average_kw >= 0
        assert snap.projected_monthly_cost is None or snap.projected_monthly_cost >= (
            2.5 * 60 / 12 - 0.01
        )
        if snap.monthly_peak_kw is not None and not lost:
            assert last_peak is None or snap.monthly_peak_kw >= last_peak - 1e-9
            # No quarter can average more than the highest power drawn.
            assert snap.monthly_peak_kw <= 12.0 + 1e-6
            last_peak = snap.monthly_peak_kw


def test_joining_a_quarter_late_waits_for_enough_readings_to_project() -> None:
    """The demo's false alarm: joined 10 min into a quarter, 1 kW, polled each second.

    The counter moves in steps of 1 Wh; one step seen in the first second,
    spread over the 10 minutes not seen, made 2.4 kW of a 1 kW load.
    """
    tracker = CapacityTracker(50.0)
    joined = at(2026, 11, 23, 12, 39, 59, 500000)
    first = tracker.update(joined, 13779.338, 1005, 2.5)
    second = tracker.update(joined + dt.timedelta(seconds=1), 13779.339, 1005, 2.5)
    assert second.peak_at_risk is not True  # the false alarm
    for early in (first, second):
        assert early.peak_at_risk is None
        assert early.projected_quarter_kw is None
        assert early.quarter_average_kw is None
        assert early.projected_monthly_cost == pytest.approx(2.5 * 50 / 12, abs=0.01)
    # A minute of readings at 1 kW: the estimate is good to the counter's step.
    kwh = 13779.339
    for second_after in range(2, 62):
        kwh = 13779.338 + round(1.005 * second_after / 3600, 3)
        snap = tracker.update(
            joined + dt.timedelta(seconds=second_after), kwh, 1005, 2.5
        )
    assert snap.quarter_average_kw == pytest.approx(1.005 * 11 / 15, abs=0.1)
    assert snap.projected_quarter_kw == pytest.approx(1.005, abs=0.1)
    assert snap.peak_at_risk is False


async def test_no_false_alarm_when_home_assistant_starts_mid_quarter(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    """Reproduces the demo: meter up at 12:39:50, HA polling it each second from 12:39:59.5."""
    zone = dt_util.get_default_time_zone()
    freezer.move_to(dt.datetime(2026, 11, 23, 12, 39, 50, tzinfo=zone))
    meter = await make_meter(live_load=True)  # about 1 kW, against a 2.5 kW limit
    freezer.tick(dt.timedelta(seconds=9.5))
    entry = await setup_entry(hass, p1_entry(meter))
    coordinator = entry.runtime_data.coordinator
    at_risk = "binary_sensor.p1_meter_quarter_hour_peak_at_risk"
    seen: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new.state)

    async_track_state_change_event(hass, at_risk, record)
    initial = hass.states.get(at_risk)
    assert initial is not None
    seen.append(initial.state)
    for _ in range(90):
        freezer.tick(dt.timedelta(seconds=1))
        await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert STATE_ON not in seen
    # Not a blind spot either: after a minute the sensor tells off from on.
    assert seen[0] == STATE_UNKNOWN
    assert seen[-1] == STATE_OFF


async def test_a_meter_running_since_the_first_shows_its_peak_at_once(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> None:
    """The demo's start: the month's peak is the meter's, not unavailable."""
    zone = dt_util.get_default_time_zone()
    freezer.move_to(dt.datetime(2026, 11, 23, 12, 39, 50, tzinfo=zone))
    meter = await make_meter(live_load=True)
    await setup_entry(hass, p1_entry(meter))

    peak = hass.states.get("sensor.p1_meter_monthly_capacity_peak")
    peak_time = hass.states.get("sensor.p1_meter_monthly_capacity_peak_time")
    cost = hass.states.get("sensor.p1_meter_projected_monthly_capacity_cost")
    assert peak is not None and peak_time is not None and cost is not None
    assert float(peak.state) == pytest.approx(3.412)
    assert peak_time.state == (
        dt_util.as_utc(dt.datetime(2026, 11, 22, 18, 45, tzinfo=zone)).isoformat()
    )
    # The quarter so far is not known yet: the month is billed at its peak.
    assert float(cost.state) == pytest.approx(3.412 * 50 / 12, abs=0.01)
    projection = hass.states.get("sensor.p1_meter_projected_quarter_hour_peak")
    assert projection is not None and projection.state == STATE_UNKNOWN
