"""OCR meters on the Energy dashboard: Home Assistant's own validation passes."""

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.energy_hub.const import CONF_SOURCE, DOMAIN
from custom_components.energy_hub.ocr.const import CONF_IMAGE_URL, CONF_METER_KIND

from ..helpers import validate_energy_prefs
from .conftest import MeterCamera, MeterScene, ocr_entry


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


def _usage(kind: str, energy_from: str) -> dict[str, Any]:
    return {
        "type": kind,
        "stat_energy_from": energy_from,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
    }


async def test_ocr_meters_pass_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    meter_camera: MeterCamera,
    scene: MeterScene,
    photo_server: str,
) -> None:
    """Electricity in kWh as grid import, gas and water in m³ as their usage."""
    assert await async_setup_component(hass, "energy", {})
    entries = [ocr_entry(scene)]
    for kind in ("gas", "water"):
        entries.append(
            MockConfigEntry(
                domain=DOMAIN,
                title=f"{kind} meter",
                data={
                    CONF_SOURCE: "ocr",
                    CONF_METER_KIND: kind,
                    CONF_IMAGE_URL: f"{photo_server}/snapshot.jpg",
                },
                options=scene.options(),
            )
        )
    for entry in entries:
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for entity_id in (
        "sensor.electricity_meter_meter_reading",
        "sensor.gas_meter_meter_reading",
        "sensor.water_meter_meter_reading",
    ):
        state = hass.states.get(entity_id)
        assert state is not None and float(state.state) == 12345.6, entity_id

    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
    await async_wait_recording_done(hass)

    prefs = {
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": "sensor.electricity_meter_meter_reading",
                "stat_energy_to": None,
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": None,
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0.0,
            },
            _usage("gas", "sensor.gas_meter_meter_reading"),
            _usage("water", "sensor.water_meter_meter_reading"),
        ],
        "device_consumption": [],
        "device_consumption_water": [],
    }
    result = await validate_energy_prefs(hass, hass_ws_client, prefs)
    assert result["energy_sources"] == [[], [], []], result
