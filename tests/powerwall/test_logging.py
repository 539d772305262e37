"""Logs: pypowerwall's own lines (every sub-logger) at debug; no credential anywhere."""

import logging

from homeassistant import config_entries
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.powerwall.gateway import pypowerwall_logger_names
from simulators.fleetapi import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    FleetApiSimulator,
)
from simulators.netzero import TOKEN, NetZeroSimulator
from simulators.powerwall import PASSWORD, PowerwallGatewaySimulator

from .conftest import RESERVE, entry_for, fleet_options, next_poll, setup_entry


def test_every_pypowerwall_logger_is_known() -> None:
    names = pypowerwall_logger_names()
    assert {
        "pypowerwall",
        "pypowerwall.fleetapi.fleetapi",
        "pypowerwall.fleetapi.pypowerwall_fleetapi",
        "pypowerwall.tedapi",
        "pypowerwall.tedapi.tedapi_v1r",
        "pypowerwall.local.pypowerwall_local",
        "pypowerwall.cloud.pypowerwall_cloud",
        "pypowerwall.api_lock",
    } <= names


def test_pypowerwall_errors_are_debug_lines(caplog: pytest.LogCaptureFixture) -> None:
    """Each sub-logger, not just the root: a logger's filter misses its children."""
    caplog.set_level(logging.INFO)
    for name in sorted(pypowerwall_logger_names()):
        logging.getLogger(name).error("a failed call")
        logging.getLogger(name).warning("a retry")
    assert not caplog.records, {r.name for r in caplog.records}
    caplog.set_level(logging.DEBUG)  # with debug logging on, they are kept
    logging.getLogger("pypowerwall.fleetapi.fleetapi").error("a failed call")
    [record] = caplog.records
    assert record.levelno == logging.DEBUG


async def test_a_fleetapi_outage_is_one_line_of_ours(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    fleetapi: FleetApiSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_entry(
        hass, entry_for(gateway, control_channel="fleetapi", **fleet_options(fleetapi))
    )
    control = entry.runtime_data.control
    assert control is not None
    caplog.clear()
    fleetapi.faults.http_status = 503
    for _ in range(3):
        await control.async_refresh()
    await hass.async_block_till_done()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in loud if r.name.startswith("pypowerwall")], loud
    await hass.config_entries.async_unload(entry.entry_id)


async def test_no_credential_in_any_log_line_or_error(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
    fleetapi: FleetApiSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    # A refused password in the flow, then in a running entry (reauth).
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "powerwall"}
    )
    await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": gateway.address, "password": "Wr0ngPassw0rd"}
    )
    entry = await setup_entry(hass, entry_for(gateway, control=True))
    # NetZero refuses the token on a write and on a read.
    netzero.token = "nz-other-token"
    try:
        await hass.services.async_call(
            "number", "set_value", {ATTR_ENTITY_ID: RESERVE, "value": 40}, blocking=True
        )
    except HomeAssistantError as err:
        errors.append(repr(err))
    gateway.password = "newpw"
    gateway.expire_sessions()
    await next_poll(hass)
    await hass.config_entries.async_remove(entry.entry_id)
    gateway.password = PASSWORD

    # FleetAPI with a revoked grant.
    fleet = await setup_entry(
        hass, entry_for(gateway, control_channel="fleetapi", **fleet_options(fleetapi))
    )
    fleetapi.expire_access_token()
    fleetapi.refresh_token = "fleet-refresh-revoked"
    control = fleet.runtime_data.control
    assert control is not None
    await control.async_refresh()
    errors.append(repr(control.last_exception))
    errors.append(repr(control.last_exception.__cause__))
    await hass.config_entries.async_unload(fleet.entry_id)

    text = caplog.text + "\n".join(errors)
    for secret in (
        PASSWORD,
        "Wr0ngPassw0rd",
        TOKEN,
        CLIENT_SECRET,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
    ):
        assert secret not in text, secret
