"""Diagnostics of a Modbus meter entry: the engine's view, with the identity redacted."""

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulators.modbus import FAULT_ILLEGAL_ADDRESS, MeterSimulator

from .conftest import form, start_flow


async def test_diagnostics_redact_host_and_list_refused_registers(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, meters: MeterSimulator
) -> None:
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(meters, 1, "abb_b23", "grid")
    )
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.unique_id == f"abb_b23_{meters.abb_serial}"
    # A meter that refuses its L3 voltage (0x5B04-0x5B05), as a B21 might.
    meters.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("holding", 0x5B04)}
    await entry.runtime_data.coordinator.async_refresh()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (str(meters.abb_serial), meters.host):
        assert secret not in text, secret
    assert diagnostics["entry"]["data"]["host"] == "**REDACTED**"
    source = diagnostics["source"]
    assert source["model"] == "ABB B23"
    assert source["refused_registers"] == ["holding 23300", "holding 23301"]
    assert source["data"]["disabled"] == ["voltage_l3"]
    assert source["data"]["values"]["voltage_l1"] == 230.4
    assert source["requests_last_poll"]["total"] > 0
