"""The Sungrow inverter's entities: the one place they are defined.

Battery power: + discharging, - charging. Grid power: + import, - export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..number import EnergyHubNumberEntityDescription
from ..select import EnergyHubSelectEntityDescription
from ..sensor import EnergyHubSensorEntityDescription, lifetime_energy_description
from ..switch import EnergyHubSwitchEntityDescription
from .coordinator import SungrowCoordinator
from .inverter import SungrowInverter
from .registers import EMS_MODES, FORCED_COMMANDS, SYSTEM_STATES, SungrowData

# Lifetime totals may grow at most this many kWh per hour (a 30 kW ceiling).
_MAX_KWH_PER_HOUR = 30.0

type Sensor = EnergyHubSensorEntityDescription[SungrowData]


def _power(key: str, translation_key: str | None = None, **kwargs: Any) -> Sensor:
    return EnergyHubSensorEntityDescription[SungrowData](
        key=key,
        translation_key=translation_key or key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=kwargs.pop("value_fn", lambda d: d.number(key)),
        has_fn=kwargs.pop("has_fn", lambda d: d.has(key)),
        **kwargs,
    )


def _energy(key: str, *, lifetime: bool, **kwargs: Any) -> Sensor:
    if lifetime:
        return lifetime_energy_description(
            key,
            lambda d: d.number(key),
            max_kwh_per_hour=_MAX_KWH_PER_HOUR,
            suggested_display_precision=1,
            has_fn=lambda d: d.has(key),
            **kwargs,
        )
    # A daily counter: its reset at the inverter's midnight is a real one.
    return EnergyHubSensorEntityDescription[SungrowData](
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        value_fn=lambda d: d.number(key),
        has_fn=lambda d: d.has(key),
        **kwargs,
    )


def _measure(
    key: str,
    device_class: SensorDeviceClass,
    unit: str,
    *,
    enabled: bool = True,
    diagnostic: bool = False,
) -> Sensor:
    return EnergyHubSensorEntityDescription[SungrowData](
        key=key,
        translation_key=key,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        entity_registry_enabled_default=enabled,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        value_fn=lambda d: d.number(key),
        has_fn=lambda d: d.has(key),
    )


SENSORS: tuple[Sensor, ...] = (
    _power("pv_power"),
    _measure("mppt1_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    _measure("mppt1_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    _measure("mppt2_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    _measure("mppt2_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    _energy("pv_energy_today", lifetime=False),
    _energy("pv_energy_total", lifetime=True),
    _power(
        "battery_power",
        value_fn=lambda d: d.battery_power,
        has_fn=lambda d: d.battery_power is not None or d.has("battery_power_legacy"),
    ),
    _measure("battery_soc", SensorDeviceClass.BATTERY, PERCENTAGE),
    _measure(
        "battery_temperature", SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS
    ),
    EnergyHubSensorEntityDescription[SungrowData](
        key="battery_health",
        translation_key="battery_health",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.number("battery_health"),
        has_fn=lambda d: d.has("battery_health"),
    ),
    _energy("battery_charge_today", lifetime=False),
    _energy("battery_charge_total", lifetime=True),
    _energy("battery_discharge_today", lifetime=False),
    _energy("battery_discharge_total", lifetime=True),
    _power("load_power"),
    _power(
        "grid_power",
        value_fn=lambda d: d.grid_power,
        has_fn=lambda d: d.grid_power is not None,
    ),
    _energy("grid_import_today", lifetime=False),
    _energy("grid_import_total", lifetime=True),
    _energy("grid_export_today", lifetime=False),
    _energy("grid_export_total", lifetime=True),
    _measure(
        "inverter_temperature",
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
        diagnostic=True,
    ),
    *(
        _measure(
            f"phase_{phase}_voltage",
            SensorDeviceClass.VOLTAGE,
            UnitOfElectricPotential.VOLT,
            enabled=False,
        )
        for phase in "abc"
    ),
    *(
        _power(f"meter_power_{phase}", entity_registry_enabled_default=False)
        for phase in "abc"
    ),
    _measure(
        "battery_voltage",
        SensorDeviceClass.VOLTAGE,
        UnitOfElectricPotential.VOLT,
        enabled=False,
        diagnostic=True,
    ),
    _measure(
        "battery_current",
        SensorDeviceClass.CURRENT,
        UnitOfElectricCurrent.AMPERE,
        enabled=False,
        diagnostic=True,
    ),
    _energy(
        "output_energy_total", lifetime=True, entity_registry_enabled_default=False
    ),
    EnergyHubSensorEntityDescription[SungrowData](
        key="nominal_power",
        translation_key="nominal_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda d: d.number("nominal_power"),
        has_fn=lambda d: d.has("nominal_power"),
    ),
    EnergyHubSensorEntityDescription[SungrowData](
        key="grid_frequency",
        translation_key="grid_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        entity_registry_enabled_default=False,
        value_fn=lambda d: d.grid_frequency,
        has_fn=lambda d: d.has("grid_frequency"),
    ),
    EnergyHubSensorEntityDescription[SungrowData](
        key="running_state",
        translation_key="running_state",
        device_class=SensorDeviceClass.ENUM,
        options=sorted(set(SYSTEM_STATES.values())),
        value_fn=lambda d: d.system_state,
        # Hidden (reads 0) behind a WiNet-S on some RS firmware.
        has_fn=lambda d: d.system_state is not None,
    ),
)


def _inverter(coordinator: DataUpdateCoordinator[SungrowData]) -> SungrowInverter:
    return cast(SungrowCoordinator, coordinator).inverter


def _write(
    key: str,
) -> Callable[[DataUpdateCoordinator[SungrowData], float], Awaitable[None]]:
    async def write(
        coordinator: DataUpdateCoordinator[SungrowData], value: float
    ) -> None:
        await _inverter(coordinator).write_setting(key, value)

    return write


def _setting_number(
    key: str,
    *,
    minimum: float,
    maximum: float,
    step: float,
    unit: str,
    device_class: NumberDeviceClass | None = None,
) -> EnergyHubNumberEntityDescription[SungrowData]:
    return EnergyHubNumberEntityDescription[SungrowData](
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        device_class=device_class,
        native_min_value=minimum,
        native_max_value=maximum,
        native_step=step,
        native_unit_of_measurement=unit,
        mode=NumberMode.BOX,
        value_fn=lambda d: d.setting(key),
        set_fn=_write(key),
        has_fn=lambda d: d.setting(key) is not None,
    )


NUMBERS: tuple[EnergyHubNumberEntityDescription[SungrowData], ...] = (
    _setting_number(
        "forced_power",
        minimum=0,
        maximum=10000,
        step=10,
        unit=UnitOfPower.WATT,
        device_class=NumberDeviceClass.POWER,
    ),
    _setting_number("min_soc", minimum=0, maximum=50, step=1, unit=PERCENTAGE),
    _setting_number("max_soc", minimum=50, maximum=100, step=1, unit=PERCENTAGE),
    _setting_number("backup_reserve", minimum=0, maximum=100, step=1, unit=PERCENTAGE),
    _setting_number(
        "export_limit",
        minimum=0,
        maximum=30000,
        step=10,
        unit=UnitOfPower.WATT,
        device_class=NumberDeviceClass.POWER,
    ),
)


async def _set_ems_mode(
    coordinator: DataUpdateCoordinator[SungrowData], option: str
) -> None:
    await _inverter(coordinator).set_ems_mode(option)


async def _set_command(
    coordinator: DataUpdateCoordinator[SungrowData], option: str
) -> None:
    await _inverter(coordinator).set_forced_command(option)


SELECTS: tuple[EnergyHubSelectEntityDescription[SungrowData], ...] = (
    EnergyHubSelectEntityDescription[SungrowData](
        key="ems_mode",
        translation_key="ems_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(EMS_MODES),
        value_fn=lambda d: d.ems_mode,
        set_fn=_set_ems_mode,
        has_fn=lambda d: d.ems_mode is not None,
    ),
    EnergyHubSelectEntityDescription[SungrowData](
        key="forced_command",
        translation_key="forced_command",
        entity_category=EntityCategory.CONFIG,
        options=list(FORCED_COMMANDS),
        value_fn=lambda d: d.forced_command,
        set_fn=_set_command,
        has_fn=lambda d: d.forced_command is not None,
    ),
)


async def _set_export_limit(
    coordinator: DataUpdateCoordinator[SungrowData], enabled: bool
) -> None:
    await _inverter(coordinator).set_export_limit_enabled(enabled)


SWITCHES: tuple[EnergyHubSwitchEntityDescription[SungrowData], ...] = (
    EnergyHubSwitchEntityDescription[SungrowData](
        key="export_limit_enabled",
        translation_key="export_limit_enabled",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.export_limit_enabled,
        set_fn=_set_export_limit,
        has_fn=lambda d: d.export_limit_enabled is not None,
    ),
)

DESCRIPTIONS = {
    Platform.SENSOR: SENSORS,
    Platform.NUMBER: NUMBERS,
    Platform.SELECT: SELECTS,
    Platform.SWITCH: SWITCHES,
}
