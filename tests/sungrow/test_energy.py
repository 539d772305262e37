"""Home Assistant's Energy dashboard accepts every Sungrow energy counter.

Each counter (the new ones included) is offered as a device's consumption,
and `energy/validate` must report no issue for any of them.
"""

from typing import Any

from homeassistant.const import Platform
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

from custom_components.energy_hub.sungrow.entities import SENSORS
from simulators.modbus import SungrowSimulator

from ..helpers import validate_energy_prefs
from .conftest import add_entry, entity_id

COUNTERS = [sensor.key for sensor in SENSORS if sensor.lifetime_total]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_counter_passes_energy_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    sungrow: SungrowSimulator,
) -> None:
    assert await async_setup_component(hass, "energy", {})
    await add_entry(hass, sungrow)
    counters = [entity_id(hass, Platform.SENSOR, key) for key in COUNTERS]
    assert len(counters) >= 17
    for counter in counters:
        current = hass.states.get(counter)
        assert current is not None
        assert current.state not in ("unknown", "unavailable"), counter
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
    await async_wait_recording_done(hass)
    result = await validate_energy_prefs(
        hass,
        hass_ws_client,
        {"device_consumption": [{"stat_consumption": c} for c in counters]},
    )
    assert result["device_consumption"] == [[] for _ in counters], result
