"""Control through NetZero: every write is read back; the battery controller."""

from collections.abc import AsyncGenerator

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.battery import BatterySettings
from simulators.netzero import NetZeroSimulator
from simulators.powerwall import PowerwallGatewaySimulator

from .conftest import (
    EXPORTS,
    GRID_CHARGING,
    MODE,
    RESERVE,
    entry_for,
    next_poll,
    setup_entry,
    state,
    write_controls,
)


@pytest.fixture
async def control_entry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> AsyncGenerator[MockConfigEntry]:
    """A loaded entry with the NetZero channel."""
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_control_entities_show_the_site_settings(
    hass: HomeAssistant, control_entry: MockConfigEntry
) -> None:
    assert float(state(hass, RESERVE)) == 20
    assert state(hass, MODE) == "self_consumption"
    assert state(hass, EXPORTS) == "pv_only"
    assert state(hass, GRID_CHARGING) == STATE_OFF


async def test_writes_are_read_back(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
    control_entry: MockConfigEntry,
) -> None:
    await write_controls(hass, 55, "autonomous", "battery_ok", grid_charging=True)
    assert netzero.writes == [
        {"backup_reserve_percent": 55},
        {"operational_mode": "autonomous"},
        {"energy_exports": "battery_ok"},
        {"grid_charging": True},
    ]
    # Each entity shows what NetZero confirms on a fresh read.
    assert float(state(hass, RESERVE)) == 55
    assert state(hass, MODE) == "autonomous"
    assert state(hass, EXPORTS) == "battery_ok"
    assert state(hass, GRID_CHARGING) == STATE_ON
    # The site applied it: the gateway reports the new reserve and mode.
    await next_poll(hass)
    assert float(state(hass, "sensor.powerwall_backup_reserve")) == pytest.approx(55)
    assert gateway.state.real_mode == "autonomous"


async def test_unconfirmed_write_raises_and_keeps_the_real_value(
    hass: HomeAssistant, netzero: NetZeroSimulator, control_entry: MockConfigEntry
) -> None:
    netzero.faults.extra["ignore_writes"] = True  # 200, but the site never changes
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 80}, blocking=True
        )
    assert raised.value.translation_key == "write_not_confirmed"
    assert float(state(hass, RESERVE)) == 20


async def test_failed_write_is_a_translated_error(
    hass: HomeAssistant, netzero: NetZeroSimulator, control_entry: MockConfigEntry
) -> None:
    await netzero.set_offline(True)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "switch", "turn_on", {ATTR_ENTITY_ID: GRID_CHARGING}, blocking=True
        )
    assert raised.value.translation_key == "communication_error"
    assert state(hass, GRID_CHARGING) == STATE_UNAVAILABLE
    await netzero.set_offline(False)


async def test_battery_controller_charges_and_restores(
    hass: HomeAssistant, netzero: NetZeroSimulator, control_entry: MockConfigEntry
) -> None:
    controller = control_entry.runtime_data.battery_controller
    assert controller is not None
    before = await controller.read_settings()
    assert before == BatterySettings(
        values={
            "backup_reserve_percent": 20,
            "operational_mode": "self_consumption",
            "energy_exports": "pv_only",
            "grid_charging": False,
        }
    )
    await controller.apply_charge(3500)
    assert netzero.config["backup_reserve_percent"] == 100
    assert netzero.config["grid_charging"] is True
    await controller.apply_discharge()
    assert netzero.config["backup_reserve_percent"] == 0
    assert netzero.config["energy_exports"] == "battery_ok"
    await controller.restore(before)
    assert (await controller.read_settings()) == before


async def test_no_channel_no_controller(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    assert entry.runtime_data.battery_controller is None
    assert hass.states.async_entity_ids(["number", "select", "switch"]) == []


async def test_netzero_outage_does_not_hold_up_telemetry(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    await netzero.set_offline(True)
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    assert float(state(hass, "sensor.powerwall_grid_power")) == -500
    assert state(hass, RESERVE) == STATE_UNAVAILABLE
    await netzero.set_offline(False)
    await entry.runtime_data.control.async_refresh()  # its next minute poll
    await hass.async_block_till_done()
    assert float(state(hass, RESERVE)) == 20
    await hass.config_entries.async_unload(entry.entry_id)
