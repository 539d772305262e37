"""Import and export totals of every meter the gateway lists, on the simulator.

Besides the everyday six (grid imported/exported, solar produced, home
consumed, battery charged/discharged), the solar inverter's own draw, what
flows back out of the load meter and both counters of every extra meter
(busway, generator, … and meters of names nobody listed) are Energy-dashboard
totals: kWh, `total_increasing`, created only where the gateway reports the
meter, disabled by default.
"""

from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.energy_hub.powerwall.entities import (
    EXTRA_METER_TOTALS,
    extra_meter_sensors,
)
from custom_components.energy_hub.powerwall.gateway import (
    PowerwallReading,
    _reading as reading_from_endpoints,
)
from simulators.powerwall import GATEWAY_DIN, PowerwallGatewaySimulator
from simulators.powerwall_tedapi import PW3_DIN, PowerwallTedapiSimulator

from .conftest import entry_for, next_poll, setup_entry, tedapi_entry_for

# Entity id → (unique id key, meter, counter) of the totals beyond the six.
NEW_TOTALS = {
    "sensor.powerwall_solar_inverter_energy_consumed": (
        "solar_consumed",
        "solar",
        "imported_wh",
    ),
    "sensor.powerwall_home_energy_exported": ("home_exported", "load", "exported_wh"),
    "sensor.powerwall_busway_meter_energy_imported": (
        "busway_meter_imported",
        "busway",
        "imported_wh",
    ),
    "sensor.powerwall_busway_meter_energy_exported": (
        "busway_meter_exported",
        "busway",
        "exported_wh",
    ),
}
# The everyday six keep their keys (and so their unique ids).
EVERYDAY_KEYS = (
    "grid_imported",
    "grid_exported",
    "solar_produced",
    "home_consumed",
    "battery_charged",
    "battery_discharged",
)


def reading_of(aggregates: dict[str, object]) -> PowerwallReading:
    """The reading made of an aggregates answer alone."""
    return reading_from_endpoints(aggregates, None, None, None, None, None, None)


def backfeed(gateway: PowerwallGatewaySimulator) -> None:
    """Let the load meter have counted energy flowing out (a site with backfeed).

    The simulated house never sends energy out of its load meter, and a
    lifetime total that reads 0 Wh is held back by the core's guard.
    """
    gateway.state.meters["load"].exported_wh = 350.0


def _kwh(gateway: PowerwallGatewaySimulator, meter: str, counter: str) -> float:
    return round(getattr(gateway.state.meters[meter], counter) / 1000, 3)


def assert_energy_total(hass: HomeAssistant, entity_id: str, kwh: float) -> None:
    """`entity_id` shows `kwh` as an Energy-dashboard lifetime total."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    assert float(current.state) == pytest.approx(kwh, abs=0.002), entity_id
    assert current.attributes["unit_of_measurement"] == UnitOfEnergy.KILO_WATT_HOUR
    assert current.attributes["device_class"] == "energy"
    assert current.attributes["state_class"] == "total_increasing"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_meter_has_an_import_and_an_export_total(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    gateway.set_powers(solar_w=0.0)  # night: the inverter draws a few watts
    backfeed(gateway)
    entry = await setup_entry(hass, entry_for(gateway))
    for entity_id, (_, meter, counter) in NEW_TOTALS.items():
        assert_energy_total(hass, entity_id, _kwh(gateway, meter, counter))
    # The solar inverter's night-time draw counts on as time passes.
    before = _kwh(gateway, "solar", "imported_wh")
    gateway.advance(3600)
    await next_poll(hass)
    after = _kwh(gateway, "solar", "imported_wh")
    assert after > before
    assert_energy_total(hass, "sensor.powerwall_solar_inverter_energy_consumed", after)
    # Unique ids: <DIN>_<key>, the everyday six unchanged.
    registry = er.async_get(hass)
    for entity_id, (key, _, _) in NEW_TOTALS.items():
        entity = registry.async_get(entity_id)
        assert entity is not None
        assert entity.unique_id == f"{GATEWAY_DIN}_{key}"
    for key in EVERYDAY_KEYS:
        assert registry.async_get_entity_id(
            "sensor", "energy_hub", f"{GATEWAY_DIN}_{key}"
        )
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_the_new_totals_are_disabled_by_default_the_six_are_not(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    registry = er.async_get(hass)
    for entity_id in NEW_TOTALS:
        entity = registry.async_get(entity_id)
        assert entity is not None, entity_id
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
    for key in EVERYDAY_KEYS:
        entity_id = registry.async_get_entity_id(
            "sensor", "energy_hub", f"{GATEWAY_DIN}_{key}"
        )
        assert entity_id is not None
        assert registry.async_get(entity_id).disabled_by is None  # type: ignore[union-attr]
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_extra_meters_known_or_not_get_both_totals(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    gateway.add_meter("generator", 1_250.0, 48_310.25)
    gateway.add_meter("aux_ct", 2_000.5, 12.0)  # a name nobody listed
    entry = await setup_entry(hass, entry_for(gateway))
    assert_energy_total(hass, "sensor.powerwall_generator_meter_energy_imported", 1.25)
    assert_energy_total(hass, "sensor.powerwall_generator_meter_energy_exported", 48.31)
    assert_energy_total(hass, "sensor.powerwall_aux_ct_meter_energy_imported", 2.001)
    assert_energy_total(hass, "sensor.powerwall_aux_ct_meter_energy_exported", 0.012)
    registry = er.async_get(hass)
    entity = registry.async_get("sensor.powerwall_aux_ct_meter_energy_imported")
    assert entity is not None
    assert entity.unique_id == f"{GATEWAY_DIN}_aux_ct_meter_imported"
    assert entity.translation_key == "other_meter_imported"
    assert hass.states.get("sensor.powerwall_aux_ct_meter_energy_imported").name == (  # type: ignore[union-attr]
        "Powerwall Aux ct meter energy imported"
    )
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_meter_the_gateway_does_not_list_gets_no_totals(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    gateway.faults.extra["missing_meter"] = "busway"
    entry = await setup_entry(hass, entry_for(gateway))
    registry = er.async_get(hass)
    for key in ("busway_meter_imported", "busway_meter_exported"):
        assert (
            registry.async_get_entity_id("sensor", "energy_hub", f"{GATEWAY_DIN}_{key}")
            is None
        )
    assert hass.states.get("sensor.powerwall_solar_inverter_energy_consumed")
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def test_odd_meter_names_and_meters_without_counters_are_skipped() -> None:
    reading = reading_of(
        {
            "site": {"instant_power": 1.0},
            "busway": {"energy_imported": 5.0, "energy_exported": 1.0},
            "Weird Name!": {"energy_imported": 5.0},
            "frequency": {"instant_power": 0},  # no counter: not a total
            "status": "ok",
        }
    )
    assert set(reading.meters) == {"site", "busway"}
    # The usual four are kept even without counters; extras are not.
    assert extra_meter_sensors(reading) == EXTRA_METER_TOTALS["busway"]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_powerwall_3_extra_meters_come_from_the_local_api(
    hass: HomeAssistant, tedapi_gateway: PowerwallTedapiSimulator
) -> None:
    backfeed(tedapi_gateway)
    entry = await setup_entry(hass, tedapi_entry_for(tedapi_gateway))
    for entity_id, (key, meter, counter) in NEW_TOTALS.items():
        assert_energy_total(hass, entity_id, _kwh(tedapi_gateway, meter, counter))
        entity = er.async_get(hass).async_get(entity_id)
        assert entity is not None
        assert entity.unique_id == f"{PW3_DIN}_{key}"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
