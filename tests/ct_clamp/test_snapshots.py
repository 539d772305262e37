"""Snapshots of a board's entities, device and diagnostics after two posts."""

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.energy_hub.ct_clamp.const import CONF_WEBHOOK_ID
from simulators.ct_board import DEFAULT_PROFILES, ClampProfile, CtBoardSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import T0, Board, BoardFactory, board_entry

# Fixed, so unique ids (prefixed with it) and the device's name are stable.
ENTRY_ID = "01CTCLAMPSNAPSHOTENTRY0000"


async def _board_after_two_posts(
    hass: HomeAssistant, setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> Board:
    """A grid, a solar and a load clamp, posted by the simulator a minute apart.

    Home Assistant's clock is frozen (`frozen`), and the simulator's random
    RSSI is seeded, so every value, energy total included, is the same each run.
    """
    # Before the board's client starts Home Assistant's HTTP server: the
    # diagnostics views cannot be added to a running server.
    assert await async_setup_component(hass, "diagnostics", {})
    board = await setup_board(board_entry(entry_id=ENTRY_ID))
    simulator = CtBoardSimulator(
        {
            **DEFAULT_PROFILES,
            "line_C": ClampProfile(base_a=2.0, swing_a=1.0, peak_offset_s=7 * 3600),
        }
    )
    simulator.started_at = T0 - 7200  # the board has been up for two hours
    for timestamp in (T0, T0 + 60):
        frozen.move_to(dt_util.utc_from_timestamp(timestamp))
        assert await board.post(simulator.build_post(timestamp)) == (
            200,
            {"status": "ok"},
        )
    return board


async def test_entities_and_diagnostics(
    hass: HomeAssistant,
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    board = await _board_after_two_posts(hass, setup_board, frozen)
    entities = er.async_entries_for_config_entry(
        er.async_get(board.hass), board.entry.entry_id
    )
    # Every entity is enabled by default: the snapshot holds all their states.
    assert all(entity.disabled_by is None for entity in entities)

    assert_entry_snapshot(board.hass, board.entry, snapshot)
    await assert_diagnostics_snapshot(board.hass, hass_client, board.entry, snapshot)


async def test_diagnostics_download_holds_no_webhook_id(
    hass: HomeAssistant,
    setup_board: BoardFactory,
    frozen: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    """Whoever knows the webhook id can post readings: it is the board's secret."""
    board = await _board_after_two_posts(hass, setup_board, frozen)
    webhook_id = board.entry.data[CONF_WEBHOOK_ID]

    diagnostics = await get_diagnostics_for_config_entry(
        board.hass, hass_client, board.entry
    )

    text = json.dumps(diagnostics)
    assert webhook_id not in text
    assert diagnostics["entry"]["data"][CONF_WEBHOOK_ID] == "**REDACTED**"
    assert diagnostics["source"]["board"]["posts"] == 2
