"""Home Assistant's own Energy dashboard validation accepts the Powerwall sensors."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from simulators.powerwall import PowerwallGatewaySimulator

from .conftest import entry_for, setup_entry

PREFS: list[dict[str, Any]] = [
    {
        "type": "grid",
        "stat_energy_from": "sensor.powerwall_grid_energy_imported",
        "stat_energy_to": "sensor.powerwall_grid_energy_exported",
        "stat_rate": "sensor.powerwall_grid_power",
        "cost_adjustment_day": 0,
    },
    {
        "type": "solar",
        "stat_energy_from": "sensor.powerwall_solar_energy_produced",
        "stat_rate": "sensor.powerwall_solar_power",
    },
    {
        "type": "battery",
        "stat_energy_from": "sensor.powerwall_battery_energy_discharged",
        "stat_energy_to": "sensor.powerwall_battery_energy_charged",
        "stat_rate": "sensor.powerwall_battery_power",
    },
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant does (energy validation reads it)."""


async def test_energy_dashboard_validation_passes(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    gateway: PowerwallGatewaySimulator,
) -> None:
    assert await async_setup_component(hass, "energy", {})
    entry = await setup_entry(hass, entry_for(gateway))
    # Compile the statistics of the five minutes holding the sensors' states,
    # as the recorder does every five minutes.
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "energy/save_prefs", "energy_sources": PREFS}
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/validate"})
    validation = await client.receive_json()
    assert validation["success"], validation
    # One list of issues per source: all empty.
    assert validation["result"]["energy_sources"] == [[], [], []], validation["result"]
    await hass.config_entries.async_unload(entry.entry_id)
