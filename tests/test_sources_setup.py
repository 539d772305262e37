"""Every registered simulator's demo entries set up, expose entities, and unload.

This is the path `scripts/develop` takes, through Home Assistant's flow
manager instead of REST, for each source at once.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.registry import SIMULATORS

from .helpers import STRINGS, add_demo_entry

SECRET_FIELDS = ("password", "token", "api_key")


def _secrets(steps: list[dict[str, Any]]) -> list[str]:
    return [
        str(value)
        for step in steps
        for key, value in step.items()
        if any(word in key for word in SECRET_FIELDS) and value
    ]


@pytest.mark.parametrize("name", sorted(SIMULATORS))
async def test_demo_entries_set_up_and_unload(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loopback: None,
    name: str,
) -> None:
    simulator = await SIMULATORS[name]().start()
    try:
        demos = simulator.demo_entries()
        assert demos, f"{name} has no demo entry"
        for demo in demos:
            entry, _ = await add_demo_entry(hass, demo)
            assert entry.state is ConfigEntryState.LOADED

            entities = er.async_entries_for_config_entry(
                er.async_get(hass), entry.entry_id
            )
            assert entities, f"{demo.source} created no entity"
            for entity in entities:
                assert entity.unique_id
                assert entity.translation_key, entity.entity_id
                assert (
                    "name" in STRINGS["entity"][entity.domain][entity.translation_key]
                )
            keys = {entity.translation_key for entity in entities}
            assert set(demo.energy.values()) <= keys

            diagnostics = json.dumps(
                await get_diagnostics_for_config_entry(hass, hass_client, entry)
            )
            for secret in _secrets(demo.steps):
                assert secret not in diagnostics

            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            assert entry.state is ConfigEntryState.NOT_LOADED
    finally:
        await simulator.stop()
