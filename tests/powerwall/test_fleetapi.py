"""Control through Tesla's FleetAPI, by unmodified pypowerwall, against its simulator."""

from collections.abc import Generator
import json
import logging
from pathlib import Path
import stat
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.powerwall.const import FLEETAPI_FOLDER
from custom_components.energy_hub.powerwall.fleetapi import (
    MAX_RETRY_AFTER_S,
    settings_from,
)
from simulators.fleetapi import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    FleetApiSimulator,
)
from simulators.powerwall import PowerwallGatewaySimulator

from .conftest import (
    EXPORTS,
    GRID_CHARGING,
    MODE,
    RESERVE,
    entry_for,
    fleet_options,
    next_poll,
    setup_entry,
    state,
    write_controls,
)


@pytest.fixture
def no_secrets_logged(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail the test if a FleetAPI secret or token reaches the log."""
    caplog.set_level(logging.DEBUG)
    yield
    for secret in (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, "fleet-access-0002"):
        assert secret not in caplog.text, secret


async def test_options_choose_fleetapi(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    fleetapi: FleetApiSimulator,
    no_secrets_logged: None,
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    assert hass.states.async_entity_ids(["number", "select", "switch"]) == []

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "powerwall_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5, "control_channel": "fleetapi"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "powerwall_fleetapi"

    blank_secret = fleet_options(fleetapi) | {"fleet_client_secret": "  "}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], blank_secret
    )
    assert result["errors"] == {"base": "fleetapi_incomplete"}
    wrong_site = fleet_options(fleetapi) | {"fleet_site_id": "999"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], wrong_site
    )
    assert result["errors"] == {"base": "fleetapi_failed"}
    not_https = fleet_options(fleetapi) | {
        "fleet_audience": fleetapi.url.replace("https", "http")
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], not_https
    )
    assert result["errors"] == {"fleet_audience": "fleetapi_not_https"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], fleet_options(fleetapi)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {
        "poll_interval": 5,
        "control_channel": "fleetapi",
    } | fleet_options(fleetapi)
    # The entry reloaded with the four control entities, showing the site.
    assert entry.state is ConfigEntryState.LOADED
    assert float(state(hass, RESERVE)) == 20
    assert state(hass, MODE) == "self_consumption"
    assert state(hass, EXPORTS) == "pv_only"
    assert state(hass, GRID_CHARGING) == STATE_ON

    # Back to no channel: the control entities go.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 5, "control_channel": "none"}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options == {"poll_interval": 5}
    assert hass.states.async_entity_ids(["number", "select", "switch"]) == []
    await hass.config_entries.async_unload(entry.entry_id)


async def test_each_control_is_written_and_read_back(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    fleetapi: FleetApiSimulator,
    fleet_entry: MockConfigEntry,
) -> None:
    await write_controls(hass, 55, "autonomous", "never", grid_charging=False)
    # pypowerwall's own requests, on Tesla's endpoints and in Tesla's shape.
    assert fleetapi.writes == [
        ("backup", {"backup_reserve_percent": 55}),
        ("operation", {"default_real_mode": "autonomous"}),
        ("grid_import_export", {"customer_preferred_export_rule": "never"}),
        (
            "grid_import_export",
            {"disallow_charge_from_grid_with_solar_installed": True},
        ),
    ]
    assert float(state(hass, RESERVE)) == 55
    assert state(hass, MODE) == "autonomous"
    assert state(hass, EXPORTS) == "never"
    assert state(hass, GRID_CHARGING) == STATE_OFF
    await next_poll(hass)
    assert float(state(hass, "sensor.powerwall_backup_reserve")) == pytest.approx(55)
    assert gateway.state.real_mode == "autonomous"


async def test_expired_token_is_refreshed_and_kept(
    hass: HomeAssistant,
    fleetapi: FleetApiSimulator,
    fleet_entry: MockConfigEntry,
    no_secrets_logged: None,
) -> None:
    fleetapi.expire_access_token()
    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 35}, blocking=True
    )
    assert fleetapi.refreshes == 1
    assert fleetapi.writes == [("backup", {"backup_reserve_percent": 35})]
    assert float(state(hass, RESERVE)) == 35
    # Tesla rotated both tokens: the entry keeps the new pair for the next start.
    assert fleet_entry.options["fleet_access_token"] == fleetapi.access_token
    assert fleet_entry.options["fleet_refresh_token"] == fleetapi.refresh_token
    assert fleetapi.refresh_token != REFRESH_TOKEN
    # pypowerwall's config file sits in HA's config folder, for the owner only.
    config_file = (
        Path(hass.config.path(FLEETAPI_FOLDER, fleet_entry.entry_id)) / "fleetapi.json"
    )
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert json.loads(config_file.read_text())["access_token"] == fleetapi.access_token

    # After a restart the stored pair works without another refresh.
    await hass.config_entries.async_reload(fleet_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(state(hass, RESERVE)) == 35
    assert fleetapi.refreshes == 1


async def test_outages_and_rate_limits_are_translated(
    hass: HomeAssistant, fleetapi: FleetApiSimulator, fleet_entry: MockConfigEntry
) -> None:
    control = fleet_entry.runtime_data.control
    await fleetapi.set_offline(True)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 40}, blocking=True
        )
    assert raised.value.translation_key == "communication_error"
    assert state(hass, RESERVE) == STATE_UNAVAILABLE
    await fleetapi.set_offline(False)
    await control.async_refresh()
    await hass.async_block_till_done()
    assert float(state(hass, RESERVE)) == 20

    fleetapi.faults.http_status = 503
    await control.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, RESERVE) == STATE_UNAVAILABLE
    fleetapi.faults.http_status = None
    await control.async_refresh()
    await hass.async_block_till_done()
    assert float(state(hass, RESERVE)) == 20

    # Tesla's 429: the write fails as "slow down", and pypowerwall holds
    # every request back for the Retry-After it gave.
    fleetapi.faults.extra["rate_limited"] = 30
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "switch", "turn_off", {ATTR_ENTITY_ID: GRID_CHARGING}, blocking=True
        )
    assert raised.value.translation_key == "rate_limited"
    assert fleetapi.writes == []
    # Polling waits for the same Retry-After.
    await control.async_refresh()
    assert isinstance(control.last_exception, UpdateFailed)
    assert control.last_exception.retry_after is not None
    assert 0 < control.last_exception.retry_after <= 30


async def test_retry_after_is_capped(
    hass: HomeAssistant, fleetapi: FleetApiSimulator, fleet_entry: MockConfigEntry
) -> None:
    control = fleet_entry.runtime_data.control
    fleetapi.faults.extra["rate_limited"] = 3600  # more than any client should wait
    await control.async_refresh()
    assert isinstance(control.last_exception, UpdateFailed)
    assert control.last_exception.retry_after is not None
    assert 55 < control.last_exception.retry_after <= MAX_RETRY_AFTER_S


async def test_battery_controller_over_fleetapi(
    hass: HomeAssistant, fleetapi: FleetApiSimulator, fleet_entry: MockConfigEntry
) -> None:
    controller = fleet_entry.runtime_data.battery_controller
    assert controller is not None
    before = await controller.read_settings()
    assert before == BatterySettings(
        values={
            "backup_reserve_percent": 20,
            "operational_mode": "self_consumption",
            "energy_exports": "pv_only",
            "grid_charging": True,
        }
    )
    await controller.apply_discharge()
    assert fleetapi.backup_reserve_percent == 0
    assert fleetapi.export_rule == "battery_ok"
    assert fleetapi.grid_charging is False
    await controller.restore(before)
    assert (await controller.read_settings()) == before


@pytest.mark.parametrize(
    ("components", "exports", "grid_charging"),
    [
        # FleetAPI leaves out what is at its default: battery_ok, charging allowed.
        ({}, "battery_ok", True),
        (
            {
                "customer_preferred_export_rule": "pv_only",
                "disallow_charge_from_grid_with_solar_installed": True,
            },
            "pv_only",
            False,
        ),
        # Sites set up before permission to operate say "never" this way.
        ({"non_export_configured": True}, "never", True),
        ({"customer_preferred_export_rule": "everything"}, None, True),
    ],
)
def test_site_info_shapes(
    components: dict[str, Any], exports: str | None, grid_charging: bool
) -> None:
    settings = settings_from(
        {
            "backup_reserve_percent": 30,
            "default_real_mode": "backup",
            "components": components,
        },
        {"percentage_charged": 51.5, "grid_status": "Active"},
    )
    assert settings.energy_exports == exports
    assert settings.grid_charging is grid_charging
    assert settings.backup_reserve_percent == 30
    # Backup-only mode is not one the select offers: unknown, not a wrong option.
    assert settings.operational_mode is None
    assert settings.percentage_charged == 51.5
