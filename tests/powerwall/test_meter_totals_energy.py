"""Home Assistant's `energy/validate` accepts every Powerwall total beyond the six.

The solar inverter's draw, the load meter's export and both counters of each
extra meter (the simulator's busway, a generator and a meter of a name
nobody listed) are added as individual devices of the Energy dashboard, the
recorder compiles their statistics, and validation finds nothing wrong.
"""

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

from ..helpers import validate_energy_prefs
from .conftest import entry_for, setup_entry
from .test_meter_totals import NEW_TOTALS, backfeed

EXTRA = (
    "sensor.powerwall_generator_meter_energy_imported",
    "sensor.powerwall_generator_meter_energy_exported",
    "sensor.powerwall_aux_ct_meter_energy_imported",
    "sensor.powerwall_aux_ct_meter_energy_exported",
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_energy_validation_accepts_every_new_total(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    gateway: PowerwallGatewaySimulator,
) -> None:
    assert await async_setup_component(hass, "energy", {})
    backfeed(gateway)
    gateway.add_meter("generator", 1_250.0, 48_310.25)
    gateway.add_meter("aux_ct", 2_000.5, 12.0)
    entry = await setup_entry(hass, entry_for(gateway))
    counters = [*NEW_TOTALS, *EXTRA]
    for entity_id in counters:
        current = hass.states.get(entity_id)
        assert current is not None, entity_id
        float(current.state)  # a number, not unknown/unavailable

    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
    await async_wait_recording_done(hass)

    result = await validate_energy_prefs(
        hass,
        hass_ws_client,
        {"device_consumption": [{"stat_consumption": c} for c in counters]},
    )
    assert result["device_consumption"] == [[] for _ in counters], result
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
