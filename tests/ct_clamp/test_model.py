"""The Home-Assistant-free core: validation, integration, restore."""

import math

from hypothesis import given, strategies as st
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
        "message": "must be between 0 and 500",
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
        ("line_A", [("line_A", "line_A")]),
        (
            "line_A: Mains , line_B:Solar\n\nct-3",
            [("line_A", "Mains"), ("line_B", "Solar"), ("ct-3", "ct-3")],
        ),
    ],
)
def test_channel_spec(spec: str, parsed: list[tuple[str, str]]) -> None:
    assert parse_channel_spec(spec) == parsed
    # The reconfigure form shows the list in a form that reads back the same.
    assert parse_channel_spec(format_channel_spec(parsed)) == parsed


def test_formatted_channel_spec_is_one_channel_a_line() -> None:
    channels = [("line_A", "Mains: house"), ("line_B", "line_B")]
    assert format_channel_spec(channels) == "line_A: Mains: house\nline_B"
    assert parse_channel_spec(format_channel_spec(channels)) == channels


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
