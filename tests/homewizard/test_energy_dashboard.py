"""Home Assistant's Energy-dashboard validation accepts every HomeWizard counter.

A P1 meter with every kind of meter on its port and four tariffs, kWh meters
(solar, grid), a socket and a water meter: each counter is put where the
Energy dashboard takes it, the recorder compiles statistics, and
`energy/validate` (device class, state class, unit, numeric and available)
finds nothing. A heat meter counting its water in m³ is a plain volume: the
dashboard refuses it.
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

from simulators.p1 import EnergyMeterSimulator, WaterMeterSimulator

from ..helpers import validate_energy_prefs
from .conftest import MakeDevice, MakeMeter, homewizard_entry, setup_entry


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant: validation reads its statistics."""


def _grid(energy_from: str, energy_to: str | None) -> dict[str, Any]:
    return {
        "type": "grid",
        "stat_energy_from": energy_from,
        "stat_energy_to": energy_to,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
        "stat_compensation": None,
        "entity_energy_price_export": None,
        "number_energy_price_export": None,
        "cost_adjustment_day": 0.0,
    }


def _usage(kind: str, energy_from: str) -> dict[str, Any]:
    return {
        "type": kind,
        "stat_energy_from": energy_from,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
    }


async def test_every_homewizard_counter_passes_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    make_meter: MakeMeter,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    make_water_meter: MakeDevice[WaterMeterSimulator],
) -> None:
    assert await async_setup_component(hass, "energy", {})
    p1 = await make_meter(
        gas=True, water=True, warm_water=True, heat=True, inlet_heat=True, tariffs=4
    )
    solar = await make_energy_meter(product_type="HWE-KWH3", serial="5c2faf000001")
    grid = await make_energy_meter(product_type="SDM230-wifi", serial="5c2faf000002")
    socket = await make_energy_meter(product_type="HWE-SKT", serial="5c2faf000003")
    water = await make_water_meter()
    await setup_entry(hass, homewizard_entry(p1))
    await setup_entry(hass, homewizard_entry(solar, meter_type="solar"))
    await setup_entry(hass, homewizard_entry(grid, meter_type="grid"))
    await setup_entry(hass, homewizard_entry(socket, meter_type="zone"))
    await setup_entry(hass, homewizard_entry(water))

    p1_ = "sensor.p1_meter"
    tariffs = ["", "_tariff_1", "_tariff_2", "_tariff_3", "_tariff_4"]
    counters = [
        *(f"{p1_}_energy_import{t}" for t in tariffs),
        *(f"{p1_}_energy_export{t}" for t in tariffs),
        f"{p1_}_gas",
        f"{p1_}_water",
        f"{p1_}_warm_water",
        f"{p1_}_heat",
        "sensor.kwh_meter_solar_solar_energy_produced",
        "sensor.kwh_meter_solar_inverter_standby_energy",
        "sensor.kwh_meter_grid_energy_imported_from_grid",
        "sensor.kwh_meter_grid_energy_exported_to_grid",
        "sensor.energy_socket_zone_energy_consumed",
        "sensor.energy_socket_zone_energy_returned",
        "sensor.water_meter_water",
    ]
    for entity_id in counters:
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.attributes["state_class"] == "total_increasing", entity_id
        assert float(state.state) > 0, entity_id

    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=get_start_time(dt_util.utcnow()))
    await async_wait_recording_done(hass)

    prefs = {
        "energy_sources": [
            *(
                _grid(f"{p1_}_energy_import{t}", f"{p1_}_energy_export{t}")
                for t in tariffs
            ),
            _grid(
                "sensor.kwh_meter_grid_energy_imported_from_grid",
                "sensor.kwh_meter_grid_energy_exported_to_grid",
            ),
            {
                "type": "solar",
                "stat_energy_from": "sensor.kwh_meter_solar_solar_energy_produced",
                "config_entry_solar_forecast": None,
            },
            _usage("gas", f"{p1_}_gas"),
            # A heat meter in GJ is energy: the gas section takes energy too.
            _usage("gas", f"{p1_}_heat"),
            _usage("water", f"{p1_}_water"),
            _usage("water", "sensor.water_meter_water"),
        ],
        "device_consumption": [
            {"stat_consumption": f"{p1_}_heat"},
            {"stat_consumption": "sensor.kwh_meter_solar_inverter_standby_energy"},
            {"stat_consumption": "sensor.energy_socket_zone_energy_consumed"},
            {"stat_consumption": "sensor.energy_socket_zone_energy_returned"},
        ],
        "device_consumption_water": [{"stat_consumption": f"{p1_}_warm_water"}],
    }
    result = await validate_energy_prefs(hass, hass_ws_client, prefs)
    assert result["energy_sources"] == [[] for _ in prefs["energy_sources"]], result
    assert result["device_consumption"] == [[] for _ in prefs["device_consumption"]]
    assert result["device_consumption_water"] == [[]], result

    # The inlet heat meter's volume is no water usage: the dashboard says so.
    inlet = f"{p1_}_inlet_heat"
    assert hass.states.get(inlet).attributes["device_class"] == "volume"
    result = await validate_energy_prefs(
        hass,
        hass_ws_client,
        {
            "energy_sources": [_usage("water", inlet)],
            "device_consumption": [],
            "device_consumption_water": [],
        },
    )
    [[issue]] = result["energy_sources"]
    assert issue["type"] == "entity_unexpected_device_class"
