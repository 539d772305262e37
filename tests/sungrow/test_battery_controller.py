"""The Sungrow's battery controller against the inverter simulator: charge, hold, restore."""

import math

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.battery import BatterySettings
from custom_components.energy_hub.errors import DeviceRejectedError
from custom_components.energy_hub.sungrow.inverter import (
    BatteryCommandError,
    SungrowInverter,
)
from simulators.modbus import (
    CMD_CHARGE,
    CMD_STOP,
    EMS_FORCED,
    EMS_SELF_CONSUMPTION,
    H_COMMAND,
    H_EMS_MODE,
    H_FORCED_POWER,
    SungrowSimulator,
)

from .conftest import add_entry, entity_id


def _ems(sungrow: SungrowSimulator) -> tuple[int, int, int]:
    return (
        sungrow.holding[H_EMS_MODE],
        sungrow.holding[H_COMMAND],
        sungrow.holding[H_FORCED_POWER],
    )


async def controller_at_night(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> tuple[MockConfigEntry, SungrowInverter]:
    """The entry and its controller, the simulated house at night."""
    sungrow.hour = 0.0  # no PV: self-consumption discharges into the load
    entry = await add_entry(hass, sungrow)
    controller = entry.runtime_data.battery_controller
    assert isinstance(controller, SungrowInverter)
    return entry, controller


async def test_charge_forces_the_power_and_restore_puts_everything_back(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    _, controller = await controller_at_night(hass, sungrow)
    saved = await controller.read_settings()
    assert saved == BatterySettings(
        {"ems_mode": 0.0, "forced_command": float(CMD_STOP), "forced_power": 0.0}
    )
    status = await controller.read_status()
    assert status.power_w is not None and status.power_w > 0  # discharging
    assert status.soc_percent is not None and 0 < status.soc_percent < 100

    applied = await controller.apply_charge(90, 3000)
    assert applied == BatterySettings(
        {
            "ems_mode": float(EMS_FORCED),
            "forced_command": float(CMD_CHARGE),
            "forced_power": 3000.0,
        }
    )
    assert applied.matches(await controller.read_settings())
    assert _ems(sungrow) == (EMS_FORCED, CMD_CHARGE, 3000)
    assert (await controller.read_status()).power_w == pytest.approx(-3000)

    await controller.restore(saved)
    assert await controller.read_settings() == saved
    assert _ems(sungrow) == (EMS_SELF_CONSUMPTION, CMD_STOP, 0)
    status = await controller.read_status()
    assert status.power_w is not None and status.power_w > 0


async def test_hold_stops_the_discharge(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    _, controller = await controller_at_night(hass, sungrow)
    saved = await controller.read_settings()
    applied = await controller.hold()
    assert applied == BatterySettings(
        {"ems_mode": float(EMS_FORCED), "forced_command": float(CMD_STOP)}
    )
    assert applied.matches(await controller.read_settings())
    assert (await controller.read_status()).power_w == 0
    await controller.restore(saved)
    assert _ems(sungrow) == (EMS_SELF_CONSUMPTION, CMD_STOP, 0)


async def test_a_power_above_the_maximum_is_refused(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """The controller refuses above the inverter's maximum; so does the inverter."""
    _, controller = await controller_at_night(hass, sungrow)
    assert await controller.max_power("charge") == 5000
    sungrow.writes.clear()
    with pytest.raises(BatteryCommandError, match="at most 5000 W"):
        await controller.apply_charge(90, 5500)
    for target in (math.nan, -5, 101):
        with pytest.raises(BatteryCommandError, match="target"):
            await controller.apply_charge(target, 1000)
    assert sungrow.writes == []
    # The inverter itself answers 04 to a forced power above its rating.
    with pytest.raises(DeviceRejectedError):
        await controller.write_setting("forced_power", 6000)
    assert sungrow.holding[H_FORCED_POWER] == 0


async def test_a_change_by_the_user_no_longer_matches(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    _, controller = await controller_at_night(hass, sungrow)
    applied = await controller.apply_charge(90, 2000)
    await hass.services.async_call(
        "select",
        "select_option",
        {
            "entity_id": entity_id(hass, Platform.SELECT, "ems_mode"),
            "option": "self_consumption",
        },
        blocking=True,
    )
    assert not applied.matches(await controller.read_settings())
