"""Reconfiguring a board: same webhook, totals of kept channels kept, dropped ones gone."""

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.webhook import DOMAIN as WEBHOOK_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from custom_components.energy_hub.const import CONF_SOURCE, SourceKind

from ..helpers import STRINGS
from .conftest import T0, WEBHOOK_ID, Board, BoardFactory, board_entry, full_post

VOLTS_PF = 230.0 * 0.95

NEW_SETTINGS = {
    "name": "Garage board",
    "channels": "line_A: Grid feed\nline_C: Heat pump\nline_D: EV charger (32 A)",
    "allow_external": True,
}


def _defaults(result: dict[str, Any]) -> dict[str, Any]:
    """What the form shows before the user types anything."""
    return result["data_schema"]({})


async def _post_minute_apart(
    board: Board, frozen: FrozenDateTimeFactory, start: float, **currents: float
) -> None:
    """Two posts a minute apart, so every posted channel integrates energy."""
    for timestamp in (start, start + 60):
        frozen.move_to(dt_util.utc_from_timestamp(timestamp))
        status, answer = await board.post(full_post(timestamp, **currents))
        assert status == 200, answer


def _unique_ids(board: Board) -> set[str]:
    registry = er.async_get(board.hass)
    prefix = f"{board.entry.entry_id}_"
    return {
        entity.unique_id.removeprefix(prefix)
        for entity in er.async_entries_for_config_entry(registry, board.entry.entry_id)
    }


async def test_reconfigure_keeps_webhook_and_totals_of_kept_channels(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    board = await setup_board()
    hass = board.hass
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {
            ATTR_ENTITY_ID: board.entity_id("channel_line_A_calibration", "number"),
            ATTR_VALUE: 1.1,
        },
        blocking=True,
    )
    await _post_minute_apart(board, frozen, T0, line_A=10.0, line_B=4.0, line_C=2.0)
    kept = ("channel_line_A_energy", "channel_line_C_energy", "grid_energy")
    before = {key: board.value(key) for key in (*kept, "total_energy")}
    entity_ids = {key: board.entity_id(key) for key in kept}
    assert "channel_line_B_energy" in _unique_ids(board)
    assert "solar_energy" in _unique_ids(board)

    result = await board.entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ct_clamp_reconfigure"
    assert set(_defaults(result)) <= set(
        STRINGS["config"]["step"]["ct_clamp_reconfigure"]["data"]
    )
    assert _defaults(result) == {
        "name": "CT clamps",
        "channels": "line_A: Mains\nline_B: Solar\nline_C: Heat pump",
        "allow_external": False,
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], NEW_SETTINGS
    )
    assert result["step_id"] == "ct_clamp_roles"
    # The channels kept start with their roles; line_B (solar) is gone.
    assert _defaults(result) == {"grid_channels": ["line_A"], "solar_channels": []}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_channels": ["line_A"], "solar_channels": []}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ct_clamp_reconfigured"
    assert "{webhook_url}" in STRINGS["config"]["abort"]["ct_clamp_reconfigured"]
    assert result["description_placeholders"]["webhook_path"] == (
        f"/api/webhook/{WEBHOOK_ID}"
    )
    await hass.async_block_till_done()

    entry = board.entry
    assert entry.title == "Garage board"
    assert entry.data == {
        CONF_SOURCE: SourceKind.CT_CLAMP.value,
        "name": "Garage board",
        "channels": [
            {"id": "line_A", "name": "Grid feed", "role": "grid", "max_current": 100},
            {"id": "line_C", "name": "Heat pump", "role": "load", "max_current": 100},
            {"id": "line_D", "name": "EV charger", "role": "load", "max_current": 32},
        ],
        "webhook_id": WEBHOOK_ID,
        "allow_external": True,
    }
    # Reloaded: the webhook is the same, now reachable from outside.
    handler = hass.data[WEBHOOK_DOMAIN][WEBHOOK_ID]
    assert handler.local_only is False
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.name == "Garage board"

    # The dropped channel's and the vanished solar role's entities are gone ...
    unique_ids = _unique_ids(board)
    for gone in (
        "channel_line_B_current",
        "channel_line_B_power",
        "channel_line_B_energy",
        "channel_line_B_calibration",
        "solar_power",
        "solar_energy",
    ):
        assert gone not in unique_ids, gone
    assert {"channel_line_D_energy", "channel_line_D_calibration"} <= unique_ids
    # ... the kept ones keep their entity ids, totals and calibration.
    for key in kept:
        assert board.entity_id(key) == entity_ids[key]
        assert board.value(key) == pytest.approx(before[key]), key
    assert board.value("total_energy") == pytest.approx(before["total_energy"])
    assert board.state("channel_line_A_calibration", "number").state == "1.1"
    assert board.state("channel_line_A_energy").attributes["friendly_name"] == (
        "Garage board Grid feed energy"
    )

    # The board must now post the new channel list.
    status, answer = await board.post(full_post(T0 + 90, line_B=4.0))
    assert (status, answer["field"]) == (400, "channels.line_B")
    await _post_minute_apart(
        board, frozen, T0 + 120, line_A=10.0, line_C=2.0, line_D=8.0
    )
    added_a = 11.0 * VOLTS_PF * 60 / 3_600_000
    assert board.value("channel_line_A_energy") == pytest.approx(
        before["channel_line_A_energy"] + added_a
    )
    assert board.value("channel_line_D_energy") == pytest.approx(
        8.0 * VOLTS_PF * 60 / 3_600_000
    )
    assert board.value("total_energy") == pytest.approx(
        before["total_energy"] + (11.0 + 2.0 + 8.0) * VOLTS_PF * 60 / 3_600_000
    )


async def test_reconfigure_can_move_a_channel_to_another_role(
    setup_board: BoardFactory, frozen: FrozenDateTimeFactory
) -> None:
    """The channel's own total continues; new energy counts under its new role."""
    board = await setup_board()
    hass = board.hass
    await _post_minute_apart(board, frozen, T0, line_A=10.0, line_B=4.0, line_C=2.0)
    channel_c = board.value("channel_line_C_energy")
    solar = board.value("solar_energy")

    result = await board.entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _defaults(result)
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"grid_channels": ["line_A"], "solar_channels": ["line_B", "line_C"]},
    )
    assert result["reason"] == "ct_clamp_reconfigured"
    await hass.async_block_till_done()

    # Only the load role is gone: no channel is a load any more.
    unique_ids = _unique_ids(board)
    assert "load_energy" not in unique_ids
    assert {"channel_line_C_energy", "solar_energy", "grid_energy"} <= unique_ids
    await _post_minute_apart(
        board, frozen, T0 + 120, line_A=10.0, line_B=4.0, line_C=2.0
    )
    assert board.value("channel_line_C_energy") == pytest.approx(
        channel_c + 2.0 * VOLTS_PF * 60 / 3_600_000
    )
    assert board.value("solar_energy") == pytest.approx(
        solar + 6.0 * VOLTS_PF * 60 / 3_600_000
    )


async def test_reconfigure_explains_bad_input_and_keeps_the_entry(
    setup_board: BoardFactory,
) -> None:
    board = await setup_board()
    hass = board.hass
    other = board_entry()
    other.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        other,
        title="Shed board",
        data={**other.data, "name": "Shed board", "webhook_id": "f" * 64},
    )
    before = dict(board.entry.data)

    result = await board.entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NEW_SETTINGS, "name": "Shed board"}
    )
    assert result["errors"] == {"name": "ct_clamp_name_taken"}
    assert "ct_clamp_name_taken" in STRINGS["config"]["error"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NEW_SETTINGS, "channels": "line A"}
    )
    assert result["errors"] == {"channels": "ct_clamp_invalid_channel_id"}
    # What the user typed stays in the form.
    assert _defaults(result)["channels"] == "line A"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NEW_SETTINGS, "name": "CT clamps"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_channels": ["line_A"], "solar_channels": ["line_A"]}
    )
    assert result["errors"] == {"base": "ct_clamp_channel_in_two_roles"}
    assert board.entry.data == before

    # Keeping its own name is fine.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_channels": ["line_A"], "solar_channels": []}
    )
    assert result["reason"] == "ct_clamp_reconfigured"
    await hass.async_block_till_done()
    assert board.entry.title == "CT clamps"
    assert [channel["id"] for channel in board.entry.data["channels"]] == [
        "line_A",
        "line_C",
        "line_D",
    ]
