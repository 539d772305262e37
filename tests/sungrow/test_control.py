"""The Sungrow settings and battery control, written and read back."""

import asyncio

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from simulators.modbus import (
    CMD_CHARGE,
    EMS_FORCED,
    EXPORT_LIMIT_ON,
    FAULT_IGNORE_WRITES,
    H_BACKUP_RESERVE,
    H_COMMAND,
    H_EMS_MODE,
    H_EXPORT_LIMIT,
    H_EXPORT_LIMIT_MODE,
    H_FORCED_POWER,
    H_MAX_SOC,
    H_MIN_SOC,
    SungrowSimulator,
)

from .conftest import add_entry, entity_id, refresh, state


async def test_every_control_is_written_and_read_back(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    await add_entry(hass, sungrow)
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
            {"entity_id": entity_id(hass, Platform.NUMBER, key), "value": value},
            blocking=True,
        )
        assert sungrow.holding[register] == raw, key
        assert float(state(hass, Platform.NUMBER, key)) == value
    for key, option, register, raw in (
        ("forced_command", "charge", H_COMMAND, CMD_CHARGE),
        ("ems_mode", "forced", H_EMS_MODE, EMS_FORCED),
    ):
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": entity_id(hass, Platform.SELECT, key), "option": option},
            blocking=True,
        )
        assert sungrow.holding[register] == raw
        assert state(hass, Platform.SELECT, key) == option
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": entity_id(hass, Platform.SWITCH, "export_limit_enabled")},
        blocking=True,
    )
    assert sungrow.holding[H_EXPORT_LIMIT_MODE] == EXPORT_LIMIT_ON
    assert state(hass, Platform.SWITCH, "export_limit_enabled") == "on"


async def test_rejected_and_unconfirmed_writes_raise(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    await add_entry(hass, sungrow)
    sungrow.faults.extra[FAULT_IGNORE_WRITES] = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "number",
            "set_value",
            {
                "entity_id": entity_id(hass, Platform.NUMBER, "backup_reserve"),
                "value": 30,
            },
            blocking=True,
        )
    assert err.value.translation_key == "write_not_confirmed"
    assert (
        float(state(hass, Platform.NUMBER, "backup_reserve")) == 10
    )  # what the device confirms


async def test_forced_charge_raises_the_simulated_soc(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
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
    await refresh(entry)
    soc_before = float(state(hass, Platform.SENSOR, "battery_soc"))
    sungrow.time_scale = 3600.0  # one simulated hour per second
    await asyncio.sleep(0.6)
    await refresh(entry)
    soc_after = float(state(hass, Platform.SENSOR, "battery_soc"))
    assert soc_after > soc_before + 10  # 4 kW into 9.6 kWh for ~0.6 h
    assert float(state(hass, Platform.SENSOR, "battery_power")) == pytest.approx(-4000)
    await controller.restore(saved)
    assert sungrow.holding[H_EMS_MODE] == 0
