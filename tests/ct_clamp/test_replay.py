"""A day of board posts replayed through the webhook: energy matches the analytic integral."""

from freezegun.api import FrozenDateTimeFactory
from homeassistant.util import dt as dt_util
import pytest

from simulators.ct_board import CtBoardSimulator

from .conftest import T0, BoardFactory

VOLTS_PF = 230.0 * 0.95
INTERVAL_S = 60.0
POSTS_PER_DAY = 1440


async def test_day_replay_matches_analytic_energy(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    simulator = CtBoardSimulator()
    simulator.faults.extra.update(drop_rate=0.1, duplicate_rate=0.05)
    posts = simulator.planned_posts(T0, POSTS_PER_DAY, INTERVAL_S)
    timestamps = [post["timestamp"] for post in posts]
    # The replay really has drops and duplicates.
    assert len(set(timestamps)) < POSTS_PER_DAY
    assert len(timestamps) > len(set(timestamps))

    keys = (
        "channel_line_A_energy",
        "channel_line_B_energy",
        "grid_energy",
        "total_energy",
    )
    last = dict.fromkeys(keys, 0.0)
    duplicates = 0
    for post in posts:
        frozen.move_to(dt_util.utc_from_timestamp(post["timestamp"] + 2))
        status, answer = await board.post(post)
        assert status == 200, answer
        duplicates += answer["status"] == "duplicate"
        for key in keys:
            value = board.value(key)
            assert value >= last[key], key
            last[key] = value

    assert duplicates == len(timestamps) - len(set(timestamps))
    # No run of drops reached the 5 minute maximum gap, so nothing was skipped.
    assert board.value("gaps") == 0
    first, final = timestamps[0], timestamps[-1]
    for channel in ("line_A", "line_B"):
        analytic_kwh = (
            VOLTS_PF * simulator.profiles[channel].charge(first, final) / 3_600_000
        )
        assert board.value(f"channel_{channel}_energy") == pytest.approx(
            analytic_kwh, rel=0.005
        )
    total_kwh = sum(
        VOLTS_PF * profile.charge(first, final) / 3_600_000
        for profile in simulator.profiles.values()
    )
    assert board.value("total_energy") == pytest.approx(total_kwh, rel=0.005)
    assert final - first > 23.9 * 3600
