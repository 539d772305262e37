"""Helpers shared by the tests of several sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.energy_hub.const import DOMAIN
from simulators.base import DemoEntry

STRINGS: dict[str, Any] = json.loads(
    (
        Path(__file__).parent.parent / "custom_components/energy_hub/strings.json"
    ).read_text(encoding="utf-8")
)


async def add_demo_entry(
    hass: HomeAssistant, demo: DemoEntry
) -> tuple[ConfigEntry, dict[str, Any]]:
    """Walk the config flow as a user would: menu choice, then each form.

    Returns the created entry and the flow's final result; every form on the
    way must have its strings.
    """
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": demo.source}
    )
    for step in demo.steps:
        assert result["type"] is FlowResultType.FORM, result
        assert result["step_id"] in STRINGS["config"]["step"]
        result = await hass.config_entries.flow.async_configure(result["flow_id"], step)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"], dict(result)


def record_numbers(
    hass: HomeAssistant, entity_ids: list[str]
) -> dict[str, list[float]]:
    """Record every numeric state the entities take from now on, current one first.

    Unavailable states are left out: what a glitch must never produce is a
    *value* lower than an earlier one.
    """
    recorded: dict[str, list[float]] = {}
    for entity_id in entity_ids:
        current = hass.states.get(entity_id)
        assert current is not None, entity_id
        recorded[entity_id] = [float(current.state)]

    def record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            recorded[new.entity_id].append(float(new.state))

    async_track_state_change_event(hass, entity_ids, record)
    return recorded


async def validate_energy_prefs(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, prefs: dict[str, Any]
) -> dict[str, Any]:
    """Save `prefs` as the Energy dashboard's preferences; return `energy/validate`."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "energy/save_prefs", **prefs})
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    validation = await client.receive_json()
    assert validation["success"], validation
    result: dict[str, Any] = validation["result"]
    return result
