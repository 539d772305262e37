"""The plan's load and PV forecasts come from the recorder's statistics of the home's sensors."""

import datetime as dt
from typing import Any

from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.energy_hub.agile.client import SLOT, UK, slot_start
from custom_components.energy_hub.agile.const import CONF_LOAD_ENTITY, CONF_PV_ENTITY
from simulators.octopus import OctopusSimulator

from .conftest import SetUp, agile_entry

LOAD = "sensor.home_power"
PV = "sensor.pv_energy"
EVENING_W = 2000.0  # 18:00-19:00 UK time every day
OTHER_W = 200.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: the forecast reads its statistics."""


def _watts(hour_start: dt.datetime) -> float:
    return EVENING_W if hour_start.astimezone(UK).hour == 18 else OTHER_W


def _pv_kwh(hour_start: dt.datetime) -> float:
    """PV energy in the hour: 3 kWh at 11:00-13:00 UTC, a little either side."""
    return {10: 1.0, 11: 3.0, 12: 3.0, 13: 1.0}.get(hour_start.hour, 0.0)


async def test_load_forecast_from_statistics(
    hass: HomeAssistant, loopback: None, setup_entry: SetUp
) -> None:
    now = dt_util.utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.ARITHMETIC,
            "has_sum": False,
            "name": "Home power",
            "source": "recorder",
            "statistic_id": LOAD,
            "unit_class": "power",
            "unit_of_measurement": "W",
        },
        [
            {"start": start, "mean": _watts(start), "min": 0.0, "max": 0.0}
            for start in (hour - dt.timedelta(hours=h) for h in range(1, 14 * 24))
        ],
    )
    # PV as a lifetime energy counter: its hourly change is the hour's energy.
    hours = sorted(hour - dt.timedelta(hours=h) for h in range(1, 14 * 24))
    total = 0.0
    pv_rows = []
    for start in hours:
        total += _pv_kwh(start)
        pv_rows.append({"start": start, "state": total, "sum": total})
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.NONE,
            "has_sum": True,
            "name": "PV energy",
            "source": "recorder",
            "statistic_id": PV,
            "unit_class": "energy",
            "unit_of_measurement": "kWh",
        },
        pv_rows,
    )
    await async_wait_recording_done(hass)
    hass.states.async_set(
        PV,
        str(total),
        {
            "unit_of_measurement": "kWh",
            "device_class": "energy",
            "state_class": "total_increasing",
        },
    )
    hass.states.async_set(
        LOAD,
        "350",
        {
            "unit_of_measurement": "W",
            "device_class": "power",
            "state_class": "measurement",
        },
    )

    async with OctopusSimulator(data_dir=None) as octopus:
        entry = await setup_entry(
            agile_entry(octopus, options={CONF_LOAD_ENTITY: LOAD, CONF_PV_ENTITY: PV})
        )
        data = entry.runtime_data.coordinator.data  # type: ignore[attr-defined]
        plan = data.plan
        assert plan is not None and plan.slots
        # Without a battery the slots cost their forecast load net of PV.
        expected = 0.0
        first = slot_start(data.now)
        for slot in plan.slots:
            hour = slot.start.replace(minute=0)
            net = _watts(hour) / 1000 * 0.5 - _pv_kwh(hour) / 2
            if slot.start == first:
                net *= (first + SLOT - data.now) / SLOT
            expected += net * (slot.import_price if net > 0 else slot.export_price)
        assert plan.cost_no_battery == pytest.approx(expected, rel=1e-6)
        state = hass.states.get("sensor.octopus_agile_cost_without_battery")
        assert state is not None
        assert float(state.state) == pytest.approx(round(expected / 100, 2))
