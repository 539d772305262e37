"""Posting to a board's webhook through Home Assistant's HTTP server."""

from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import webhook
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.webhook import DOMAIN as WEBHOOK_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.ct_clamp.coordinator import CtClampCoordinator
from custom_components.energy_hub.diagnostics import (
    async_get_config_entry_diagnostics,
)

from .conftest import START, T0, WEBHOOK_ID, BoardFactory, board_entry, full_post

VOLTS_PF = 230.0 * 0.95


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records with a traceback, from Energy Hub or Home Assistant's webhook.

    (Under the frozen clock aiohttp's access logger fails to format its own
    line: that one is the test's clock, not the post.)
    """
    return [
        record
        for record in caplog.records
        if (record.exc_info or "Error processing webhook" in record.getMessage())
        and record.name.startswith(("custom_components", "homeassistant"))
    ]


def kwh(power_a_w: float, power_b_w: float, seconds: float) -> float:
    """Trapezoidal energy between two power samples."""
    return (power_a_w + power_b_w) / 2 * seconds / 3_600_000


async def test_valid_posts_give_current_power_and_energy(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    assert board.state("channel_line_A_current").state == STATE_UNAVAILABLE

    status, answer = await board.post(
        full_post(T0, line_A=10.0, line_B=4.0, line_C=2.0)
    )
    assert (status, answer) == (200, {"status": "ok"})
    assert board.value("channel_line_A_current") == pytest.approx(10.0)
    assert board.value("channel_line_A_power") == pytest.approx(10.0 * VOLTS_PF)
    assert board.value("total_power") == pytest.approx(16.0 * VOLTS_PF)
    assert board.value("grid_power") == pytest.approx(10.0 * VOLTS_PF)
    assert board.value("solar_power") == pytest.approx(4.0 * VOLTS_PF)
    assert board.value("load_power") == pytest.approx(2.0 * VOLTS_PF)
    assert board.state("last_update").state == START.isoformat()

    frozen.tick(60)
    # The minimal form: amps only, timestamped on receipt.
    status, _ = await board.post({"channels": {"line_A": 14.0}})
    assert status == 200
    expected_a = kwh(10.0 * VOLTS_PF, 14.0 * VOLTS_PF, 60)
    assert board.value("channel_line_A_energy") == pytest.approx(expected_a)
    assert board.value("grid_energy") == pytest.approx(expected_a)
    # line_B and line_C were not in the second post: nothing integrated yet.
    assert board.value("channel_line_B_energy") == 0
    assert board.value("total_energy") == pytest.approx(expected_a)
    assert board.value("channel_line_B_power") == pytest.approx(4.0 * VOLTS_PF)
    energy = board.state("channel_line_A_energy")
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert energy.attributes["device_class"] == "energy"


async def test_duplicate_post_is_ignored(setup_board: BoardFactory) -> None:
    board = await setup_board()
    await board.post(full_post(T0 - 60, line_A=10.0))
    await board.post(full_post(T0, line_A=12.0))
    energy = board.value("channel_line_A_energy")

    status, answer = await board.post(full_post(T0, line_A=30.0))
    assert (status, answer) == (200, {"status": "duplicate"})
    assert board.value("channel_line_A_current") == 12.0
    assert board.value("channel_line_A_energy") == energy


async def test_rebooted_board_resending_an_old_reading_gets_no_400(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Back after two hours, the board re-sends the reading it posted last, twice."""
    board = await setup_board()
    await board.post(full_post(T0 - 60, line_A=10.0))
    last = full_post(T0, line_A=12.0)
    await board.post(last)
    board_state = board.entry.runtime_data.coordinator.data
    energy = board_state.channel_energy_kwh["line_A"]
    assert energy > 0
    frozen.tick(2 * 3600)  # older than the far-past limit now
    caplog.clear()

    for _ in range(2):
        assert await board.post(last) == (200, {"status": "duplicate"})
    assert (board_state.posts, board_state.duplicates) == (2, 2)
    assert board_state.channel_energy_kwh["line_A"] == energy
    assert "rejected" not in caplog.text
    # A new reading that old is still refused: only the last one is known.
    status, answer = await board.post(full_post(T0 + 60, line_A=12.0))
    assert (status, answer["field"]) == (400, "timestamp")


async def test_reading_resent_after_a_reload_is_a_duplicate(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    """The last post's time survives a reload, so a re-send is still recognised."""
    board = await setup_board()
    hass = board.hass
    last = full_post(T0, line_A=12.0)
    await board.post(last)
    last_post = board.state("last_update").state
    assert last_post == START.isoformat()

    await hass.config_entries.async_reload(board.entry.entry_id)
    await hass.async_block_till_done()
    assert board.state("last_update").state == last_post
    frozen.tick(2 * 3600)
    for _ in range(2):
        assert await board.post(last) == (200, {"status": "duplicate"})
    board_state = board.entry.runtime_data.coordinator.data
    assert (board_state.posts, board_state.duplicates) == (0, 2)
    assert board_state.channel_energy_kwh["line_A"] == 0.0


async def test_fresh_start_restores_the_last_post_time(
    hass: HomeAssistant, setup_board: BoardFactory
) -> None:
    """As after a Home Assistant restart: a re-sent reading is a duplicate."""
    last_post = START - timedelta(hours=3)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.ct_clamps_last_post", last_post.isoformat()),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": last_post.isoformat(),
                    },
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    board = await setup_board()
    assert board.entity_id("last_update") == "sensor.ct_clamps_last_post"
    assert board.state("last_update").state == last_post.isoformat()
    resent = full_post(last_post.timestamp(), line_A=12.0)
    assert await board.post(resent) == (200, {"status": "duplicate"})
    # A new reading replaces the restored time.
    assert await board.post(full_post(T0, line_A=12.0)) == (200, {"status": "ok"})
    assert board.state("last_update").state == START.isoformat()


BAD_POSTS: list[tuple[str, Any, str]] = [
    ("not an object", [1, 2], "body"),
    ("no channels", {"timestamp": T0}, "channels"),
    ("empty channels", {"channels": {}}, "channels"),
    ("unknown channel", {"channels": {"line_Z": 1.0}}, "channels.line_Z"),
    ("unknown top-level field", {"channels": {"line_A": 1.0}, "volts": 230}, "volts"),
    ("text current", {"channels": {"line_A": "5.2"}}, "channels.line_A"),
    ("boolean current", {"channels": {"line_A": True}}, "channels.line_A"),
    ("negative current", {"channels": {"line_A": -1.0}}, "channels.line_A"),
    ("400-digit current", {"channels": {"line_A": 10**400}}, "channels.line_A"),
    (
        "400-digit current_amps",
        {"channels": {"line_A": {"current_amps": 10**400}}},
        "channels.line_A.current_amps",
    ),
    (
        "400-digit timestamp",
        {"timestamp": 10**400, "channels": {"line_A": 1}},
        "timestamp",
    ),
    (
        "400-digit uptime",
        {"channels": {"line_A": 1.0}, "uptime_s": 10**400},
        "uptime_s",
    ),
    ("channel id with a newline", {"channels": {"line_A\n": 1.0}}, "channels"),
    ("field with a newline", {"channels": {"line_A": 1.0}, "uptime_s\n": 1}, "body"),
    (
        "missing current_amps",
        {"channels": {"line_A": {"voltage_mv": 170}}},
        "channels.line_A.current_amps",
    ),
    (
        "null current_amps",
        {"channels": {"line_A": {"current_amps": None}}},
        "channels.line_A.current_amps",
    ),
    (
        "unknown channel field",
        {"channels": {"line_A": {"current_amps": 1, "watts": 2}}},
        "channels.line_A.watts",
    ),
    (
        "bad voltage_mv",
        {"channels": {"line_A": {"current_amps": 1, "voltage_mv": "x"}}},
        "channels.line_A.voltage_mv",
    ),
    (
        "future timestamp",
        {"timestamp": T0 + 3600, "channels": {"line_A": 1.0}},
        "timestamp",
    ),
    (
        "far-past timestamp",
        {"timestamp": T0 - 2 * 86400, "channels": {"line_A": 1.0}},
        "timestamp",
    ),
    ("unset board clock", {"timestamp": 12, "channels": {"line_A": 1.0}}, "timestamp"),
    ("text timestamp", {"timestamp": "now", "channels": {"line_A": 1.0}}, "timestamp"),
    (
        "older than last post",
        {"timestamp": T0 - 120, "channels": {"line_A": 1.0}},
        "timestamp",
    ),
    ("wrong method", {"channels": {"line_A": 1.0}, "method": "ocr"}, "method"),
    (
        "negative board power",
        {"channels": {"line_A": 1.0}, "estimated_power_watts": -5},
        "estimated_power_watts",
    ),
    ("positive RSSI", {"channels": {"line_A": 1.0}, "wifi_rssi": 20}, "wifi_rssi"),
    ("negative uptime", {"channels": {"line_A": 1.0}, "uptime_s": -1}, "uptime_s"),
]


@pytest.mark.parametrize(
    ("body", "field"),
    [case[1:] for case in BAD_POSTS],
    ids=[case[0] for case in BAD_POSTS],
)
async def test_bad_post_is_rejected_and_changes_nothing(
    setup_board: BoardFactory,
    caplog: pytest.LogCaptureFixture,
    body: Any,
    field: str,
) -> None:
    board = await setup_board()
    await board.post(full_post(T0 - 60, line_A=10.0, line_B=1.0, line_C=1.0))
    before = {state.entity_id: state for state in board.hass.states.async_all()}
    caplog.clear()

    status, answer = await board.post(body)

    assert status == 400
    assert answer["field"] == field
    assert answer["error"] == "invalid_post"
    after = {state.entity_id: state for state in board.hass.states.async_all()}
    assert after == before
    assert board.entry.runtime_data.coordinator.data.posts == 1
    ours = [
        r for r in caplog.records if r.name.startswith("custom_components.energy_hub")
    ]
    assert len(ours) == 1
    assert ours[0].levelno == logging.WARNING
    assert field in ours[0].getMessage()
    assert board.entry.data["webhook_id"] not in ours[0].getMessage()
    assert not tracebacks(caplog)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"channels": {"line_A": 5.2', "body"),
        (b"\xff\xfe not utf-8", "body"),
        (b'{"channels": {"line_A": NaN}}', "channels.line_A"),
        (b'{"channels": {"line_A": Infinity}}', "channels.line_A"),
        (b'{"channels": {"line_A": 1.0}, "pad": "' + b"x" * 20000 + b'"}', "body"),
        (b'{"channels": {"line_A": 1e400}}', "channels.line_A"),
        (b'{"channels": {"line_A": ' + b"9" * 400 + b"}}", "channels.line_A"),
        (b'{"channels": {"line_A": ' + b"9" * 5000 + b"}}", "body"),
        (b"[" * 10000 + b"]" * 10000, "body"),
        (b'{"channels": ' * 3000 + b"1" + b"}" * 3000, "body"),
        (b"\x00" * 100, "body"),
        (b"", "body"),
    ],
    ids=[
        "truncated JSON",
        "not UTF-8",
        "NaN",
        "Infinity",
        "oversized body",
        "1e400",
        "400-digit integer",
        "5000-digit integer",
        "nested lists",
        "nested objects",
        "NUL bytes",
        "empty",
    ],
)
async def test_undecodable_body_is_rejected(
    setup_board: BoardFactory,
    caplog: pytest.LogCaptureFixture,
    raw: bytes,
    field: str,
) -> None:
    """Answered 400, never 500; no traceback, and the webhook id in no line of ours."""
    board = await setup_board()
    status, answer = await board.post(None, raw=raw)
    assert status == 400
    assert answer["field"] == field
    assert board.entry.runtime_data.coordinator.data.posts == 0
    assert board.state("channel_line_A_current").state == STATE_UNAVAILABLE
    assert not tracebacks(caplog)
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    assert all(WEBHOOK_ID not in record.getMessage() for record in ours)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_body_that_cannot_be_decompressed_is_rejected(
    setup_board: BoardFactory, caplog: pytest.LogCaptureFixture, encoding: str
) -> None:
    board = await setup_board()
    status, answer = await board.post(
        None, raw=b"not compressed at all", headers={"Content-Encoding": encoding}
    )
    assert (status, answer["field"]) == (400, "body")
    assert not tracebacks(caplog)


async def test_gap_produces_no_energy(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(60)
    await board.post(full_post(T0 + 60, line_A=10.0))
    before_gap = board.value("channel_line_A_energy")
    assert before_gap == pytest.approx(kwh(10 * VOLTS_PF, 10 * VOLTS_PF, 60))

    # The board was off for 20 minutes (longer than the 5 minute maximum).
    frozen.tick(1200)
    await board.post(full_post(T0 + 1260, line_A=40.0))
    assert board.value("channel_line_A_energy") == before_gap
    assert board.value("total_energy") == before_gap
    assert board.value("gaps") == 1
    assert board.state("gaps").attributes["gap_seconds"] == 1200
    assert board.state("channel_line_A_energy").attributes["gaps"] == 1
    assert board.state("total_energy").attributes["gaps"] == 1

    # Integration resumes from the sample after the gap.
    frozen.tick(60)
    await board.post(full_post(T0 + 1320, line_A=40.0))
    assert board.value("channel_line_A_energy") == pytest.approx(
        before_gap + kwh(40 * VOLTS_PF, 40 * VOLTS_PF, 60)
    )


async def test_short_gap_is_integrated_trapezoidally(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board(max_gap=300)
    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(240)  # three posts dropped, still under the 5 minute maximum
    await board.post(full_post(T0 + 240, line_A=20.0))
    assert board.value("channel_line_A_energy") == pytest.approx(
        kwh(10 * VOLTS_PF, 20 * VOLTS_PF, 240)
    )
    assert board.value("gaps") == 0


async def test_silent_board_goes_unavailable_and_comes_back(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await setup_board(stale_timeout=120)
    await board.post(full_post(T0, line_A=10.0))
    assert board.value("channel_line_A_power") > 0

    frozen.tick(121)
    async_fire_time_changed(board.hass)
    await board.hass.async_block_till_done()
    for key in (
        "channel_line_A_current",
        "channel_line_A_power",
        "total_power",
        "channel_line_A_energy",
        "last_update",
    ):
        assert board.state(key).state == STATE_UNAVAILABLE, key
    # Calibration stays settable while the board is silent.
    assert board.state("channel_line_A_calibration", "number").state == "1.0"
    assert caplog.text.count("no post for 120 s") == 1

    # Still silent later: logged once only.
    frozen.tick(300)
    async_fire_time_changed(board.hass)
    await board.hass.async_block_till_done()
    assert caplog.text.count("no post for 120 s") == 1

    status, _ = await board.post(full_post(T0 + 421, line_A=11.0))
    assert status == 200
    assert board.value("channel_line_A_current") == 11.0
    assert board.value("channel_line_A_energy") == 0  # 421 s is a gap


async def test_calibration_changes_next_values_only(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    hass = board.hass
    await board.post(full_post(T0, line_A=10.0))
    number = board.entity_id("channel_line_A_calibration", "number")

    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: number, ATTR_VALUE: 1.1},
        blocking=True,
    )
    assert hass.states.get(number).state == "1.1"
    # The reading already taken keeps the factor it was taken with.
    assert board.value("channel_line_A_current") == 10.0
    assert board.value("channel_line_A_energy") == 0

    frozen.tick(60)
    await board.post(full_post(T0 + 60, line_A=10.0))
    assert board.value("channel_line_A_current") == pytest.approx(11.0)
    assert board.value("channel_line_A_power") == pytest.approx(11.0 * VOLTS_PF)
    assert board.value("channel_line_A_energy") == pytest.approx(
        kwh(10.0 * VOLTS_PF, 11.0 * VOLTS_PF, 60)
    )
    # Other channels keep their own factor.
    await board.post(full_post(T0 + 61, line_B=10.0))
    assert board.value("channel_line_B_current") == 10.0


async def test_voltage_sensor_replaces_nominal_voltage(
    setup_board: BoardFactory, caplog: pytest.LogCaptureFixture
) -> None:
    hass: HomeAssistant
    board = await setup_board(voltage_entity="sensor.p1_voltage")
    hass = board.hass
    hass.states.async_set("sensor.p1_voltage", "241.5", {"unit_of_measurement": "V"})
    await board.post(full_post(T0 - 120, line_A=10.0))
    assert board.value("channel_line_A_power") == pytest.approx(10.0 * 241.5 * 0.95)

    hass.states.async_set("sensor.p1_voltage", STATE_UNAVAILABLE)
    await board.post(full_post(T0 - 60, line_A=10.0))
    assert board.value("channel_line_A_power") == pytest.approx(10.0 * VOLTS_PF)
    assert caplog.text.count("has no usable voltage") == 1
    await board.post(full_post(T0, line_A=10.0))
    assert caplog.text.count("has no usable voltage") == 1


async def test_board_health_sensors(setup_board: BoardFactory) -> None:
    board = await setup_board()
    assert board.state("wifi_rssi").state == STATE_UNAVAILABLE
    await board.post({**full_post(T0, line_A=1.0), "wifi_rssi": -67, "uptime_s": 7200})
    assert board.value("wifi_rssi") == -67
    uptime = board.state("uptime")
    assert float(uptime.state) == pytest.approx(2.0)
    assert uptime.attributes["unit_of_measurement"] == "h"


async def test_restart_restores_energy_totals(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    hass = board.hass
    await board.post(full_post(T0, line_A=10.0, line_B=5.0))
    frozen.tick(60)
    await board.post(full_post(T0 + 60, line_A=10.0, line_B=5.0))
    before = {
        key: board.value(key)
        for key in (
            "channel_line_A_energy",
            "grid_energy",
            "solar_energy",
            "total_energy",
        )
    }
    assert before["total_energy"] > 0

    # Unload and load again, as on a restart: the totals come back from the
    # restore-state cache, then keep counting from there.
    await hass.config_entries.async_reload(board.entry.entry_id)
    await hass.async_block_till_done()
    for key, value in before.items():
        assert board.value(key) == pytest.approx(value), key
    frozen.tick(60)
    await board.post(full_post(T0 + 120, line_A=10.0, line_B=5.0))
    frozen.tick(60)
    await board.post(full_post(T0 + 180, line_A=10.0, line_B=5.0))
    assert board.value("channel_line_A_energy") == pytest.approx(
        before["channel_line_A_energy"] + kwh(10 * VOLTS_PF, 10 * VOLTS_PF, 60)
    )
    assert board.value("total_energy") == pytest.approx(
        before["total_energy"] + kwh(15 * VOLTS_PF, 15 * VOLTS_PF, 60)
    )


async def test_options_change_voltage_without_recreating(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    hass = board.hass
    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(60)
    await board.post(full_post(T0 + 60, line_A=10.0))
    energy = board.value("channel_line_A_energy")
    entry_id = board.entry.entry_id

    result = await hass.config_entries.options.async_init(entry_id)
    assert result["step_id"] == "ct_clamp_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"voltage": 240, "power_factor": 1.0, "stale_timeout": 600, "max_gap": 900},
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(entry_id) is board.entry
    assert board.entry.options["voltage"] == 240.0

    frozen.tick(60)
    await board.post(full_post(T0 + 120, line_A=10.0))
    assert board.value("channel_line_A_power") == pytest.approx(2400.0)
    assert board.value("channel_line_A_energy") == pytest.approx(energy)
    frozen.tick(600)  # under the new 15 minute maximum gap
    await board.post(full_post(T0 + 720, line_A=10.0))
    assert board.value("channel_line_A_energy") == pytest.approx(
        energy + 2.4 * 600 / 3600
    )


async def test_diagnostics_redact_the_webhook(setup_board: BoardFactory) -> None:
    board = await setup_board()
    await board.post(full_post(T0, line_A=3.0))
    diagnostics = await async_get_config_entry_diagnostics(board.hass, board.entry)
    assert board.entry.data["webhook_id"] not in repr(diagnostics)
    assert diagnostics["source"]["board"]["posts"] == 1
    assert diagnostics["source"]["local_only"] is True


async def test_unload_unregisters_the_webhook(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    coordinator = board.entry.runtime_data.coordinator
    assert await board.hass.config_entries.async_unload(board.entry.entry_id)
    assert WEBHOOK_ID not in board.hass.data[WEBHOOK_DOMAIN]
    # The stale timer stopped too: an unloaded board never goes stale.
    frozen.tick(301)
    async_fire_time_changed(board.hass)
    await board.hass.async_block_till_done()
    assert coordinator.stale is False
    status, answer = await board.post(full_post(T0, line_A=3.0))
    # Home Assistant's answer for unknown webhooks: an empty 200, not ours.
    assert (status, answer) == (200, None)
    # Setting up again registers it again.
    assert await board.hass.config_entries.async_setup(board.entry.entry_id)
    await board.hass.async_block_till_done()
    status, answer = await board.post(full_post(T0, line_A=3.0))
    assert (status, answer) == (200, {"status": "ok"})


async def test_failed_setup_leaves_no_webhook_behind(
    hass: HomeAssistant, setup_board: BoardFactory
) -> None:
    """A set-up that fails after registering the webhook unregisters it again."""
    entry = board_entry()
    entry.add_to_hass(hass)
    with patch.object(
        CtClampCoordinator, "async_start", side_effect=RuntimeError("boom")
    ):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert WEBHOOK_ID not in hass.data[WEBHOOK_DOMAIN]

    # Set up again (as a retry would): the webhook registers anew.
    await hass.config_entries.async_unload(entry.entry_id)
    board = await setup_board(entry)
    status, answer = await board.post(full_post(T0, line_A=3.0))
    assert (status, answer) == (200, {"status": "ok"})


async def test_webhook_is_local_only_unless_allowed(setup_board: BoardFactory) -> None:
    board = await setup_board()
    handlers = board.hass.data[WEBHOOK_DOMAIN]
    assert handlers[board.entry.data["webhook_id"]].local_only is True
    assert handlers[board.entry.data["webhook_id"]].allowed_methods == frozenset(
        {"POST"}
    )


async def test_fresh_start_restores_totals_and_calibration(
    hass: HomeAssistant, setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    """As after a Home Assistant restart: the values come from the restore cache."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.ct_clamps_mains_energy", "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            ),
            (
                State("sensor.ct_clamps_total_energy", "20.0"),
                {"native_value": 20.0, "native_unit_of_measurement": "kWh"},
            ),
            (
                State("number.ct_clamps_mains_calibration", "1.05"),
                {
                    "native_value": 1.05,
                    "native_min_value": 0.5,
                    "native_max_value": 2.0,
                    "native_step": 0.001,
                    "native_unit_of_measurement": None,
                },
            ),
        ],
    )
    board = await setup_board()
    assert board.entity_id("channel_line_A_energy") == "sensor.ct_clamps_mains_energy"
    assert board.value("channel_line_A_energy") == 12.5
    assert board.value("total_energy") == 20.0
    assert board.state("channel_line_A_calibration", "number").state == "1.05"

    await board.post(full_post(T0, line_A=10.0))
    frozen.tick(60)
    await board.post(full_post(T0 + 60, line_A=10.0))
    added = kwh(10.5 * VOLTS_PF, 10.5 * VOLTS_PF, 60)
    assert board.value("channel_line_A_current") == pytest.approx(10.5)
    assert board.value("channel_line_A_energy") == pytest.approx(12.5 + added)
    assert board.value("total_energy") == pytest.approx(20.0 + added)


async def test_relayed_post_reaches_a_board_that_allows_it(
    setup_board: BoardFactory,
) -> None:
    """Cloud-relayed requests (Nabu Casa) come as a `MockRequest`, without a length."""
    board = await setup_board(board_entry(allow_external=True))
    handlers = board.hass.data[WEBHOOK_DOMAIN]
    assert handlers[WEBHOOK_ID].local_only is False
    body = json.dumps(full_post(T0, line_A=2.0)).encode()
    response = await webhook.async_handle_webhook(
        board.hass,
        WEBHOOK_ID,
        MockRequest(body, mock_source="cloudhook", method="POST"),
    )
    assert response.status == 200
    assert board.value("channel_line_A_current") == 2.0


async def test_reading_above_the_rating_is_refused_for_that_channel_alone(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The seed's board has 30 A clamps: 31 A on one is refused, the rest kept."""
    channels = [
        {"id": "line_A", "name": "Mains", "role": "grid", "max_current": 30},
        {"id": "line_B", "name": "Solar", "role": "solar", "max_current": 30},
        # No rating stored (an entry from before ratings): 100 A.
        {"id": "line_C", "name": "Heat pump", "role": "load"},
    ]
    board = await setup_board(board_entry(channels=channels))
    await board.post(full_post(T0, line_A=10.0, line_B=4.0, line_C=50.0))
    assert board.value("channel_line_C_current") == 50.0
    caplog.clear()

    for tick, amps in ((60, 31.0), (120, 2000.0)):
        frozen.move_to(START + timedelta(seconds=tick))
        status, answer = await board.post(
            full_post(T0 + tick, line_A=amps, line_B=4.0, line_C=2.0)
        )
        assert status == 200
        assert answer == {
            "status": "ok",
            "refused": {"channels.line_A": "is above the channel's 30 A rating"},
        }
    # line_A keeps its last good reading and integrates nothing; the others go on.
    assert board.value("channel_line_A_current") == 10.0
    assert board.value("channel_line_A_energy") == 0
    assert board.value("channel_line_B_energy") == pytest.approx(
        kwh(4 * VOLTS_PF, 4 * VOLTS_PF, 120)
    )
    assert board.value("channel_line_C_current") == 2.0
    assert board.value("gaps") == 2
    assert board.state("gaps").attributes["refused_readings"] == 2
    assert board.state("channel_line_A_energy").attributes["refused_readings"] == 2
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "line_A" in warnings[0].getMessage()
    assert "30 A" in warnings[0].getMessage()


async def test_refusals_are_logged_once_per_reason_an_hour(
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    board = await setup_board()

    def warnings() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.name.startswith("custom_components")
            and record.levelno >= logging.WARNING
            and "refused" in record.getMessage()
        ]

    for _ in range(5):
        assert (await board.post({"channels": {"line_Z": 1.0}}))[0] == 400
        assert (await board.post({"channels": {"line_A": "x"}}))[0] == 400
    # One warning per reason; the repeats at debug level.
    assert warnings() == [
        "CT clamps: refused a post: channels.line_Z: unknown channel",
        "CT clamps: refused a post: channels.line_A: must be a number",
    ]
    debug = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components") and r.levelno == logging.DEBUG
    ]
    assert len([r for r in debug if "refused a post" in r.getMessage()]) == 8

    frozen.tick(3600)
    caplog.clear()
    await board.post({"channels": {"line_Z": 1.0}})
    assert warnings() == ["CT clamps: refused a post: channels.line_Z: unknown channel"]
    assert all(
        WEBHOOK_ID not in record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components")
    )


async def test_every_measurement_has_a_display_precision(
    setup_board: BoardFactory,
) -> None:
    board = await setup_board()
    registry = er.async_get(board.hass)
    numeric = [
        entity
        for entity in er.async_entries_for_config_entry(registry, board.entry.entry_id)
        if entity.domain == "sensor" and entity.translation_key != "last_update"
    ]
    assert len(numeric) > 10
    for entity in numeric:
        precision = entity.options.get("sensor", {}).get("suggested_display_precision")
        assert precision is not None, entity.entity_id
