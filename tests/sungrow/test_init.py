"""Setting up, polling through outages and unloading a Sungrow entry."""

import asyncio
import logging

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.errors import DeviceConnectionError
from custom_components.energy_hub.modbus.client import ModbusDeviceClient
from custom_components.energy_hub.sungrow.registers import SERIAL, TELEMETRY
from simulators.modbus import (
    FAULT_DROP_CONNECTION,
    FAULT_ILLEGAL_ADDRESS,
    MeterSimulator,
    SungrowSimulator,
)

from .conftest import add_entry, form, mock_entry, refresh, state


async def _identity_readable(sungrow: SungrowSimulator) -> bool:
    """Whether a new client gets the simulator's single session."""
    client = ModbusDeviceClient(sungrow.host, sungrow.port, 1)
    try:
        result = await client.read([SERIAL])
    except DeviceConnectionError:
        return False
    finally:
        await client.close()
    return result.values["serial"] == sungrow.serial


async def test_outage_and_recovery(
    hass: HomeAssistant, sungrow: SungrowSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await add_entry(hass, sungrow)
    await sungrow.set_offline(True)
    with caplog.at_level(logging.INFO):
        await refresh(entry)
        await refresh(entry)
    ours = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.energy_hub")
        and r.levelno >= logging.WARNING
    ]
    assert len(ours) == 1  # one readable line for the outage, not one per poll
    assert "cannot connect" in ours[0].getMessage()
    assert state(hass, Platform.SENSOR, "pv_power") == STATE_UNAVAILABLE
    assert state(hass, Platform.SENSOR, "pv_energy_total") == STATE_UNAVAILABLE
    await sungrow.set_offline(False)
    await refresh(entry)  # two failed connects in a row: backing off for 1 s
    assert state(hass, Platform.SENSOR, "pv_power") == STATE_UNAVAILABLE
    await asyncio.sleep(1.05)
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "pv_power") != STATE_UNAVAILABLE
    # A dropped session is picked up again within the same poll.
    sungrow.faults.extra[FAULT_DROP_CONNECTION] = True
    await refresh(entry)
    assert state(hass, Platform.SENSOR, "pv_power") != STATE_UNAVAILABLE


async def test_unload_closes_the_session(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow, "winet")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    # The single WiNet-S session is free again for someone else.
    assert await _identity_readable(sungrow)
    # The unloaded entry still counts: adding the inverter again is refused.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sungrow)
    )
    assert result["reason"] == "already_configured"


async def test_setup_identifies_the_inverter_first(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = mock_entry(sungrow)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator = entry.runtime_data.coordinator
    assert coordinator.identity.serial == sungrow.serial
    assert coordinator.identity.model == "SH10RT"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, sungrow.serial), entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.serial_number) == (
        "Sungrow",
        "SH10RT",
        sungrow.serial,
    )


async def test_setup_retries_when_the_device_is_not_a_sungrow(
    hass: HomeAssistant, meters: MeterSimulator
) -> None:
    # An ABB meter on unit 1 refuses the identity registers (02).
    entry = mock_entry(meters)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "did not report a Sungrow serial" in str(entry.reason)


async def test_failed_setup_frees_the_single_session(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    # Identified, but the first poll gets no telemetry at all.
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {
        ("input", address)
        for register in TELEMETRY
        for address in range(register.address, register.end)
    }
    entry = mock_entry(sungrow, "winet")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "answered no telemetry" in str(entry.reason)
    # The WiNet-S serves one session: a new client gets it only if ours closed.
    assert await _identity_readable(sungrow)
