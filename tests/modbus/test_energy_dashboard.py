"""Home Assistant's own Energy dashboard validation accepts the Sungrow totals."""

from __future__ import annotations

from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import SungrowSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant (the shared fixture starts it)."""


async def test_demo_roles_pass_energy_validation(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, sungrow: SungrowSimulator
) -> None:
    assert await async_setup_component(hass, "energy", {})
    (demo,) = sungrow.demo_entries()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": demo.source}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], demo.steps[0]
    )
    entry = result["result"]
    await hass.async_block_till_done()
    first = dt_util.utcnow()
    await entry.runtime_data.coordinator.async_refresh()
    await async_wait_recording_done(hass)
    do_adhoc_statistics(
        hass,
        start=first.replace(
            minute=first.minute - first.minute % 5, second=0, microsecond=0
        ),
    )
    await async_wait_recording_done(hass)
    by_key = {
        e.translation_key: e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    role = {name: by_key[key] for name, key in demo.energy.items()}

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "energy/save_prefs",
            "energy_sources": [
                {
                    "type": "grid",
                    "stat_energy_from": role["grid_import"],
                    "stat_energy_to": role["grid_export"],
                    "cost_adjustment_day": 0,
                },
                {"type": "solar", "stat_energy_from": role["solar"]},
                {
                    "type": "battery",
                    "stat_energy_from": role["battery_out"],
                    "stat_energy_to": role["battery_in"],
                },
            ],
        }
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    answer = await client.receive_json()
    assert answer["success"], answer
    assert answer["result"]["energy_sources"] == [[], [], []], answer["result"]
