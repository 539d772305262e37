"""Home Assistant's Energy dashboard accepts the Agile prices as the grid's price entities.

A P1 meter's demo entry fills the grid's energy; the Agile demo entry's
import and export prices are its price entities; `energy/validate` (Home
Assistant's own checks: numeric, available, a `GBP/kWh` unit) reports nothing.
"""

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
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from simulators.demo import energy_preferences
from simulators.octopus import OctopusSimulator
from simulators.p1 import P1MeterSimulator
from tests.helpers import add_demo_entry, validate_energy_prefs


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


def _entity(hass: HomeAssistant, entry_id: str, translation_key: str) -> str:
    (entity_id,) = (
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if entity.translation_key == translation_key
    )
    return entity_id


async def test_agile_prices_are_valid_energy_prices(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, loopback: None
) -> None:
    assert await async_setup_component(hass, "energy", {})
    await hass.config.async_update(currency="GBP")
    async with P1MeterSimulator() as meter, OctopusSimulator(data_dir=None) as octopus:
        (meter_demo,) = meter.demo_entries()
        meter_entry, _ = await add_demo_entry(hass, meter_demo)
        (agile_demo,) = octopus.demo_entries()
        agile_entry, _ = await add_demo_entry(hass, agile_demo)
        registry = [
            {
                "entity_id": item.entity_id,
                "translation_key": item.translation_key,
                "config_entry_id": item.config_entry_id,
            }
            for item in er.async_get(hass).entities.values()
        ]
        prefs = energy_preferences(
            registry, [(meter_entry.entry_id, meter_demo.energy)]
        )
        (grid,) = [s for s in prefs["energy_sources"] if s["type"] == "grid"]
        import_price = _entity(hass, agile_entry.entry_id, "agile_import_price")
        export_price = _entity(hass, agile_entry.entry_id, "agile_export_price")
        grid["entity_energy_price"] = import_price
        grid["entity_energy_price_export"] = export_price
        for entity_id in (import_price, export_price):
            state = hass.states.get(entity_id)
            assert state is not None
            float(state.state)

        await async_wait_recording_done(hass)
        do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
        await async_wait_recording_done(hass)
        result = await validate_energy_prefs(hass, hass_ws_client, prefs)
        assert result["energy_sources"] == [[] for _ in prefs["energy_sources"]], result
