"""Home Assistant's own Energy-dashboard validation accepts every source's sensors.

For each simulator, its demo entries are added through the config flow, the
recorder compiles statistics, and the preferences the demo would save (the
same `energy_preferences` as `scripts/develop`) pass `energy/validate`: right
device class, state class and unit, numeric and available.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from simulators.demo import energy_preferences
from simulators.registry import SIMULATORS

from .helpers import add_demo_entry

WITH_ENERGY_ROLES = sorted(
    name
    for name, cls in SIMULATORS.items()
    if any(demo.energy for demo in cls().demo_entries())
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


async def _wait_for_states(hass: HomeAssistant, entity_ids: list[str]) -> None:
    """Push sources (CT boards) report a moment after their entry exists."""
    for _ in range(100):
        states = [hass.states.get(entity_id) for entity_id in entity_ids]
        if all(
            s is not None and s.state not in ("unknown", "unavailable") for s in states
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no values for {entity_ids}")


@pytest.mark.parametrize("name", WITH_ENERGY_ROLES)
async def test_demo_energy_sources_pass_validation(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    loopback: None,
    name: str,
) -> None:
    assert await async_setup_component(hass, "energy", {})
    simulator = await SIMULATORS[name]().start()
    try:
        entry_roles: list[tuple[str, dict[str, str]]] = []
        created = []
        for demo in simulator.demo_entries():
            entry, result = await add_demo_entry(hass, demo)
            created.append((demo, result))
            entry_roles.append((entry.entry_id, demo.energy))
        # Home Assistant's HTTP server, once every route is registered.
        http = await hass_client_no_auth()
        for demo, result in created:
            if demo.after_created is not None:
                await demo.after_created(result, str(http.make_url("/")))
        registry = [
            {
                "entity_id": item.entity_id,
                "translation_key": item.translation_key,
                "config_entry_id": item.config_entry_id,
            }
            for item in er.async_get(hass).entities.values()
        ]
        prefs = energy_preferences(registry, entry_roles)
        # Every role a demo entry names is filled, by exactly its sensor.
        used = []
        for entry_id, roles in entry_roles:
            for key in roles.values():
                (entity_id,) = {
                    item["entity_id"]
                    for item in registry
                    if item["config_entry_id"] == entry_id
                    and item["translation_key"] == key
                    and item["entity_id"] in json.dumps(prefs)
                }
                used.append(entity_id)
        await _wait_for_states(hass, used)

        # Compile the five minutes holding the states, as the recorder does.
        await async_wait_recording_done(hass)
        do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
        await async_wait_recording_done(hass)

        client = await hass_ws_client(hass)
        await client.send_json_auto_id({"type": "energy/save_prefs", **prefs})
        saved = await client.receive_json()
        assert saved["success"], saved
        await client.send_json_auto_id({"type": "energy/validate"})
        validation = await client.receive_json()
        assert validation["success"], validation
        assert validation["result"]["energy_sources"] == [
            [] for _ in prefs["energy_sources"]
        ], validation["result"]
        for entry_id, _ in entry_roles:
            assert await hass.config_entries.async_unload(entry_id)
    finally:
        await simulator.stop()
