"""The Sungrow source in a real Home Assistant against the simulator."""

from __future__ import annotations

import asyncio
import json
import logging

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.sungrow import SungrowSource
from simulators.modbus import (
    CMD_CHARGE,
    EMS_FORCED,
    EXPORT_LIMIT_ON,
    FAULT_DROP_CONNECTION,
    FAULT_GARBAGE,
    FAULT_IGNORE_WRITES,
    FAULT_ILLEGAL_ADDRESS,
    H_BACKUP_RESERVE,
    H_COMMAND,
    H_EMS_MODE,
    H_EXPORT_LIMIT,
    H_EXPORT_LIMIT_MODE,
    H_FORCED_POWER,
    H_MAX_SOC,
    H_MIN_SOC,
    MeterSimulator,
    SungrowSimulator,
)


def _form(
    sim: SungrowSimulator | MeterSimulator, connection: str = "lan"
) -> dict[str, object]:
    return {"host": sim.host, "port": sim.port, "unit_id": 1, "connection": connection}


async def _add(
    hass: HomeAssistant, sim: SungrowSimulator, connection: str = "lan"
) -> MockConfigEntry:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sim, connection)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


def _entity_id(hass: HomeAssistant, platform: Platform, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{SungrowSimulator.serial}_{key}"
    )
    assert entity_id is not None, key
    return entity_id


def _state(hass: HomeAssistant, platform: Platform, key: str) -> str:
    state = hass.states.get(_entity_id(hass, platform, key))
    assert state is not None
    return state.state


async def _refresh(entry: MockConfigEntry) -> None:
    source: SungrowSource = entry.runtime_data
    await source.coordinator.async_refresh()


async def test_flow_creates_entry_identified_by_serial(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow, "winet")
    assert entry.unique_id == SungrowSimulator.serial
    assert entry.title == "Sungrow SH10RT"
    assert entry.data == {
        "source": "sungrow",
        "host": sungrow.host,
        "port": sungrow.port,
        "unit_id": 1,
        "connection": "winet",
    }
    assert entry.state is ConfigEntryState.LOADED
    # The same inverter again is refused.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    # Refused before connecting: the running entry holds the only WiNet-S session.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sungrow)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_flow_errors(
    hass: HomeAssistant, sungrow: SungrowSimulator, meters: MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    await sungrow.set_offline(True)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sungrow)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    # A Modbus device that is not a Sungrow (an ABB meter) answers 02 to 4999.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(meters)
    )
    assert result["errors"] == {"base": "sungrow_not_recognised"}
    await sungrow.set_offline(False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sungrow)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_entities_show_the_inverter_with_documented_signs(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow)
    model = sungrow.model
    assert float(_state(hass, Platform.SENSOR, "battery_soc")) == pytest.approx(
        model.soc, abs=0.1
    )
    assert float(_state(hass, Platform.SENSOR, "pv_power")) == pytest.approx(
        model.pv_w, abs=1
    )
    # Midday, self-consumption: the battery charges (negative) and the surplus is exported (negative).
    assert float(_state(hass, Platform.SENSOR, "battery_power")) < 0
    assert float(_state(hass, Platform.SENSOR, "grid_power")) == pytest.approx(
        model.grid_w, abs=1
    )
    assert _state(hass, Platform.SENSOR, "running_state") == "running"
    assert float(_state(hass, Platform.SENSOR, "grid_import_total")) == pytest.approx(
        round(model.totals["import"] / 100) / 10, abs=0.1
    )
    total = hass.states.get(_entity_id(hass, Platform.SENSOR, "pv_energy_total"))
    assert total is not None
    assert total.attributes["state_class"] == "total_increasing"
    assert total.attributes["unit_of_measurement"] == "kWh"
    assert total.attributes["device_class"] == "energy"
    assert _state(hass, Platform.SELECT, "ems_mode") == "self_consumption"
    assert _state(hass, Platform.SWITCH, "export_limit_enabled") == "off"
    assert (
        entry.runtime_data.battery_controller is entry.runtime_data.coordinator.inverter
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert sungrow.serial not in json.dumps(diagnostics)
    assert diagnostics["source"]["requests_last_poll"]["telemetry"] == 4


async def test_every_control_is_written_and_read_back(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    await _add(hass, sungrow)
    for key, value, register, raw in (
        ("forced_power", 3000, H_FORCED_POWER, 3000),
        ("min_soc", 15, H_MIN_SOC, 150),
        ("max_soc", 90, H_MAX_SOC, 900),
        ("backup_reserve", 20, H_BACKUP_RESERVE, 20),
        ("export_limit", 4000, H_EXPORT_LIMIT, 4000),
    ):
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": _entity_id(hass, Platform.NUMBER, key), "value": value},
            blocking=True,
        )
        assert sungrow.holding[register] == raw, key
        assert float(_state(hass, Platform.NUMBER, key)) == value
    for key, option, register, raw in (
        ("forced_command", "charge", H_COMMAND, CMD_CHARGE),
        ("ems_mode", "forced", H_EMS_MODE, EMS_FORCED),
    ):
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": _entity_id(hass, Platform.SELECT, key), "option": option},
            blocking=True,
        )
        assert sungrow.holding[register] == raw
        assert _state(hass, Platform.SELECT, key) == option
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": _entity_id(hass, Platform.SWITCH, "export_limit_enabled")},
        blocking=True,
    )
    assert sungrow.holding[H_EXPORT_LIMIT_MODE] == EXPORT_LIMIT_ON
    assert _state(hass, Platform.SWITCH, "export_limit_enabled") == "on"


async def test_rejected_and_unconfirmed_writes_raise(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    await _add(hass, sungrow)
    sungrow.faults.extra[FAULT_IGNORE_WRITES] = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "number",
            "set_value",
            {
                "entity_id": _entity_id(hass, Platform.NUMBER, "backup_reserve"),
                "value": 30,
            },
            blocking=True,
        )
    assert err.value.translation_key == "write_not_confirmed"
    assert (
        float(_state(hass, Platform.NUMBER, "backup_reserve")) == 10
    )  # what the device confirms


async def test_forced_charge_raises_the_simulated_soc(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow)
    sungrow.hour = 0.0  # night: no PV, self-consumption would discharge
    controller = entry.runtime_data.battery_controller
    saved = await controller.read_settings()
    sungrow.writes.clear()
    await controller.apply_charge(4000)
    # Power, then command, then EMS mode = forced.
    assert sungrow.writes == [
        (H_FORCED_POWER, [4000]),
        (H_COMMAND, [CMD_CHARGE]),
        (H_EMS_MODE, [EMS_FORCED]),
    ]
    assert (
        sungrow.holding[H_FORCED_POWER],
        sungrow.holding[H_COMMAND],
        sungrow.holding[H_EMS_MODE],
    ) == (
        4000,
        CMD_CHARGE,
        EMS_FORCED,
    )
    await _refresh(entry)
    soc_before = float(_state(hass, Platform.SENSOR, "battery_soc"))
    sungrow.time_scale = 3600.0  # one simulated hour per second
    await asyncio.sleep(0.6)
    await _refresh(entry)
    soc_after = float(_state(hass, Platform.SENSOR, "battery_soc"))
    assert soc_after > soc_before + 10  # 4 kW into 9.6 kWh for ~0.6 h
    assert float(_state(hass, Platform.SENSOR, "battery_power")) == pytest.approx(-4000)
    await controller.restore(saved)
    assert sungrow.holding[H_EMS_MODE] == 0


async def test_outage_and_recovery(
    hass: HomeAssistant, sungrow: SungrowSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    entry = await _add(hass, sungrow)
    await sungrow.set_offline(True)
    with caplog.at_level(logging.INFO):
        await _refresh(entry)
        await _refresh(entry)
    ours = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.energy_hub")
        and r.levelno >= logging.WARNING
    ]
    assert len(ours) == 1  # one readable line for the outage, not one per poll
    assert "cannot connect" in ours[0].getMessage()
    assert _state(hass, Platform.SENSOR, "pv_power") == STATE_UNAVAILABLE
    assert _state(hass, Platform.SENSOR, "pv_energy_total") == STATE_UNAVAILABLE
    await sungrow.set_offline(False)
    await _refresh(entry)  # two failed connects in a row: backing off for 1 s
    assert _state(hass, Platform.SENSOR, "pv_power") == STATE_UNAVAILABLE
    await asyncio.sleep(1.05)
    await _refresh(entry)
    assert _state(hass, Platform.SENSOR, "pv_power") != STATE_UNAVAILABLE
    # A dropped session is picked up again within the same poll.
    sungrow.faults.extra[FAULT_DROP_CONNECTION] = True
    await _refresh(entry)
    assert _state(hass, Platform.SENSOR, "pv_power") != STATE_UNAVAILABLE


async def test_registers_winet_hides_do_not_break_the_rest(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    sungrow.winet_rs = True
    sungrow.hour = 0.0
    sungrow.model.soc = 5.0  # at the floor: idle battery
    await _add(hass, sungrow, "winet")
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id(
            "sensor", DOMAIN, f"{sungrow.serial}_running_state"
        )
        is None
    )
    assert float(_state(hass, Platform.SENSOR, "battery_soc")) == pytest.approx(
        5.0, abs=0.1
    )
    # Signed 5213 refused: the legacy magnitude (idle, 0 W) stands in.
    assert float(_state(hass, Platform.SENSOR, "battery_power")) == 0
    assert float(_state(hass, Platform.SENSOR, "grid_power")) > 0


async def test_a_refused_register_only_disables_its_entity(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow)
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("input", 13024)}
    await _refresh(entry)
    assert _state(hass, Platform.SENSOR, "battery_temperature") == STATE_UNAVAILABLE
    assert _state(hass, Platform.SENSOR, "battery_soc") != STATE_UNAVAILABLE
    assert entry.runtime_data.diagnostics()["refused_registers"] == ["input 13024"]


async def test_no_total_goes_backwards(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow)
    keys = (
        "pv_energy_total",
        "grid_import_total",
        "grid_export_total",
        "battery_charge_total",
        "battery_discharge_total",
    )
    before = {key: float(_state(hass, Platform.SENSOR, key)) for key in keys}
    sungrow.faults.extra[FAULT_GARBAGE] = True
    for _ in range(3):
        await _refresh(entry)
        for key in keys:
            value = _state(hass, Platform.SENSOR, key)
            assert float(value) >= before[key], key
    sungrow.faults.extra[FAULT_GARBAGE] = False
    for key in sungrow.model.totals:
        sungrow.model.totals[key] = 0.0  # a glitch reading 0
    await _refresh(entry)
    for key in keys:
        assert float(_state(hass, Platform.SENSOR, key)) >= before[key], key


async def test_reconfigure_and_options(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow, "winet")
    # The WiNet-S serves one session: reconfigure must work while the entry holds it.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "sungrow_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sungrow, "lan")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["connection"] == "lan"
    assert entry.state is ConfigEntryState.LOADED
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "sungrow_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 30


async def test_unload_closes_the_session(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await _add(hass, sungrow, "winet")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    # The single WiNet-S session is free again for someone else.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(sungrow)
    )
    assert result["reason"] == "already_configured"
