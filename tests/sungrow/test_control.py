"""The Sungrow settings and battery control, written and read back."""

import asyncio
import math

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.errors import (
    DeviceConnectionError,
    DeviceRejectedError,
)
from custom_components.energy_hub.sungrow.entities import NUMBERS
from custom_components.energy_hub.sungrow.inverter import (
    BatteryCommandError,
    SungrowInverter,
)
from simulators.modbus import (
    CMD_CHARGE,
    CMD_DISCHARGE,
    CMD_STOP,
    EMS_FORCED,
    EMS_SELF_CONSUMPTION,
    EXPORT_LIMIT_ON,
    FAULT_IGNORE_WRITES,
    FAULT_ILLEGAL_ADDRESS,
    FAULT_REFUSE_WRITES,
    H_BACKUP_RESERVE,
    H_COMMAND,
    H_EMS_MODE,
    H_EXPORT_LIMIT,
    H_EXPORT_LIMIT_MODE,
    H_FORCED_POWER,
    H_MAX_CHARGE,
    H_MAX_DISCHARGE,
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
    await controller.apply_charge(100, 4000)
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


def _ems(sungrow: SungrowSimulator) -> tuple[int, int, int]:
    """EMS mode, forced command and forced power as the simulator holds them."""
    return (
        sungrow.holding[H_EMS_MODE],
        sungrow.holding[H_COMMAND],
        sungrow.holding[H_FORCED_POWER],
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_number_refuses_non_finite_values(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    await add_entry(hass, sungrow)
    sungrow.writes.clear()
    for description in NUMBERS:
        before = state(hass, Platform.NUMBER, description.key)
        for value, refused_as in (
            (math.nan, "value_out_of_range"),  # gets past Home Assistant's check
            (math.inf, "out_of_range"),  # Home Assistant's own check
            (-math.inf, "out_of_range"),
        ):
            with pytest.raises(ServiceValidationError) as err:
                await hass.services.async_call(
                    "number",
                    "set_value",
                    {
                        "entity_id": entity_id(hass, Platform.NUMBER, description.key),
                        "value": value,
                    },
                    blocking=True,
                )
            assert err.value.translation_key == refused_as, (description.key, value)
        assert state(hass, Platform.NUMBER, description.key) == before
    assert sungrow.writes == []


async def test_battery_controller_refuses_bad_power(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """0 < power <= the maximum the inverter reports (3000 W here), else nothing."""
    sungrow.holding[H_MAX_CHARGE] = sungrow.holding[H_MAX_DISCHARGE] = 300  # 10 W
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    before = _ems(sungrow)
    sungrow.writes.clear()
    for power_w in (math.nan, math.inf, -math.inf, 0.0, -100.0, 3010.0):
        with pytest.raises(BatteryCommandError):
            await controller.apply_charge(100, power_w)
        with pytest.raises(BatteryCommandError):
            await controller.apply_discharge(power_w)
    assert sungrow.writes == []
    assert _ems(sungrow) == before


@pytest.mark.parametrize(
    ("command", "register", "code"),
    [
        ("charge", H_MAX_CHARGE, CMD_CHARGE),
        ("discharge", H_MAX_DISCHARGE, CMD_DISCHARGE),
    ],
)
async def test_battery_controller_defaults_to_the_inverters_maximum(
    hass: HomeAssistant,
    sungrow: SungrowSimulator,
    command: str,
    register: int,
    code: int,
) -> None:
    sungrow.holding[register] = 320  # 3200 W, in 10 W
    entry = await add_entry(hass, sungrow)
    controller: SungrowInverter = entry.runtime_data.battery_controller
    assert await controller.max_power(command) == 3200
    if command == "charge":
        await controller.apply_charge(100)
    else:
        await controller.apply_discharge()
    assert _ems(sungrow) == (EMS_FORCED, code, 3200)


async def test_battery_controller_needs_the_inverters_maximum(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """No guessed maximum: an inverter that does not report it is not driven."""
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = {("holding", H_MAX_CHARGE)}
    sungrow.writes.clear()
    with pytest.raises(DeviceRejectedError):
        await controller.apply_charge(100, 1000)
    sungrow.faults.extra[FAULT_ILLEGAL_ADDRESS] = set()
    sungrow.holding[H_MAX_CHARGE] = 0xFFFF  # "not available"
    with pytest.raises(DeviceConnectionError):
        await controller.apply_charge(100)
    sungrow.holding[H_MAX_CHARGE] = 0
    with pytest.raises(DeviceConnectionError):
        await controller.apply_charge(100, 1000)
    assert sungrow.writes == []


@pytest.mark.parametrize("failing", [H_FORCED_POWER, H_COMMAND, H_EMS_MODE])
async def test_a_write_sequence_failing_part_way_is_rolled_back(
    hass: HomeAssistant, sungrow: SungrowSimulator, failing: int
) -> None:
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    saved = _ems(sungrow)
    assert saved == (EMS_SELF_CONSUMPTION, CMD_STOP, 0)
    sungrow.writes.clear()
    sungrow.faults.extra[FAULT_REFUSE_WRITES] = {failing}  # answered 04
    with pytest.raises(DeviceRejectedError):
        await controller.apply_charge(100, 4000)
    # Whatever was written before the failure is put back.
    assert _ems(sungrow) == saved
    order = [H_FORCED_POWER, H_COMMAND, H_EMS_MODE]
    written = [address for address, _ in sungrow.writes]
    assert written[: order.index(failing)] == order[: order.index(failing)]
    if failing != H_FORCED_POWER:
        assert (H_FORCED_POWER, [4000]) in sungrow.writes
        assert sungrow.writes[-1] == (H_FORCED_POWER, [0])  # rolled back last


@pytest.mark.parametrize(
    "values",
    [
        {"ems_mode": 0, "forced_command": CMD_STOP},  # forced_power missing
        {"ems_mode": 0, "forced_command": CMD_STOP, "forced_power": None},
        {"ems_mode": 0, "forced_command": CMD_STOP, "forced_power": math.nan},
        {"ems_mode": math.inf, "forced_command": CMD_STOP, "forced_power": 0},
        {},
    ],
)
async def test_restore_refuses_incomplete_settings(
    hass: HomeAssistant, sungrow: SungrowSimulator, values: dict[str, float | None]
) -> None:
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    await controller.apply_charge(100, 2000)
    sungrow.writes.clear()
    with pytest.raises(BatteryCommandError):
        await controller.restore(BatterySettings(values))
    assert sungrow.writes == []
    assert _ems(sungrow) == (EMS_FORCED, CMD_CHARGE, 2000)


async def test_restore_puts_back_what_it_can(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    saved = await controller.read_settings()
    await controller.apply_discharge(2500)
    sungrow.faults.extra[FAULT_REFUSE_WRITES] = {H_COMMAND}
    with pytest.raises(DeviceRejectedError):
        await controller.restore(saved)
    # The EMS mode (first) and the power (after the failed command) are back.
    assert _ems(sungrow) == (EMS_SELF_CONSUMPTION, CMD_DISCHARGE, 0)
