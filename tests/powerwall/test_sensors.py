"""Powerwall entities: values, devices, outages, glitches, back-off and re-login."""

import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.powerwall.gateway import (
    RATE_LIMIT_PAUSE_S,
    PowerwallGateway,
)
from simulators.powerwall import (
    GATEWAY_DIN,
    PACK_SERIALS,
    PowerwallGatewaySimulator,
)

from ..helpers import record_numbers
from .conftest import entry_for, next_poll

LIFETIME_SENSORS = (
    "sensor.powerwall_grid_energy_imported",
    "sensor.powerwall_grid_energy_exported",
    "sensor.powerwall_solar_energy_produced",
    "sensor.powerwall_home_energy_consumed",
    "sensor.powerwall_battery_energy_charged",
    "sensor.powerwall_battery_energy_discharged",
)


def value(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def number(hass: HomeAssistant, entity_id: str) -> float:
    return float(value(hass, entity_id))


async def test_entities_show_the_gateway_values(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    # The simulated house: 1450 W load, 3200 W solar, battery charging 1250 W.
    assert number(hass, "sensor.powerwall_home_power") == 1450
    assert number(hass, "sensor.powerwall_solar_power") == 3200
    assert number(hass, "sensor.powerwall_battery_power") == -1250  # charging
    assert number(hass, "sensor.powerwall_grid_power") == -500  # exporting
    assert number(hass, "sensor.powerwall_grid_energy_imported") == pytest.approx(
        3276.433, abs=0.01
    )
    assert number(hass, "sensor.powerwall_solar_energy_produced") == pytest.approx(
        4217.33, abs=0.01
    )
    # Raw 69.26 % on the gateway is 67.6 % in the Tesla app.
    raw = gateway.state.energy_remaining_wh / gateway.state.full_pack_wh * 100
    assert number(hass, "sensor.powerwall_state_of_charge") == pytest.approx(
        (raw - 5) / 0.95, abs=0.05
    )
    assert number(hass, "sensor.powerwall_energy_remaining") == pytest.approx(
        18.7, abs=0.01
    )
    assert number(hass, "sensor.powerwall_full_pack_energy") == 27.0
    assert number(hass, "sensor.powerwall_backup_reserve") == pytest.approx(20.0)
    assert number(hass, "sensor.powerwall_frequency") == pytest.approx(60.01)
    assert value(hass, "sensor.powerwall_grid_status") == "connected"
    assert number(hass, "sensor.powerwall_round_trip_efficiency") == pytest.approx(
        87.5, abs=0.05
    )
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_ON
    assert value(hass, "binary_sensor.powerwall_sitemaster_running") == STATE_ON
    assert value(hass, "binary_sensor.powerwall_connected_to_tesla") == STATE_ON
    assert value(hass, "binary_sensor.powerwall_battery_charging") == STATE_ON
    # No control channel configured: no control entities at all.
    registry = er.async_get(hass)
    platforms = {
        e.domain for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert platforms == {"sensor", "binary_sensor"}


async def test_devices_firmware_packs_and_disabled_phase_sensors(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    devices = dr.async_get(hass)
    gateway_device = devices.async_get_device_by_identifier(
        (DOMAIN, GATEWAY_DIN), entry.entry_id
    )
    assert gateway_device is not None
    assert gateway_device.sw_version == "25.10.4"
    assert gateway_device.manufacturer == "Tesla"
    for number_, serial in enumerate(PACK_SERIALS, start=1):
        pack = devices.async_get_device_by_identifier((DOMAIN, serial), entry.entry_id)
        assert pack is not None
        assert pack.via_device_id == gateway_device.id
        assert pack.name == f"Powerwall battery {number_}"
    assert number(hass, "sensor.powerwall_battery_1_battery_power") == -625
    assert number(hass, "sensor.powerwall_battery_2_energy_remaining") == 9.35

    registry = er.async_get(hass)
    for phase in ("l1", "l2", "l3"):
        for quantity in ("voltage", "current"):
            entity_id = registry.async_get_entity_id(
                "sensor", DOMAIN, f"{GATEWAY_DIN}_{quantity}_{phase}"
            )
            assert entity_id is not None
            entity = registry.async_get(entity_id)
            assert entity is not None
            assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # Unique ids come from the gateway DIN and the pack serials.
    assert registry.async_get_entity_id(
        "sensor", DOMAIN, f"{GATEWAY_DIN}_grid_power"
    ) == ("sensor.powerwall_grid_power")


async def test_counters_grow_with_the_power(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    exported = number(hass, "sensor.powerwall_grid_energy_exported")
    charged = number(hass, "sensor.powerwall_battery_energy_charged")
    # A minute at -500 W grid, -1250 W battery (small enough steps for the
    # lifetime guard, which allows 100 kW of growth per second of real time).
    gateway.advance(60)
    await next_poll(hass)
    assert number(hass, "sensor.powerwall_grid_energy_exported") == pytest.approx(
        exported + 500 / 60 / 1000, abs=0.001
    )
    assert number(hass, "sensor.powerwall_battery_energy_charged") == pytest.approx(
        charged + 1250 / 60 / 1000, abs=0.001
    )


async def test_grid_outage_islands_the_house(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    gateway.set_powers(solar_w=0)
    gateway.set_grid(connected=False)
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_status") == "islanded"
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_OFF
    assert number(hass, "sensor.powerwall_grid_power") == 0
    assert number(hass, "sensor.powerwall_battery_power") == 1450  # carries the house
    assert value(hass, "binary_sensor.powerwall_battery_charging") == STATE_OFF

    gateway.set_grid(connected=True)
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_status") == "connected"
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_ON


@pytest.mark.parametrize(
    "fault",
    ["offline", "http_500", "malformed"],
)
async def test_unavailable_while_the_gateway_fails_and_back_after(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    entry: MockConfigEntry,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.clear()
    if fault == "offline":
        await gateway.set_offline(True)
    elif fault == "http_500":
        gateway.faults.http_status = 500
    else:
        gateway.faults.malformed = True
    for _ in range(3):
        await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    assert value(hass, "sensor.powerwall_grid_energy_imported") == STATE_UNAVAILABLE
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_UNAVAILABLE
    # One readable line for the whole outage, however many polls fail.
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1, problems
    assert "Cannot communicate with Powerwall" in problems[0]

    await gateway.set_offline(False)
    gateway.faults.http_status = None
    gateway.faults.malformed = False
    await next_poll(hass)
    assert number(hass, "sensor.powerwall_grid_power") == -500
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_ON


async def test_stopped_controller_shows_sitemaster_off(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    gateway.faults.extra["stopped"] = True  # live endpoints answer 502
    await next_poll(hass)
    assert value(hass, "binary_sensor.powerwall_sitemaster_running") == STATE_OFF
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    assert value(hass, "sensor.powerwall_state_of_charge") == STATE_UNAVAILABLE

    gateway.faults.extra.clear()
    await next_poll(hass)
    assert value(hass, "binary_sensor.powerwall_sitemaster_running") == STATE_ON
    assert number(hass, "sensor.powerwall_grid_power") == -500


async def test_energy_totals_never_go_backwards_through_glitches(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    recorded = record_numbers(hass, list(LIFETIME_SENSORS))

    # Importing from the grid, producing, consuming and charging all at once.
    gateway.set_powers(load_w=4000, solar_w=2000, battery_w=-1000)
    site = gateway.state.meters["site"]
    glitches = [
        lambda: gateway.faults.extra.update(missing_meter="site"),
        lambda: gateway.faults.extra.update(missing_meter="battery"),
        lambda: gateway.faults.extra.update(zero_counters=True),
        lambda: setattr(site, "imported_wh", site.imported_wh - 50_000),  # a drop
        lambda: setattr(site, "imported_wh", site.imported_wh + 50_000),  # back
        lambda: setattr(gateway.faults, "http_status", 503),
        lambda: gateway.faults.extra.update(stopped=True),
    ]
    for glitch in glitches:
        glitch()
        gateway.advance(5)
        await next_poll(hass)
        gateway.faults.extra.clear()
        gateway.faults.http_status = None
        gateway.advance(5)
        await next_poll(hass)

    for entity_id, values in recorded.items():
        if "exported" not in entity_id and "discharged" not in entity_id:
            # These moved on between the glitches.
            assert len(set(values)) > 3, (entity_id, values)
        assert all(v > 0 for v in values), (entity_id, values)
        assert values == sorted(values), (entity_id, values)
    # And they still follow the meter afterwards.
    assert number(hass, "sensor.powerwall_grid_energy_imported") == pytest.approx(
        site.imported_wh / 1000, abs=0.01
    )


async def test_rate_limited_gateway_is_left_alone(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    gateway.faults.extra["rate_limited"] = True  # every call answers 429
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    asked = len(gateway.requests)
    for _ in range(5):
        await next_poll(hass)
    # Backing off: further polls do not reach the gateway at all, and the
    # coordinator waits out the pause before its next poll.
    assert len(gateway.requests) == asked
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    failure = entry.runtime_data.coordinator.last_exception
    assert isinstance(failure, UpdateFailed)
    assert failure.retry_after is not None
    assert 0 < failure.retry_after <= RATE_LIMIT_PAUSE_S


async def test_expired_session_logs_in_again(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    logins = gateway.logins
    gateway.expire_sessions()
    gateway.set_powers(load_w=2000)
    await next_poll(hass)
    assert number(hass, "sensor.powerwall_home_power") == 2000
    assert gateway.logins == logins + 1
    await next_poll(hass)
    assert gateway.logins == logins + 1  # the new session is kept


async def test_changed_password_starts_reauth_and_stops_logging_in(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, entry: MockConfigEntry
) -> None:
    gateway.password = "newpw"
    gateway.expire_sessions()
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    failed = gateway.failed_logins
    assert failed == 1
    for _ in range(3):
        await next_poll(hass)
    # No retry loop of bad logins that would lock the gateway.
    assert gateway.failed_logins == failed


async def test_setup_waits_for_an_unreachable_gateway(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str] = []
    close = PowerwallGateway.close

    def spy_close(session: PowerwallGateway) -> None:
        closed.append(session.host)
        close(session)

    monkeypatch.setattr(PowerwallGateway, "close", spy_close)
    await gateway.set_offline(True)
    entry = entry_for(gateway)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert closed == [gateway.address]  # the failed set-up dropped its session
    await gateway.set_offline(False)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert closed == [gateway.address] * 2  # and so did the unload


async def test_measurements_have_a_display_precision_and_no_float_noise(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    numeric = 0
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        current = hass.states.get(entity.entity_id)
        if entity.domain != "sensor" or current is None:
            continue
        if current.attributes.get("unit_of_measurement") is None:
            continue
        numeric += 1
        precision = entity.options.get("sensor", {}).get("suggested_display_precision")
        assert precision is not None, entity.entity_id
    assert numeric > 10
    # Values Energy Hub scales (app percentages, kWh) are rounded: no float noise.
    for entity_id, decimals in (
        ("sensor.powerwall_state_of_charge", 2),
        ("sensor.powerwall_backup_reserve", 2),
        ("sensor.powerwall_energy_remaining", 3),
        ("sensor.powerwall_grid_energy_imported", 3),
        ("sensor.powerwall_battery_1_energy_remaining", 3),
    ):
        text = value(hass, entity_id)
        assert len(text.partition(".")[2]) <= decimals, (entity_id, text)
