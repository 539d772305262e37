"""Home Assistant's own Energy dashboard validation accepts the CT clamp totals."""

from __future__ import annotations

from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from .conftest import WEBHOOK_ID, Board, board_entry


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant (the shared fixture starts it)."""


async def test_grid_and_solar_totals_pass_energy_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    loopback: None,
) -> None:
    # Before the test client starts: it freezes Home Assistant's HTTP routes.
    assert await async_setup_component(hass, "energy", {})
    entry = board_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Real time here (the websocket login checks token times): minimal posts,
    # timestamped on receipt.
    board = Board(hass, entry, await hass_client_no_auth())
    first_post = dt_util.utcnow()
    for amps in (10.0, 11.0):
        status, _ = await board.post({"channels": {"line_A": amps, "line_B": 3.0}})
        assert status == 200
    # Compile the statistics of the 5 minutes holding the posts, as the
    # recorder does every 5 minutes; the dashboard reads these.
    await async_wait_recording_done(hass)
    for moment in (first_post, dt_util.utcnow()):
        do_adhoc_statistics(
            hass,
            start=moment.replace(
                minute=moment.minute - moment.minute % 5, second=0, microsecond=0
            ),
        )
    await async_wait_recording_done(hass)
    grid = board.entity_id("grid_energy")
    solar = board.entity_id("solar_energy")
    assert entry.data["webhook_id"] == WEBHOOK_ID

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "energy/save_prefs",
            "energy_sources": [
                {"type": "grid", "stat_energy_from": grid, "cost_adjustment_day": 0},
                {"type": "solar", "stat_energy_from": solar},
            ],
        }
    )
    saved = await client.receive_json()
    assert saved["success"], saved

    await client.send_json_auto_id({"type": "energy/validate"})
    answer = await client.receive_json()
    assert answer["success"], answer
    # Both sources are checked, and neither has a single issue.
    assert answer["result"]["energy_sources"] == [[], []], answer["result"]
