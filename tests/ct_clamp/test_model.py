"""The Home-Assistant-free core: validation, integration, restore."""

import contextlib
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.energy_hub.ct_clamp.model import (
    TOTAL,
    BoardPost,
    ChannelConfig,
    ChannelRole,
    CtBoard,
    EnergyIntegrator,
    PostRejected,
    format_channel_spec,
    parse_channel_spec,
    parse_post,
)

NOW = 1_800_000_000.0
SEED_POST = {
    "timestamp": 1_799_999_990,
    "channels": {
        "line_A": {"current_amps": 5.2, "voltage_mv": 173.4},
        "line_B": {"current_amps": 5.1, "voltage_mv": 170.0},
    },
    "total_amps": 10.3,
    "estimated_power_watts": 2348,
    "method": "ct_clamp",
}


def make_board(max_gap_s: float = 300.0) -> CtBoard:
    return CtBoard.create(
        [
            ChannelConfig("line_A", "Mains", ChannelRole.GRID),
            ChannelConfig("line_B", "Solar", ChannelRole.SOLAR),
        ],
        voltage=230.0,
        power_factor=1.0,
        max_gap_s=max_gap_s,
    )


def test_seed_post_is_accepted_as_posted() -> None:
    post = parse_post(SEED_POST, {"line_A", "line_B"}, NOW)
    assert post == BoardPost(1_799_999_990, {"line_A": 5.2, "line_B": 5.1})


def test_minimal_post_is_timestamped_on_receipt() -> None:
    post = parse_post({"channels": {"line_A": 5}}, {"line_A"}, NOW)
    assert post.timestamp == NOW
    assert post.currents == {"line_A": 5.0}


def test_rejection_names_the_field_as_json() -> None:
    with pytest.raises(PostRejected) as caught:
        parse_post({"channels": {"line_A": {"current_amps": -2}}}, {"line_A"}, NOW)
    assert caught.value.as_dict() == {
        "error": "invalid_post",
        "field": "channels.line_A.current_amps",
        "message": "must be at least 0",
    }


def test_odd_channel_names_are_not_echoed() -> None:
    with pytest.raises(PostRejected) as caught:
        parse_post({"channels": {"a\nFAKE LOG LINE": 1}}, {"line_A"}, NOW)
    assert caught.value.field == "channels"


def test_trapezoid_and_gap() -> None:
    integrator = EnergyIntegrator(max_gap_s=300)
    assert integrator.add(0, 1000) == 0
    assert integrator.add(3600 / 12, 2000) == pytest.approx(0.125)  # 5 min, 1.5 kW
    assert integrator.add(3600 / 12 + 301, 2000) == 0
    assert (integrator.gaps, integrator.gap_seconds) == (1, 301)
    assert integrator.add(3600 / 12 + 301 + 60, 2000) == pytest.approx(2 / 60)


def test_board_splits_energy_by_role_and_total() -> None:
    board = make_board()
    board.accept(BoardPost(0, {"line_A": 10, "line_B": 2}))
    board.accept(BoardPost(60, {"line_A": 10, "line_B": 2}))
    grid = 2300 * 60 / 3_600_000
    solar = 460 * 60 / 3_600_000
    assert board.channel_energy_kwh == pytest.approx({"line_A": grid, "line_B": solar})
    assert board.role_energy_kwh == pytest.approx(
        {"grid": grid, "solar": solar, TOTAL: grid + solar}
    )
    assert board.role_power("grid") == 2300
    assert board.role_power() == 2760


def test_older_post_changes_nothing() -> None:
    board = make_board()
    board.accept(BoardPost(100, {"line_A": 10}))
    before = board.as_dict()
    with pytest.raises(PostRejected):
        board.accept(BoardPost(40, {"line_A": 99}))
    assert board.as_dict() == before
    assert board.accept(BoardPost(100, {"line_A": 99})) is False
    assert board.channels["line_A"].current_a == 10


def test_restore_adds_once() -> None:
    board = make_board()
    board.restore_channel_energy("line_A", 5.0)
    board.restore_channel_energy("line_A", 5.0)
    board.restore_role_energy(TOTAL, 7.0)
    board.restore_role_energy("load", 7.0)  # no load channel: ignored
    assert board.channel_energy_kwh["line_A"] == 5.0
    assert board.role_energy_kwh[TOTAL] == 7.0
    assert "load" not in board.role_energy_kwh


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("line_A", [("line_A", "line_A", 100.0)]),
        (
            "line_A: Mains , line_B:Solar\n\nct-3",
            [
                ("line_A", "Mains", 100.0),
                ("line_B", "Solar", 100.0),
                ("ct-3", "ct-3", 100.0),
            ],
        ),
        (
            "line_A: Mains (30 A), line_B (30a)\nline_C: Heat pump (garage) ( 7.5 A )",
            [
                ("line_A", "Mains", 30.0),
                ("line_B", "line_B", 30.0),
                ("line_C", "Heat pump (garage)", 7.5),
            ],
        ),
    ],
)
def test_channel_spec(spec: str, parsed: list[tuple[str, str, float]]) -> None:
    channels = parse_channel_spec(spec)
    assert [
        (channel.id, channel.name, channel.max_current_a) for channel in channels
    ] == parsed
    # The reconfigure form shows the list in a form that reads back the same.
    assert parse_channel_spec(format_channel_spec(channels)) == channels


def test_formatted_channel_spec_is_one_channel_a_line() -> None:
    channels = [
        ChannelConfig("line_A", "Mains: house"),
        ChannelConfig("line_B", "line_B", max_current_a=30),
        # A name that ends like a rating keeps it: the rating is written after.
        ChannelConfig("line_C", "Pump (10 A)"),
    ]
    assert format_channel_spec(channels) == (
        "line_A: Mains: house\nline_B (30 A)\nline_C: Pump (10 A) (100 A)"
    )
    assert parse_channel_spec(format_channel_spec(channels)) == channels


@pytest.mark.parametrize(
    "spec",
    ["line_A (0 A)", "line_A: Mains (500.5 A)", "line_A: Mains (99999999 A)"],
)
def test_channel_rating_out_of_range_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="invalid_max_current"):
        parse_channel_spec(spec)


def test_last_reading_resent_is_a_duplicate_however_old() -> None:
    board = make_board()
    board.accept(parse_post(SEED_POST, board.channels, NOW))
    later = NOW + 2 * 3600
    post = parse_post(
        SEED_POST, board.channels, later, last_timestamp=board.last_timestamp
    )
    assert board.accept(post) is False
    assert board.duplicates == 1
    # Any other reading that old is still refused.
    with pytest.raises(PostRejected, match="too far in the past"):
        parse_post(
            {**SEED_POST, "timestamp": SEED_POST["timestamp"] + 60},
            board.channels,
            later,
            last_timestamp=board.last_timestamp,
        )


def test_restored_last_timestamp_makes_a_resend_a_duplicate() -> None:
    board = make_board()
    # As read back from the last-post sensor's ISO time: float rounding.
    board.restore_last_timestamp(100.0 + 1e-7)
    assert board.accept(BoardPost(100, {"line_A": 10})) is False
    assert board.accept(BoardPost(160, {"line_A": 10})) is True
    board.restore_last_timestamp(50.0)  # a post arrived first: it is newer
    assert board.last_timestamp == 160
    assert board.accept(BoardPost(160, {"line_A": 99})) is False


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.001, max_value=900, allow_nan=False),
            st.one_of(
                st.floats(min_value=0, max_value=500, allow_nan=False),
                st.just(math.nan),
                st.just(-1.0),
                st.text(max_size=3),
                st.none(),
            ),
        ),
        max_size=60,
    )
)
def test_totals_never_decrease_whatever_is_posted(
    steps: list[tuple[float, object]],
) -> None:
    board = make_board(max_gap_s=300)
    timestamp = NOW - 3000
    last_total = 0.0
    for step_s, current in steps:
        timestamp += step_s
        try:
            post = parse_post(
                {"timestamp": timestamp, "channels": {"line_A": current}},
                board.channels,
                NOW,
            )
            board.accept(post)
        except PostRejected:
            pass
        total = board.role_energy_kwh[TOTAL]
        assert total >= last_total
        # Never more than the largest current at full power for the step.
        assert total - last_total <= 500 * 230 * 300 / 3_600_000 + 1e-9
        last_total = total


HUGE = 10**400  # what json.loads makes of a 400-digit number


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"line_A": HUGE}}, "channels.line_A"),
        ({"channels": {"line_A": -HUGE}}, "channels.line_A"),
        (
            {"channels": {"line_A": {"current_amps": HUGE}}},
            "channels.line_A.current_amps",
        ),
        (
            {"channels": {"line_A": {"current_amps": 1, "voltage_mv": HUGE}}},
            "channels.line_A.voltage_mv",
        ),
        ({"timestamp": HUGE, "channels": {"line_A": 1}}, "timestamp"),
        ({"channels": {"line_A": 1}, "uptime_s": HUGE}, "uptime_s"),
        ({"channels": {"line_A": 1}, "wifi_rssi": -HUGE}, "wifi_rssi"),
        ({"channels": {"line_A": 1}, "total_amps": HUGE}, "total_amps"),
    ],
)
def test_integer_too_large_for_a_float_is_refused(body: object, field: str) -> None:
    """A 400-digit integer raised OverflowError (a 500 and a traceback)."""
    with pytest.raises(PostRejected) as caught:
        parse_post(body, {"line_A"}, NOW)
    assert caught.value.field == field


def test_channel_ids_match_in_full() -> None:
    """`line_A\\n` is not `line_A`, and is never echoed into a log line."""
    with pytest.raises(PostRejected) as caught:
        parse_post({"channels": {"line_A\n": 1}}, {"line_A"}, NOW)
    assert (caught.value.field, caught.value.reason) == ("channels", "unknown channel")
    with pytest.raises(PostRejected) as caught:
        parse_post({"channels": {"line_A": 1}, "uptime_s\n": 1}, {"line_A"}, NOW)
    assert caught.value.field == "body"
    with pytest.raises(PostRejected) as caught:
        parse_post(
            {"channels": {"line_A": {"current_amps": 1, "watts\n": 1}}}, {"line_A"}, NOW
        )
    assert caught.value.field == "channels.line_A"
    with pytest.raises(ValueError, match="invalid_channel_id"):
        parse_channel_spec("line_A\t: Mains, line B")


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats()
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["line_A", "line_B", "line_A\n", "current_amps", "voltage_mv"]
            )
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_FIELDS = st.sampled_from(
    [
        "timestamp",
        "channels",
        "total_amps",
        "estimated_power_watts",
        "method",
        "wifi_rssi",
        "uptime_s",
    ]
)


@settings(max_examples=500)
@given(
    st.one_of(
        _JSON,
        st.dictionaries(_FIELDS, _JSON, max_size=7),
        st.builds(
            lambda channels, rest: {**rest, "channels": channels},
            st.dictionaries(st.sampled_from(["line_A", "line_B"]), _JSON, min_size=1),
            st.dictionaries(_FIELDS, _JSON, max_size=4),
        ),
    )
)
def test_any_body_is_parsed_or_refused(body: object) -> None:
    """Whatever JSON decodes to, `parse_post` raises nothing but `PostRejected`.

    Refusals name only safe fields and fixed reasons; an accepted post
    carries finite, non-negative currents only.
    """
    board = make_board()
    try:
        post = parse_post(body, board.channels, NOW)
    except PostRejected as err:
        assert err.field == "body" or all(
            part.isascii() and part.isprintable() for part in err.field.split(".")
        )
        assert "\n" not in str(err)
        return
    assert all(math.isfinite(amps) and amps >= 0 for amps in post.currents.values())
    board.accept(post, now=NOW)
    assert all(math.isfinite(kwh) for kwh in board.role_energy_kwh.values())


def test_reading_above_the_rating_is_refused_for_that_channel_alone() -> None:
    board = CtBoard.create(
        [
            ChannelConfig("line_A", "Mains", ChannelRole.GRID, max_current_a=30),
            ChannelConfig("line_B", "Solar", ChannelRole.SOLAR),
        ],
        voltage=230.0,
        power_factor=1.0,
        max_gap_s=300.0,
    )
    board.accept(BoardPost(0, {"line_A": 10, "line_B": 2}))
    assert board.accept(BoardPost(60, {"line_A": 429496729.5, "line_B": 2})) is True
    assert board.refused_in_last_post == {"line_A": 429496729.5}
    assert board.channels["line_A"].current_a == 10  # the last good reading stays
    assert board.channel_energy_kwh["line_A"] == 0
    assert board.channel_energy_kwh["line_B"] == pytest.approx(460 * 60 / 3_600_000)
    assert (board.refused_readings, board.gaps) == (1, 1)
    # As if line_A had been left out: the next good reading integrates from
    # the last good one.
    board.accept(BoardPost(120, {"line_A": 30, "line_B": 2}))
    assert board.refused_in_last_post == {}
    assert board.channel_energy_kwh["line_A"] == pytest.approx(
        (2300 + 6900) / 2 * 120 / 3_600_000
    )
    # The rating applies to the calibrated current: 25 A times 1.3 is 32.5 A.
    board.set_calibration("line_A", 1.3)
    board.accept(BoardPost(180, {"line_A": 25}))
    assert board.refused_in_last_post == {"line_A": pytest.approx(32.5)}
    assert board.channels["line_A"].refused == 2


def test_timestamp_ahead_of_the_clock_counts_from_now() -> None:
    """Energy is never integrated beyond now, and the board is not locked out."""
    board = make_board()
    board.accept(BoardPost(NOW, {"line_A": 10}), now=NOW)
    # Stamped 299 s ahead (within the tolerance), received 60 s later.
    assert board.accept(BoardPost(NOW + 359, {"line_A": 10}), now=NOW + 60)
    assert board.last_time == NOW + 60
    assert board.channel_energy_kwh["line_A"] == pytest.approx(2300 * 60 / 3_600_000)
    # The board's next genuine post is accepted, not "older than the last".
    assert board.accept(BoardPost(NOW + 120, {"line_A": 10}), now=NOW + 121)
    assert board.channel_energy_kwh["line_A"] == pytest.approx(2300 * 120 / 3_600_000)
    # A re-send of the stamped-ahead post is still a duplicate, though.
    board2 = make_board()
    board2.accept(BoardPost(NOW + 200, {"line_A": 10}), now=NOW)
    assert board2.accept(BoardPost(NOW + 200, {"line_A": 10}), now=NOW + 5) is False


def test_restored_last_post_ahead_of_the_clock_locks_nothing_out() -> None:
    """Home Assistant's clock was ahead before the restart, then NTP fixed it."""
    board = make_board()
    board.restore_last_timestamp(NOW + 86400, NOW)
    assert board.last_time == NOW
    assert board.accept(BoardPost(NOW + 1, {"line_A": 10}), now=NOW + 1) is True
    # Junk is no time at all.
    for junk in (math.nan, math.inf, -5.0, 1e300, "12", True):
        board = make_board()
        board.restore_last_timestamp(junk, NOW)
        assert (board.last_timestamp, board.last_time) == (None, None)


@pytest.mark.parametrize("factor", [math.nan, math.inf, -math.inf, 0.0, 2.5, -1.0])
def test_calibration_out_of_range_never_reaches_a_reading(factor: float) -> None:
    board = make_board()
    with pytest.raises(ValueError, match="calibration"):
        board.set_calibration("line_A", factor)
    assert board.channels["line_A"].calibration == 1.0


def test_restore_takes_the_larger_value_and_ignores_junk() -> None:
    board = make_board()
    board.restore_channel_energy("line_A", 12.0)  # the Store's
    board.accept(BoardPost(0, {"line_A": 10}))
    board.accept(BoardPost(60, {"line_A": 10}))
    added = 2300 * 60 / 3_600_000
    board.restore_channel_energy("line_A", 11.0)  # an older sensor state
    assert board.channel_energy_kwh["line_A"] == pytest.approx(12.0 + added)
    board.restore_channel_energy("line_A", 12.5)  # a newer one
    assert board.channel_energy_kwh["line_A"] == pytest.approx(12.5 + added)
    for junk in (math.nan, math.inf, -3.0, "99", True, None, 10**400):
        board.restore_channel_energy("line_A", junk)
        board.restore_role_energy(TOTAL, junk)
    assert board.channel_energy_kwh["line_A"] == pytest.approx(12.5 + added)
    assert board.role_energy_kwh[TOTAL] == pytest.approx(added)


def test_stored_totals_come_back_and_junk_is_ignored() -> None:
    board = make_board()
    board.accept(BoardPost(NOW - 60, {"line_A": 10, "line_B": 4}))
    board.accept(BoardPost(NOW, {"line_A": 10, "line_B": 4}))
    saved = board.stored()

    again = make_board()
    again.restore_stored(saved, NOW + 30)
    assert again.channel_energy_kwh == board.channel_energy_kwh
    assert again.role_energy_kwh == board.role_energy_kwh
    assert again.accept(BoardPost(NOW, {"line_A": 10})) is False  # a re-send

    for junk in (
        None,
        [],
        "x",
        {"channel_energy_kwh": {"line_A": math.nan, "gone": 5.0}, "last_time": "x"},
        {"role_energy_kwh": [1, 2], "last_timestamp": math.inf},
    ):
        fresh = make_board()
        fresh.restore_stored(junk, NOW)
        assert fresh.stored() == make_board().stored()


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("post"),
                st.floats(min_value=-400, max_value=900),
                st.floats(min_value=0, max_value=1e6),
                st.floats(allow_nan=True, allow_infinity=True),
            ),
            st.tuples(st.just("calibrate"), st.floats(allow_nan=True)),
            st.tuples(st.just("restore"), st.floats(allow_nan=True)),
        ),
        max_size=40,
    )
)
def test_no_nan_ever_reaches_a_total(steps: list[tuple[object, ...]]) -> None:
    """Posts (some ahead of the clock), calibrations and restores, any values."""
    board = make_board()
    now = NOW
    last_total = 0.0
    for step in steps:
        match step:
            case ("post", float(skew), float(amps), float(voltage)):
                now += 30
                with contextlib.suppress(PostRejected):
                    board.accept(
                        BoardPost(now + skew, {"line_A": amps}), voltage, now=now
                    )
            case ("calibrate", float(factor)):
                with contextlib.suppress(ValueError):
                    board.set_calibration("line_A", factor)
            case ("restore", float(kwh)):
                board.restore_channel_energy("line_A", kwh)
                board.restore_role_energy(TOTAL, kwh)
        totals = [*board.channel_energy_kwh.values(), *board.role_energy_kwh.values()]
        assert all(math.isfinite(kwh) and kwh >= 0 for kwh in totals)
        assert board.role_energy_kwh[TOTAL] >= last_total
        last_total = board.role_energy_kwh[TOTAL]
        assert board.last_time is None or board.last_time <= now


@settings(max_examples=500)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=600),  # seconds since the last post
            st.floats(min_value=-400, max_value=900),  # the board clock's error
            st.one_of(st.floats(min_value=0, max_value=1e6), st.just(math.nan)),
            st.floats(min_value=80, max_value=300) | st.none(),
        ),
        max_size=40,
    )
)
def test_energy_never_outruns_the_ratings_and_the_clock(
    steps: list[tuple[float, float, float, float | None]],
) -> None:
    """However the board's clock errs, a total grows at most by what every clamp
    at its rating could deliver over the time that really passed."""
    board = make_board()  # two 100 A clamps, PF 1
    now = NOW
    for wait_s, skew_s, amps, voltage in steps:
        now += wait_s
        with contextlib.suppress(PostRejected):
            board.accept(
                BoardPost(now + skew_s, {"line_A": amps, "line_B": amps}),
                voltage,
                now=now,
            )
        assert board.last_time is None or board.last_time <= now
    # Every sample counts from at least NOW - 400 s and at most now.
    bound_kwh = 2 * 100 * 300 * (now - NOW + 400) / 3_600_000
    assert 0 <= board.role_energy_kwh[TOTAL] <= bound_kwh + 1e-9
    assert board.role_energy_kwh[TOTAL] == pytest.approx(
        sum(board.channel_energy_kwh.values())
    )
