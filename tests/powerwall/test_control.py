"""Control through NetZero: every write is read back; the battery controller."""

from collections.abc import AsyncGenerator

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.const import DOMAIN
from simulators.netzero import NetZeroSimulator
from simulators.powerwall import GATEWAY_DIN, PowerwallGatewaySimulator

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
    await controller.apply_charge(100, 3500)
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


async def test_no_two_entities_of_a_device_share_a_name(
    hass: HomeAssistant, control_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    names: dict[str | None, list[str]] = {}
    for entity in er.async_entries_for_config_entry(registry, control_entry.entry_id):
        current = hass.states.get(entity.entity_id)
        if current is None:  # disabled by default
            continue
        names.setdefault(entity.device_id, []).append(
            str(current.attributes["friendly_name"])
        )
    for device_names in names.values():
        assert len(device_names) == len(set(device_names)), sorted(device_names)
    assert (
        state_name(hass, "sensor.powerwall_backup_reserve")
        == "Powerwall Backup reserve"
    )
    assert state_name(hass, RESERVE) == "Powerwall Backup reserve setting"


def state_name(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return str(current.attributes["friendly_name"])


async def test_an_existing_install_keeps_its_reserve_entity_id(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, netzero: NetZeroSimulator
) -> None:
    entry = entry_for(gateway, control=True)
    entry.add_to_hass(hass)
    # As an install from before the rename registered it.
    er.async_get(hass).async_get_or_create(
        "number",
        DOMAIN,
        f"{GATEWAY_DIN}_backup_reserve_setting",
        config_entry=entry,
        suggested_object_id="powerwall_backup_reserve",
    )
    await setup_entry(hass, entry)
    assert state_name(hass, "number.powerwall_backup_reserve") == (
        "Powerwall Backup reserve setting"
    )
    assert hass.states.get(RESERVE) is None
    await hass.config_entries.async_unload(entry.entry_id)
