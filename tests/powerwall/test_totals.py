"""The Powerwall's energy totals through the core's guard, on the simulator.

A misread right after a restart is never published; a replaced meter is
rebased (never down, no spike, then on by the new meter's increments, with a
repair issue); and the bad-input paths of the controls: `nan` and values out
of range are refused before anything reaches NetZero or Tesla.
"""

from datetime import timedelta
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.errors import DeviceRejectedError
from simulators.fleetapi import FleetApiSimulator
from simulators.netzero import NetZeroSimulator
from simulators.powerwall import GATEWAY_DIN, PowerwallGatewaySimulator

from ..helpers import record_numbers
from .conftest import RESERVE, entry_for, setup_entry, state

# Entity id → (meter, counter) of the six Energy-dashboard totals.
TOTALS = {
    "sensor.powerwall_grid_energy_imported": ("site", "imported_wh"),
    "sensor.powerwall_grid_energy_exported": ("site", "exported_wh"),
    "sensor.powerwall_solar_energy_produced": ("solar", "exported_wh"),
    "sensor.powerwall_home_energy_consumed": ("load", "imported_wh"),
    "sensor.powerwall_battery_energy_charged": ("battery", "imported_wh"),
    "sensor.powerwall_battery_energy_discharged": ("battery", "exported_wh"),
}
GRID_IMPORTED = "sensor.powerwall_grid_energy_imported"
MISREAD_WH = 429_496_729_500.0  # 429 496 729.5 kWh: a garbled answer


async def poll_after(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let `seconds` of wall-clock time pass (the simulator's too), then poll."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_misread_right_after_a_restart_is_never_published(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    gateway.restart_clock()  # frozen time moves the simulator's clock too
    # What the totals published before the restart, a minute ago.
    a_minute_ago = (dt_util.utcnow() - timedelta(minutes=1)).timestamp()
    restored: dict[str, float] = {}
    for entity_id, (meter, counter) in TOTALS.items():
        kwh = round(getattr(gateway.state.meters[meter], counter) / 1000, 3)
        restored[entity_id] = kwh
    mock_restore_cache_with_extra_data(
        hass,
        tuple(
            (
                State(entity_id, str(kwh)),
                {
                    "native_value": kwh,
                    "native_unit_of_measurement": "kWh",
                    "guard": {
                        "published": kwh,
                        "published_at": a_minute_ago,
                        "raw": kwh,
                        "offset": 0.0,
                    },
                },
            )
            for entity_id, kwh in restored.items()
        ),
    )
    gateway.faults.extra["misread_wh"] = MISREAD_WH  # the first poll misreads

    entry = await setup_entry(hass, entry_for(gateway))
    recorded = record_numbers(hass, list(TOTALS))
    for entity_id, kwh in restored.items():
        assert float(state(hass, entity_id)) == kwh, entity_id

    gateway.faults.extra.clear()
    await poll_after(hass, freezer, 5)
    for entity_id, (meter, counter) in TOTALS.items():
        real = getattr(gateway.state.meters[meter], counter) / 1000
        assert float(state(hass, entity_id)) == pytest.approx(real, abs=0.001)
    for entity_id, values in recorded.items():
        assert max(values) < MISREAD_WH / 1000 / 1000, (entity_id, values)
        assert values == sorted(values), (entity_id, values)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_replaced_meter_is_rebased_never_down(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    gateway.restart_clock()  # frozen time moves the simulator's clock too
    gateway.set_powers(load_w=4000, solar_w=0, battery_w=0)  # importing 4 kW
    entry = await setup_entry(hass, entry_for(gateway))
    recorded = record_numbers(hass, [GRID_IMPORTED])
    before = float(state(hass, GRID_IMPORTED))
    site = gateway.state.meters["site"]
    site.imported_wh = 1_000.0  # a new meter, counting on from 1 kWh

    # The new series must last 5 minutes over 3 readings before it is believed.
    for _ in range(7):
        await poll_after(hass, freezer, 60)
    values = recorded[GRID_IMPORTED]
    assert values == sorted(values), values
    assert values[-1] - before < 1.0, values  # no spike: minutes of 4 kW at most
    issue_id = f"counter_rebased_{GATEWAY_DIN}_grid_imported"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    published, raw = float(state(hass, GRID_IMPORTED)), site.imported_wh
    await poll_after(hass, freezer, 60)
    step = float(state(hass, GRID_IMPORTED)) - published
    assert step == pytest.approx((site.imported_wh - raw) / 1000, abs=0.002)
    assert step == pytest.approx(4.0 / 60, abs=0.002)  # a minute of 4 kW
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def netzero_entry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> MockConfigEntry:
    """A loaded entry with the NetZero channel."""
    return await setup_entry(hass, entry_for(gateway, control=True))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, 101])
async def test_the_reserve_refuses_nan_and_out_of_range(
    hass: HomeAssistant,
    netzero: NetZeroSimulator,
    netzero_entry: MockConfigEntry,
    bad: float,
) -> None:
    before = state(hass, RESERVE)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: RESERVE, "value": bad},
            blocking=True,
        )
    assert netzero.writes == []
    assert not any(r.startswith("POST") for r in netzero.requests)
    assert state(hass, RESERVE) == before
    await hass.config_entries.async_unload(netzero_entry.entry_id)


GOOD_SETTINGS = {
    "backup_reserve_percent": 20,
    "operational_mode": "self_consumption",
    "energy_exports": "pv_only",
    "grid_charging": False,
}


@pytest.mark.parametrize(
    "settings",
    [
        GOOD_SETTINGS | {"backup_reserve_percent": math.nan},
        GOOD_SETTINGS | {"backup_reserve_percent": math.inf},
        GOOD_SETTINGS | {"backup_reserve_percent": 150},
        GOOD_SETTINGS | {"backup_reserve_percent": None},  # a missing saved value
        {k: v for k, v in GOOD_SETTINGS.items() if k != "grid_charging"},
        GOOD_SETTINGS | {"operational_mode": "backup"},
        GOOD_SETTINGS | {"grid_charging": "yes"},
    ],
)
async def test_the_battery_controller_refuses_bad_saved_settings(
    hass: HomeAssistant,
    netzero: NetZeroSimulator,
    netzero_entry: MockConfigEntry,
    settings: dict[str, object],
) -> None:
    controller = netzero_entry.runtime_data.battery_controller
    assert controller is not None
    with pytest.raises(DeviceRejectedError):
        await controller.restore(BatterySettings(values=settings))
    assert not any(r.startswith("POST") for r in netzero.requests)
    await hass.config_entries.async_unload(netzero_entry.entry_id)


@pytest.mark.parametrize("power_w", [math.nan, math.inf, -math.inf, 0, -3000])
async def test_the_battery_controller_refuses_a_bad_power(
    hass: HomeAssistant,
    netzero: NetZeroSimulator,
    netzero_entry: MockConfigEntry,
    power_w: float,
) -> None:
    controller = netzero_entry.runtime_data.battery_controller
    assert controller is not None
    with pytest.raises(DeviceRejectedError, match="power_w"):
        await controller.apply_charge(80, power_w)
    with pytest.raises(DeviceRejectedError, match="power_w"):
        await controller.apply_discharge(power_w)
    assert netzero.requests == [] or not any(
        r.startswith("POST") for r in netzero.requests
    )
    assert netzero.config["backup_reserve_percent"] == 20
    await hass.config_entries.async_unload(netzero_entry.entry_id)


async def test_fleetapi_refuses_nan_before_calling_tesla(
    hass: HomeAssistant, fleetapi: FleetApiSimulator, fleet_entry: MockConfigEntry
) -> None:
    control = fleet_entry.runtime_data.control
    assert control is not None
    with pytest.raises(DeviceRejectedError, match="backup_reserve_percent"):
        await control.client.write(backup_reserve_percent=math.nan)
    controller = fleet_entry.runtime_data.battery_controller
    assert controller is not None
    with pytest.raises(DeviceRejectedError):
        await controller.restore(
            BatterySettings(values=GOOD_SETTINGS | {"backup_reserve_percent": math.nan})
        )
    assert fleetapi.writes == []
    assert not any(r.startswith("POST") for r in fleetapi.requests)
