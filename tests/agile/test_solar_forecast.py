"""The PV forecast comes from the energy platform's solar forecast when the Energy dashboard names one.

The forecast provider (Forecast.Solar, Solcast) is another integration: it
is stood in for by an `energy` platform answering `async_get_solar_forecast`,
as Home Assistant's own energy tests do.
"""

import datetime as dt
from typing import Any
from unittest.mock import AsyncMock, Mock

from homeassistant.components.energy.data import async_get_manager
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    mock_integration,
    mock_platform,
)

from custom_components.energy_hub.agile.client import SLOT, slot_start
from custom_components.energy_hub.agile.forecast import FALLBACK_LOAD_KWH
from simulators.octopus import OctopusSimulator

from .conftest import SetUp, agile_entry

WH_PER_HOUR = 3000.0  # 1.5 kWh per half-hour, every hour of the forecast


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """The energy integration needs the recorder."""


async def test_pv_from_the_solar_forecast(
    hass: HomeAssistant, loopback: None, setup_entry: SetUp
) -> None:
    hour = dt_util.utcnow().replace(minute=0, second=0, microsecond=0)
    forecast = {
        "wh_hours": {
            (hour + dt.timedelta(hours=h)).isoformat(): WH_PER_HOUR for h in range(48)
        }
    }
    mock_integration(hass, MockModule("solar_forecast_test"))
    mock_platform(
        hass,
        "solar_forecast_test.energy",
        Mock(async_get_solar_forecast=AsyncMock(return_value=forecast)),
    )
    solar = MockConfigEntry(domain="solar_forecast_test")
    solar.add_to_hass(hass)
    assert await async_setup_component(hass, "solar_forecast_test", {})
    assert await async_setup_component(hass, "energy", {})
    manager = await async_get_manager(hass)
    await manager.async_update(
        {
            "energy_sources": [
                {
                    "type": "solar",
                    "stat_energy_from": "sensor.solar_energy",
                    "config_entry_solar_forecast": [solar.entry_id],
                }
            ]
        }
    )

    async with OctopusSimulator(data_dir=None) as octopus:
        entry = await setup_entry(agile_entry(octopus))
        data = entry.runtime_data.coordinator.data  # type: ignore[attr-defined]
    plan = data.plan
    assert plan is not None and plan.slots
    expected = 0.0
    first = slot_start(data.now)
    for slot in plan.slots:
        net = FALLBACK_LOAD_KWH - WH_PER_HOUR / 2000
        if slot.start == first:
            net *= (first + SLOT - data.now) / SLOT
        expected += net * slot.export_price  # all exported
    assert plan.cost_no_battery == pytest.approx(expected, rel=1e-6)
    assert plan.cost_no_battery < 0
