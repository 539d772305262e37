"""The Powerwall's battery controller against the gateway, NetZero and FleetAPI simulators.

The gateway follows the settings the channels write, a couple of minutes
after each change (`follow_settings`), as a Powerwall does.
"""

from collections.abc import AsyncGenerator
import math

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.powerwall.netzero import (
    InvalidSettingError,
    PowerwallBatteryController,
)
from custom_components.energy_hub.powerwall.source import PowerwallSource
from simulators.fleetapi import FleetApiSimulator
from simulators.netzero import NetZeroSimulator
from simulators.powerwall import SETTINGS_LAG_S, PowerwallGatewaySimulator

from .conftest import RESERVE, entry_for, fleet_options, setup_entry


@pytest.fixture(params=["netzero", "fleetapi"])
async def channel_entry(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
    fleetapi: FleetApiSimulator,
) -> AsyncGenerator[MockConfigEntry]:
    """A loaded entry with a control channel, NetZero or FleetAPI, at night."""
    gateway.set_powers(load_w=1000, solar_w=0)
    gateway.follow_settings = True
    if request.param == "netzero":
        entry = entry_for(gateway, control=True)
    else:
        entry = entry_for(
            gateway, control_channel="fleetapi", **fleet_options(fleetapi)
        )
    loaded = await setup_entry(hass, entry)
    yield loaded
    await hass.config_entries.async_unload(loaded.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def controller_of(entry: MockConfigEntry) -> PowerwallBatteryController:
    """The entry's battery controller (there is one with a control channel)."""
    source: PowerwallSource = entry.runtime_data
    controller = source.battery_controller
    assert isinstance(controller, PowerwallBatteryController)
    return controller


async def battery_power(entry: MockConfigEntry) -> float | None:
    """Poll the gateway now, then read the controller's status power."""
    source: PowerwallSource = entry.runtime_data
    await source.coordinator.async_refresh()
    return (await controller_of(entry).read_status()).power_w


async def test_charge_raises_the_reserve_and_acts_after_the_lag(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    channel_entry: MockConfigEntry,
) -> None:
    controller = controller_of(channel_entry)
    saved = await controller.read_settings()
    status = await controller.read_status()
    # The channel reports the app's scale: raw 69.26 % is 67.6 % there.
    assert status.soc_percent == pytest.approx(67.6, abs=0.1)
    assert await battery_power(channel_entry) == pytest.approx(1000)  # covering

    applied = await controller.apply_charge(80.2, 3500)
    assert applied == BatterySettings(
        {
            "backup_reserve_percent": 81,  # whole percent, rounded up
            "grid_charging": True,
            "operational_mode": "autonomous",
        }
    )
    assert applied.matches(await controller.read_settings())
    assert gateway.state.backup_reserve_percent == pytest.approx(5 + 0.95 * 81)
    # The Powerwall has not acted yet: still covering the house.
    gateway.advance(SETTINGS_LAG_S / 2)
    assert await battery_power(channel_entry) == pytest.approx(1000)
    gateway.advance(SETTINGS_LAG_S)
    assert await battery_power(channel_entry) == pytest.approx(-5000)  # from the grid
    # It stops at the reserve by itself.
    gateway.advance(3 * 3600)
    assert await battery_power(channel_entry) == 0
    assert (await controller.read_status()).soc_percent == pytest.approx(81, abs=0.1)

    await controller.restore(saved)
    assert await controller.read_settings() == saved
    gateway.advance(SETTINGS_LAG_S + 1)
    assert await battery_power(channel_entry) == pytest.approx(1000)


async def test_hold_keeps_the_charge(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    channel_entry: MockConfigEntry,
) -> None:
    controller = controller_of(channel_entry)
    saved = await controller.read_settings()
    soc = (await controller.read_status()).soc_percent
    assert soc is not None
    applied = await controller.hold()
    assert applied == BatterySettings(
        {"backup_reserve_percent": math.ceil(soc), "grid_charging": False}
    )
    assert applied.matches(await controller.read_settings())
    gateway.advance(SETTINGS_LAG_S + 1)
    # At or below the reserve the Powerwall no longer covers the house
    # (during the lag it still did, a little).
    assert await battery_power(channel_entry) == 0
    held = gateway.state.energy_remaining_wh
    assert held == pytest.approx(gateway.state.full_pack_wh * 0.6926, abs=50)
    gateway.advance(1800)
    assert await battery_power(channel_entry) == 0
    assert gateway.state.energy_remaining_wh == pytest.approx(held, abs=1)

    await controller.restore(saved)
    assert await controller.read_settings() == saved


async def test_restore_puts_back_every_setting_exactly(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    channel_entry: MockConfigEntry,
) -> None:
    controller = controller_of(channel_entry)
    saved = await controller.read_settings()
    await controller.apply_discharge()
    assert (await controller.read_settings()).values["energy_exports"] == "battery_ok"
    await controller.hold()
    await controller.apply_charge(90)
    assert await controller.read_settings() != saved
    await controller.restore(saved)
    assert await controller.read_settings() == saved
    assert gateway.state.backup_reserve_percent == pytest.approx(5 + 0.95 * 20)
    assert gateway.state.real_mode == "self_consumption"


async def test_a_change_by_the_user_no_longer_matches(
    hass: HomeAssistant, channel_entry: MockConfigEntry
) -> None:
    controller = controller_of(channel_entry)
    applied = await controller.apply_charge(90)
    assert applied.matches(await controller.read_settings())
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 35}, blocking=True
    )
    assert not applied.matches(await controller.read_settings())


@pytest.mark.parametrize("target", [math.nan, -1, 100.5, math.inf])
async def test_a_bad_target_is_refused_before_anything_is_sent(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
    target: float,
) -> None:
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    controller = controller_of(entry)
    with pytest.raises(InvalidSettingError, match="target_soc"):
        await controller.apply_charge(target)
    assert netzero.writes == []
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
