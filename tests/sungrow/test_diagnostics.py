"""Diagnostics of a Sungrow entry: the engine's view, with the identity redacted."""

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.modbus import FAULT_ILLEGAL_ADDRESS, SungrowSimulator

from .conftest import add_entry, refresh


async def test_diagnostics_redact_serial_and_host(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (sungrow.serial, sungrow.host):
        assert secret not in text, secret
    assert diagnostics["entry"]["data"]["host"] == "**REDACTED**"
    source = diagnostics["source"]
    assert source["serial"] == "**REDACTED**"
    # Still useful: model, readings, settings and what the engine did.
    assert source["model"] == "SH10RT"
    assert source["device_type"] == "0x0E03"
    assert source["data"]["values"]["battery_soc"] is not None
    assert source["data"]["settings"]["ems_mode"] == 0
    assert source["refused_registers"] == []
    # The first poll reads the model's whole map (five block reads) and the
    # settings (three); later ones only what the enabled entities need.
    assert source["requests_last_poll"] == {"telemetry": 5, "settings": 3}
    await refresh(entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["source"]["requests_last_poll"] == {
        "telemetry": 4,
        "settings": 0,
    }


async def test_diagnostics_list_refused_registers(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("input", 13024)}
    await refresh(entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    source = diagnostics["source"]
    assert source["refused_registers"] == ["input 13024"]
    assert source["data"]["disabled"] == ["battery_temperature"]
    assert source["last_update_success"] is True
