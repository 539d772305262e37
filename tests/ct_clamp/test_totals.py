"""Totals you can bill by: kept in a Store, restored at their largest, never NaN.

A CT board keeps no energy counter: Energy Hub integrates it from the posts.
So the core's counter guard (misread, replaced meter) has no device counter
to guard here; what stands in for it is below: a misread after a restart is
refused for its channel (never integrated, never published), a board that
reboots takes no total down, and the totals survive a power cut through the
Store, saved seconds after each post rather than every 15 minutes.
"""

from datetime import timedelta
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub import async_remove_config_entry_device
from simulators.ct_board import CtBoardSimulator

from .conftest import CHANNELS, START, T0, Board, BoardFactory, board_entry, full_post

VOLTS_PF = 230.0 * 0.95
ENTRY_ID = "01JCTBOARD0000000000000000"
STORE_KEY = f"energy_hub.ct_clamp.{ENTRY_ID}"
MISREAD_A = 429496729.5  # 2**32 / 10: a 32-bit counter read as amps


def kwh(amps_a: float, amps_b: float, seconds: float) -> float:
    """Trapezoidal energy between two readings at 230 V and PF 0.95."""
    return (amps_a + amps_b) / 2 * VOLTS_PF * seconds / 3_600_000


def stored(
    line_a: float, total: float, *, last_timestamp: float | None = None
) -> dict[str, Any]:
    """The Store's file as Home Assistant keeps it (`hass_storage`)."""
    return {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "channel_energy_kwh": {"line_A": line_a, "line_B": 0.0, "line_C": 0.0},
            "role_energy_kwh": {
                "grid": line_a,
                "solar": 0.0,
                "load": 0.0,
                "total": total,
            },
            "last_timestamp": last_timestamp,
            "last_time": last_timestamp,
        },
    }


def restored_energy(hass: HomeAssistant, line_a: float, total: float) -> None:
    """The sensors' restore state, as Home Assistant last saved it."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.ct_clamps_mains_energy", str(line_a)),
                {"native_value": line_a, "native_unit_of_measurement": "kWh"},
            ),
            (
                State("sensor.ct_clamps_total_energy", str(total)),
                {"native_value": total, "native_unit_of_measurement": "kWh"},
            ),
        ],
    )


async def _two_posts(board: Board, frozen: FrozenDateTimeFactory) -> None:
    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(60)
    assert await board.post(full_post(T0 + 60, line_A=10.0)) == (200, {"status": "ok"})


async def test_totals_are_saved_seconds_after_a_post(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    await _two_posts(board, frozen)
    energy = board.value("channel_line_A_energy")
    assert energy == pytest.approx(kwh(10, 10, 60))

    frozen.tick(11)
    async_fire_time_changed(board.hass)
    await board.hass.async_block_till_done()
    data = hass_storage[STORE_KEY]["data"]
    assert data["channel_energy_kwh"]["line_A"] == pytest.approx(energy)
    assert data["role_energy_kwh"]["total"] == pytest.approx(energy)
    assert data["last_timestamp"] == T0 + 60


async def test_pending_totals_are_written_when_home_assistant_stops(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    await _two_posts(board, frozen)
    board.hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await board.hass.async_block_till_done()
    data = hass_storage[STORE_KEY]["data"]
    assert data["channel_energy_kwh"]["line_A"] == pytest.approx(kwh(10, 10, 60))


async def test_totals_are_saved_at_unload(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    await _two_posts(board, frozen)
    assert await board.hass.config_entries.async_unload(ENTRY_ID)
    data = hass_storage[STORE_KEY]["data"]
    assert data["channel_energy_kwh"]["line_A"] == pytest.approx(kwh(10, 10, 60))


@pytest.mark.parametrize(
    ("saved", "state", "expected"),
    [
        # A power cut: the Store was written seconds before, the restore
        # state up to 15 minutes before.
        ((12.8, 20.3), (12.5, 20.0), (12.8, 20.3)),
        # A Store older than the state (restored from a backup): the state.
        ((10.0, 15.0), (12.5, 20.0), (12.5, 20.0)),
        # No restore state at all (it was never saved): the Store.
        ((12.8, 20.3), None, (12.8, 20.3)),
    ],
    ids=["store newer", "state newer", "store only"],
)
async def test_restart_takes_the_larger_of_store_and_state(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    *,
    saved: tuple[float, float],
    state: tuple[float, float] | None,
    expected: tuple[float, float],
) -> None:
    hass_storage[STORE_KEY] = stored(*saved)
    if state is not None:
        restored_energy(hass, *state)
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    assert board.value("channel_line_A_energy") == expected[0]
    assert board.value("total_energy") == expected[1]
    # Counting on from there.
    await _two_posts(board, frozen)
    assert board.value("channel_line_A_energy") == pytest.approx(
        expected[0] + kwh(10, 10, 60)
    )
    assert board.value("total_energy") == pytest.approx(expected[1] + kwh(10, 10, 60))


async def test_a_store_with_junk_is_ignored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_board: BoardFactory,
) -> None:
    junk = stored(12.8, 20.3)
    junk["data"]["channel_energy_kwh"]["line_A"] = "NaN"
    junk["data"]["role_energy_kwh"]["total"] = -4.0
    junk["data"]["last_timestamp"] = 1e300
    hass_storage[STORE_KEY] = junk
    restored_energy(hass, 12.5, 20.0)
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    assert board.value("channel_line_A_energy") == 12.5
    assert board.value("total_energy") == 20.0
    assert await board.post(full_post(T0, line_A=1.0)) == (200, {"status": "ok"})


async def test_deleting_the_entry_deletes_its_store(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
) -> None:
    hass_storage[STORE_KEY] = stored(12.8, 20.3)
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    await _two_posts(board, frozen)
    await hass.config_entries.async_remove(ENTRY_ID)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage


async def test_the_board_device_cannot_be_deleted_from_the_ui(
    hass: HomeAssistant, setup_board: BoardFactory
) -> None:
    board = await setup_board()
    (device,) = dr.async_entries_for_config_entry(
        dr.async_get(hass), board.entry.entry_id
    )
    assert not await async_remove_config_entry_device(hass, board.entry, device)


async def test_restart_with_a_misread_publishes_only_good_readings(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
) -> None:
    """(a) Totals restored (Store and state); the board's first post misreads."""
    hass_storage[STORE_KEY] = stored(12.8, 20.3, last_timestamp=T0 - 600)
    restored_energy(hass, 12.5, 20.0)
    channels = [{**channel, "max_current": 30} for channel in CHANNELS]
    board = await setup_board(board_entry(entry_id=ENTRY_ID, channels=channels))
    url = str(board.client.make_url(f"/api/webhook/{board.entry.data['webhook_id']}"))
    simulator = CtBoardSimulator()
    simulator.faults.extra["amps"] = {"line_A": MISREAD_A}
    try:
        assert await simulator.post_once(url) == 200
        await hass.async_block_till_done()
        # Never published: no current, no power, and no energy from it.
        assert board.state("channel_line_A_current").state == STATE_UNAVAILABLE
        assert board.value("channel_line_A_energy") == 12.8
        assert board.value("total_energy") == 20.3
        assert board.value("gaps") == 1
        assert board.state("channel_line_A_energy").attributes["refused_readings"] == 1
        # The other clamp of the same post was kept.
        line_b = simulator.last_post["channels"]["line_B"]["current_amps"]
        assert board.value("channel_line_B_current") == line_b

        # Then good readings are published and integrated.
        del simulator.faults.extra["amps"]
        frozen.tick(60)
        assert await simulator.post_once(url) == 200
        first = simulator.last_post["channels"]["line_A"]["current_amps"]
        frozen.tick(60)
        assert await simulator.post_once(url) == 200
        second = simulator.last_post["channels"]["line_A"]["current_amps"]
        await hass.async_block_till_done()
        assert board.value("channel_line_A_current") == second
        assert board.value("channel_line_A_energy") == pytest.approx(
            12.8 + kwh(first, second, 60)
        )
    finally:
        await simulator.stop()


async def test_a_rebooted_board_takes_no_total_down(
    hass: HomeAssistant,
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
) -> None:
    """(b) What stands in for a replaced meter: the board restarts from scratch.

    Its uptime starts again at 0 and it re-sends its last reading; Home
    Assistant restarts too. Every total only grows, by what the posts
    integrate.
    """
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    url = str(board.client.make_url(f"/api/webhook/{board.entry.data['webhook_id']}"))
    simulator = CtBoardSimulator()
    keys = ("channel_line_A_energy", "channel_line_B_energy", "total_energy")
    last = dict.fromkeys(keys, 0.0)
    readings: list[float] = []

    async def post_and_check() -> None:
        frozen.tick(60)
        assert await simulator.post_once(url) == 200
        await hass.async_block_till_done()
        readings.append(simulator.last_post["channels"]["line_A"]["current_amps"])
        for key in keys:
            assert board.value(key) >= last[key], key
            last[key] = board.value(key)

    try:
        for _ in range(3):
            await post_and_check()
        before = board.value("channel_line_A_energy")
        assert await simulator.reboot(url) == [200, 200]
        assert await hass.config_entries.async_reload(ENTRY_ID)
        await hass.async_block_till_done()
        assert board.value("channel_line_A_energy") == pytest.approx(before)
        readings.clear()
        for _ in range(3):
            await post_and_check()
        assert board.value("uptime") < 0.1  # hours: the board restarted
    finally:
        await simulator.stop()
    # After the restart the first post starts a new interval.
    assert board.value("channel_line_A_energy") == pytest.approx(
        before + kwh(readings[0], readings[1], 60) + kwh(readings[1], readings[2], 60)
    )


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0.0, 2.5])
async def test_calibration_refuses_nan_and_out_of_range(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory, value: float
) -> None:
    """(c) The control entity with `nan` and friends: refused, nothing changes."""
    board = await setup_board()
    hass = board.hass
    number = board.entity_id("channel_line_A_calibration", "number")
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: number, ATTR_VALUE: value},
            blocking=True,
        )
    # Home Assistant's own check (out of range, ±inf) or ours (nan).
    assert caught.value.translation_key in {"out_of_range", "value_out_of_range"}
    assert hass.states.get(number).state == "1.0"
    assert board.entry.runtime_data.coordinator.data.channels["line_A"].calibration == 1
    await _two_posts(board, frozen)
    energy = board.value("channel_line_A_energy")
    assert math.isfinite(energy)
    assert energy == pytest.approx(kwh(10, 10, 60))


@pytest.mark.parametrize("value", [math.nan, math.inf, 5.0, -1.0, 0.0])
async def test_restored_calibration_out_of_range_is_ignored(
    hass: HomeAssistant,
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    value: float,
) -> None:
    """A calibration an older release let through never reaches a total."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("number.ct_clamps_mains_calibration", str(value)),
                {
                    "native_value": value,
                    "native_min_value": 0.5,
                    "native_max_value": 2.0,
                    "native_step": 0.001,
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    board = await setup_board()
    assert board.state("channel_line_A_calibration", "number").state == "1.0"
    assert "ignored the restored calibration" in caplog.text
    await _two_posts(board, frozen)
    assert board.value("channel_line_A_current") == 10.0
    assert board.value("channel_line_A_energy") == pytest.approx(kwh(10, 10, 60))


async def test_post_stamped_ahead_integrates_up_to_now_only(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    """A board clock 299 s fast: no energy beyond now, and no lock-out after."""
    board = await setup_board()
    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(60)
    assert await board.post(full_post(T0 + 359, line_A=10.0)) == (
        200,
        {"status": "ok"},
    )
    assert board.value("channel_line_A_energy") == pytest.approx(kwh(10, 10, 60))
    assert (
        board.state("last_update").state == (START + timedelta(seconds=60)).isoformat()
    )
    # The board's clock is corrected: its next post is accepted.
    frozen.tick(60)
    assert await board.post(full_post(T0 + 120, line_A=10.0)) == (
        200,
        {"status": "ok"},
    )
    assert board.value("channel_line_A_energy") == pytest.approx(kwh(10, 10, 120))


async def test_post_far_in_the_future_locks_nothing_out(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    status, answer = await board.post(full_post(T0 + 10 * 86400, line_A=10.0))
    assert (status, answer["field"]) == (400, "timestamp")
    assert await board.post(full_post(T0, line_A=10.0)) == (200, {"status": "ok"})


async def test_last_post_restored_from_the_future_locks_nothing_out(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_board: BoardFactory,
) -> None:
    """Home Assistant's clock was a day fast before the restart (then NTP fixed it)."""
    tomorrow = START + timedelta(days=1)
    hass_storage[STORE_KEY] = stored(1.0, 1.0, last_timestamp=tomorrow.timestamp())
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.ct_clamps_last_post", tomorrow.isoformat()),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": tomorrow.isoformat(),
                    },
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    assert await board.post(full_post(T0, line_A=10.0)) == (200, {"status": "ok"})
    assert board.state("last_update").state == START.isoformat()
