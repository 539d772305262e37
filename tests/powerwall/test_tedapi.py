"""Powerwall 3 through pypowerwall's TEDAPI mode, against the PW3 simulator."""

import asyncio
import json
import logging
from pathlib import Path

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.errors import DeviceConnectionError
from custom_components.energy_hub.powerwall.gateway import PowerwallGateway
from simulators.powerwall_tedapi import PW3_DIN, PowerwallTedapiSimulator

from ..helpers import record_numbers
from .conftest import next_poll, setup_entry, tedapi_entry_for
from .test_config_flow import start_flow
from .test_sensors import LIFETIME_SENSORS, number, value


async def test_flow_adds_a_powerwall_3_through_tedapi(
    hass: HomeAssistant, tedapi_gateway: PowerwallTedapiSimulator
) -> None:
    result = await start_flow(hass)
    flow_id = result["flow_id"]
    good = {
        "host": tedapi_gateway.address,
        "password": tedapi_gateway.wifi_password,
        "connection_mode": "tedapi",
    }
    # The customer password is not the Wi-Fi password.
    result = await hass.config_entries.flow.async_configure(
        flow_id, good | {"password": tedapi_gateway.password}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    await tedapi_gateway.set_offline(True)
    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "cannot_connect"}
    await tedapi_gateway.set_offline(False)

    result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["step_id"] == "powerwall_control"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == PW3_DIN
    assert result["data"] == {"source": "powerwall"} | good | {
        "certificate_sha256": tedapi_gateway.certificate_sha256
    }
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["result"].state is ConfigEntryState.LOADED
    # It was read over TEDAPI, not the local API's telemetry endpoints.
    assert "POST /tedapi/v1" in tedapi_gateway.requests
    assert "GET /api/system_status/soe" not in tedapi_gateway.requests
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_entities_show_the_tedapi_values(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    state = tedapi_gateway.state
    assert number(hass, "sensor.powerwall_home_power") == 1450
    assert number(hass, "sensor.powerwall_solar_power") == 3200
    assert number(hass, "sensor.powerwall_battery_power") == -1250  # charging
    assert number(hass, "sensor.powerwall_grid_power") == -500  # exporting
    # Counters: the local API's aggregates, logged in with the last 5
    # characters of the Wi-Fi password.
    assert number(hass, "sensor.powerwall_grid_energy_imported") == pytest.approx(
        state.meters["site"].imported_wh / 1000, abs=0.01
    )
    assert number(hass, "sensor.powerwall_solar_energy_produced") == pytest.approx(
        state.meters["solar"].exported_wh / 1000, abs=0.01
    )
    assert number(hass, "sensor.powerwall_energy_remaining") == pytest.approx(
        state.energy_remaining_wh / 1000, abs=0.01
    )
    assert number(hass, "sensor.powerwall_full_pack_energy") == 27.0
    raw = state.energy_remaining_wh / state.full_pack_wh * 100
    assert number(hass, "sensor.powerwall_state_of_charge") == pytest.approx(
        (raw - 5) / 0.95, abs=0.05
    )
    assert number(hass, "sensor.powerwall_backup_reserve") == pytest.approx(20.0)
    assert value(hass, "sensor.powerwall_grid_status") == "connected"
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_ON
    assert value(hass, "binary_sensor.powerwall_sitemaster_running") == STATE_ON
    assert value(hass, "binary_sensor.powerwall_battery_charging") == STATE_ON

    # What TEDAPI does not really report is not offered at all.
    registry = er.async_get(hass)
    keys = {
        e.unique_id.removeprefix(f"{PW3_DIN}_")
        for e in er.async_entries_for_config_entry(registry, tedapi_entry.entry_id)
    }
    assert {"frequency", "connected_to_tesla", "voltage_l1", "current_l1"}.isdisjoint(
        keys
    )
    assert {"grid_power", "grid_imported", "state_of_charge"} <= keys
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, PW3_DIN), tedapi_entry.entry_id
    )
    assert device is not None
    assert device.sw_version == "25.26.1"
    assert device.model == "Powerwall 3"


async def test_tedapi_follows_the_house_and_the_grid(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    before = number(hass, "sensor.powerwall_grid_energy_imported")
    tedapi_gateway.set_powers(load_w=5000, solar_w=0, battery_w=0)
    tedapi_gateway.advance(10)  # a step the lifetime guard lets through
    await next_poll(hass)
    assert number(hass, "sensor.powerwall_grid_power") == 5000
    assert number(hass, "sensor.powerwall_grid_energy_imported") == pytest.approx(
        before + 5000 / 360 / 1000, abs=0.001
    )

    tedapi_gateway.set_grid(connected=False)
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_status") == "islanded"
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_OFF
    assert number(hass, "sensor.powerwall_battery_power") == 5000


@pytest.mark.parametrize("fault", ["offline", "slow"])
async def test_tedapi_outage_and_recovery(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.clear()
    if fault == "offline":
        await tedapi_gateway.set_offline(True)
    else:
        tedapi_gateway.faults.delay_s = 6  # longer than the 5 s request timeout
    await next_poll(hass, 30)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    assert value(hass, "binary_sensor.powerwall_grid_connected") == STATE_UNAVAILABLE
    # A failure is not taken for a refused password.
    assert hass.config_entries.flow.async_progress() == []
    await next_poll(hass, 30)
    # One readable line for the outage; pypowerwall's own lines are debug only.
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1, problems
    assert "Cannot communicate with Powerwall" in problems[0]

    await tedapi_gateway.set_offline(False)
    tedapi_gateway.faults.delay_s = 0
    await next_poll(hass, 30)
    assert number(hass, "sensor.powerwall_grid_power") == -500


async def test_tedapi_totals_never_go_backwards(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    recorded = record_numbers(hass, list(LIFETIME_SENSORS))
    tedapi_gateway.set_powers(load_w=4000, solar_w=2000, battery_w=-1000)
    site = tedapi_gateway.state.meters["site"]
    glitches = [
        lambda: tedapi_gateway.faults.extra.update(zero_counters=True),
        lambda: setattr(site, "imported_wh", site.imported_wh - 50_000),
        lambda: setattr(site, "imported_wh", site.imported_wh + 50_000),
        lambda: setattr(tedapi_gateway.faults, "http_status", 500),
        # Last: after it pypowerwall leaves the counters alone for 5 minutes.
        lambda: tedapi_gateway.faults.extra.update(missing_meter="site"),
    ]
    for glitch in glitches:
        glitch()
        tedapi_gateway.advance(5)
        await next_poll(hass)
        tedapi_gateway.faults.extra.clear()
        tedapi_gateway.faults.http_status = None
        tedapi_gateway.advance(5)
        await next_poll(hass)

    for entity_id, values in recorded.items():
        if "exported" not in entity_id and "discharged" not in entity_id:
            assert len(set(values)) > 3, (entity_id, values)
        assert all(v > 0 for v in values), (entity_id, values)
        assert values == sorted(values), (entity_id, values)
    # Meanwhile the counters keep their last good value (never a 0 placeholder).
    last_good = recorded["sensor.powerwall_grid_energy_imported"][-1]
    assert number(hass, "sensor.powerwall_grid_energy_imported") == last_good
    assert last_good < site.imported_wh / 1000
    assert number(hass, "sensor.powerwall_grid_power") == 4000 - 2000 + 1000


async def test_changed_wifi_password_starts_reauth(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    tedapi_gateway.wifi_password = "NEWPASSW0RD"
    tedapi_gateway.password = "SSW0RD"[-5:]
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"password": "NEWPASSW0RD"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tedapi_entry.data["password"] == "NEWPASSW0RD"
    assert tedapi_entry.data["connection_mode"] == "tedapi"  # the mode is kept
    assert tedapi_entry.state is ConfigEntryState.LOADED
    assert number(hass, "sensor.powerwall_grid_power") == -500


async def test_rate_limited_tedapi_gateway_is_left_alone(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    tedapi_gateway.faults.extra["rate_limited"] = True  # TEDAPI answers 429
    await next_poll(hass)
    assert value(hass, "sensor.powerwall_grid_power") == STATE_UNAVAILABLE
    asked = len(tedapi_gateway.requests)
    for _ in range(5):
        await next_poll(hass)
    # pypowerwall's five-minute pause holds: no request reaches the gateway.
    assert len(tedapi_gateway.requests) == asked
    assert hass.config_entries.flow.async_progress() == []


async def test_reconfigure_checks_the_mode_and_password(
    hass: HomeAssistant,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    result = await tedapi_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "powerwall_reconfigure"
    suggested = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested["connection_mode"] == "tedapi"
    moved = {"host": tedapi_gateway.address, "connection_mode": "local"}
    # A Powerwall 3 cannot be read through the local API, even logged in.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], moved | {"password": tedapi_gateway.password}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        moved | {"password": "ANEWPASSWD", "connection_mode": "tedapi"},
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        moved | {"password": tedapi_gateway.wifi_password, "connection_mode": "tedapi"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert tedapi_entry.data["connection_mode"] == "tedapi"
    assert tedapi_entry.state is ConfigEntryState.LOADED


async def test_diagnostics_hide_the_wifi_password(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tedapi_gateway: PowerwallTedapiSimulator,
    tedapi_entry: MockConfigEntry,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, tedapi_entry
    )
    text = json.dumps(diagnostics)
    assert tedapi_gateway.wifi_password not in text
    assert tedapi_gateway.password not in text
    assert PW3_DIN not in text
    assert diagnostics["source"]["gateway"]["tedapi"] is True


async def test_counters_unreported_without_the_local_api(
    hass: HomeAssistant, tedapi_gateway: PowerwallTedapiSimulator
) -> None:
    # The owner changed the customer password: pypowerwall's login with the
    # Wi-Fi password's last 5 characters fails, TEDAPI itself still works.
    tedapi_gateway.password = "OWNER"
    entry = await setup_entry(hass, tedapi_entry_for(tedapi_gateway))
    for _ in range(3):
        await next_poll(hass)
    assert number(hass, "sensor.powerwall_grid_power") == -500
    for entity_id in LIFETIME_SENSORS:
        # Never TEDAPI's 0 Wh placeholders.
        assert value(hass, entity_id) == STATE_UNAVAILABLE, entity_id
    assert hass.config_entries.flow.async_progress() == []
    # One refused login, not one a poll: repeated bad logins lock the gateway.
    assert tedapi_gateway.failed_logins == 1
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_ca_bundle_in_the_environment_is_named(
    tedapi_gateway: PowerwallTedapiSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # requests lets it override pypowerwall's unchecked TEDAPI session, and the
    # gateway's self-signed certificate is then refused: the error says why.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    # The test loop runs in debug mode, which reports every refused handshake
    # on the simulator's side (the refusal under test) as an error of the test.
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    gateway = PowerwallGateway(
        tedapi_gateway.address,
        tedapi_gateway.wifi_password,
        email=None,
        cache_file=tmp_path / "session.json",
        tedapi=True,
    )
    try:
        with pytest.raises(DeviceConnectionError, match="REQUESTS_CA_BUNDLE is set"):
            await asyncio.to_thread(gateway.connect)
    finally:
        loop.set_debug(debug)
