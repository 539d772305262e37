"""The Sungrow inverter's entities: the one place they are defined.

Battery power: + discharging, - charging. Grid power: + import, - export.
"""

from typing import Any

from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfReactivePower,
    UnitOfTemperature,
)

from ..modbus.entities import (
    register_lifetime_energy,
    register_measurement,
    register_power,
)
from ..number import EnergyHubNumberEntityDescription
from ..select import EnergyHubSelectEntityDescription
from ..sensor import (
    EnergyHubSensorEntityDescription,
    diagnostic_description,
    measurement_description,
    power_description,
)
from ..switch import EnergyHubSwitchEntityDescription
from .coordinator import SungrowCoordinator
from .registers import (
    EMS_MODES,
    FORCED_COMMANDS,
    SYSTEM_STATES,
    TELEMETRY_BY_KEY,
    SungrowData,
)

# Lifetime totals may grow at most this many kWh per hour (a 30 kW ceiling).
_MAX_KWH_PER_HOUR = 30.0

type Sensor = EnergyHubSensorEntityDescription[SungrowData]


def _measure(
    key: str,
    device_class: SensorDeviceClass | None,
    unit: str | None,
    *,
    enabled: bool = True,
    diagnostic: bool = False,
    translation_key: str | None = None,
    **kwargs: Any,
) -> Sensor:
    """A measurement shown with the decimals its register resolves."""
    return register_measurement(
        key,
        device_class=device_class,
        unit=unit,
        suggested_display_precision=TELEMETRY_BY_KEY[key].decimals,
        translation_key=translation_key,
        entity_registry_enabled_default=enabled,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
        **kwargs,
    )


def _power(
    key: str, *, diagnostic: bool = False, translation_key: str | None = None
) -> Sensor:
    """A power in W from register `key`, disabled by default."""
    return register_power(
        key,
        translation_key=translation_key,
        entity_registry_enabled_default=False,
        entity_category=EntityCategory.DIAGNOSTIC if diagnostic else None,
    )


def _energy(key: str, *, lifetime: bool, **kwargs: Any) -> Sensor:
    """An energy counter through the core's guard.

    A lifetime total never goes down; a daily counter (`lifetime=False`)
    restarts at the inverter's midnight, and only a drop close to local
    midnight is published as that restart.
    """
    return register_lifetime_energy(
        key,
        max_kwh_per_hour=_MAX_KWH_PER_HOUR,
        suggested_display_precision=TELEMETRY_BY_KEY[key].decimals,
        daily_reset=not lifetime,
        **kwargs,
    )


SENSORS: tuple[Sensor, ...] = (
    register_power("pv_power"),
    _measure(
        "mppt3_voltage",
        SensorDeviceClass.VOLTAGE,
        UnitOfElectricPotential.VOLT,
        enabled=False,
    ),
    _measure(
        "mppt3_current",
        SensorDeviceClass.CURRENT,
        UnitOfElectricCurrent.AMPERE,
        enabled=False,
    ),
    _measure("mppt1_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    _measure("mppt1_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    _measure("mppt2_voltage", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
    _measure("mppt2_current", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
    _energy("pv_energy_today", lifetime=False),
    _energy("pv_energy_total", lifetime=True),
    power_description(
        "battery_power",
        lambda d: d.battery_power,
        suggested_display_precision=0,
        has_fn=lambda d: d.battery_power is not None or d.has("battery_power_legacy"),
    ),
    _measure("battery_soc", SensorDeviceClass.BATTERY, PERCENTAGE),
    _measure(
        "battery_temperature", SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS
    ),
    _measure("battery_health", None, PERCENTAGE, diagnostic=True),
    _energy("battery_charge_today", lifetime=False),
    _energy("battery_charge_total", lifetime=True),
    _energy("battery_discharge_today", lifetime=False),
    _energy("battery_discharge_total", lifetime=True),
    register_power("load_power"),
    power_description(
        "grid_power",
        lambda d: d.grid_power,
        suggested_display_precision=0,
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
        register_power(f"meter_power_{phase}", entity_registry_enabled_default=False)
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
    diagnostic_description(
        "nominal_power",
        lambda d: d.number("nominal_power"),
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        has_fn=lambda d: d.has("nominal_power"),
    ),
    measurement_description(
        "grid_frequency",
        lambda d: d.grid_frequency,
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
        # 0.1 Hz over the LAN port, 0.01 Hz through a WiNet-S.
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        has_fn=lambda d: d.has("grid_frequency"),
    ),
    # Beyond the everyday set: disabled by default (their registers are only
    # polled once enabled).
    *(
        _energy(
            key, lifetime=key.endswith("_total"), entity_registry_enabled_default=False
        )
        for key in (
            "output_energy_today",
            "pv_export_today",
            "pv_export_total",
            "battery_charge_pv_today",
            "battery_charge_pv_total",
            "direct_consumption_today",
            "direct_consumption_total",
        )
    ),
    _power("export_power"),
    _power("active_power"),
    _measure(
        "reactive_power",
        SensorDeviceClass.REACTIVE_POWER,
        UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
        enabled=False,
    ),
    _measure(
        "power_factor",
        SensorDeviceClass.POWER_FACTOR,
        None,
        enabled=False,
        value_fn=lambda d: d.power_factor,
        has_fn=lambda d: d.power_factor is not None,
    ),
    *(
        _measure(
            f"phase_{phase}_current",
            SensorDeviceClass.CURRENT,
            UnitOfElectricCurrent.AMPERE,
            enabled=False,
        )
        for phase in "abc"
    ),
    _power("backup_power"),
    *(_power(f"backup_power_{phase}") for phase in "abc"),
    *(
        _measure(
            f"meter_voltage_{phase}",
            SensorDeviceClass.VOLTAGE,
            UnitOfElectricPotential.VOLT,
            enabled=False,
        )
        for phase in "abc"
    ),
    *(
        _measure(
            f"meter_current_{phase}",
            SensorDeviceClass.CURRENT,
            UnitOfElectricCurrent.AMPERE,
            enabled=False,
        )
        for phase in "abc"
    ),
    _measure(
        "battery_capacity",
        SensorDeviceClass.ENERGY_STORAGE,
        UnitOfEnergy.KILO_WATT_HOUR,
        enabled=False,
        diagnostic=True,
    ),
    *(
        _measure(
            key,
            SensorDeviceClass.CURRENT,
            UnitOfElectricCurrent.AMPERE,
            enabled=False,
            diagnostic=True,
        )
        for key in ("bms_max_charge_current", "bms_max_discharge_current")
    ),
    *(
        _power(key, diagnostic=True)
        for key in ("bdc_rated_power", "export_limit_min", "export_limit_max")
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

type Number = EnergyHubNumberEntityDescription[SungrowCoordinator, SungrowData]
type Select = EnergyHubSelectEntityDescription[SungrowCoordinator, SungrowData]
type Switch = EnergyHubSwitchEntityDescription[SungrowCoordinator, SungrowData]


def _setting_number(
    key: str,
    *,
    minimum: float,
    maximum: float,
    step: float,
    unit: str,
    device_class: NumberDeviceClass | None = None,
    enabled: bool = True,
) -> Number:
    return EnergyHubNumberEntityDescription[SungrowCoordinator, SungrowData](
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=enabled,
        device_class=device_class,
        native_min_value=minimum,
        native_max_value=maximum,
        native_step=step,
        native_unit_of_measurement=unit,
        mode=NumberMode.BOX,
        value_fn=lambda d: d.setting(key),
        set_fn=lambda coordinator, value: coordinator.inverter.write_setting(
            key, value
        ),
        has_fn=lambda d: d.setting(key) is not None,
    )


NUMBERS: tuple[Number, ...] = (
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
    # Battery limits and thresholds (holding 33046-33047, 33148-33149), and
    # the active power limitation ratio: disabled by default.
    *(
        _setting_number(
            key,
            minimum=0,
            maximum=maximum,
            step=10,
            unit=UnitOfPower.WATT,
            device_class=NumberDeviceClass.POWER,
            enabled=False,
        )
        for key, maximum in (
            ("max_charge_power", 30000),
            ("max_discharge_power", 30000),
            ("charge_start_power", 1000),
            ("discharge_start_power", 1000),
        )
    ),
    _setting_number(
        "power_limitation_ratio",
        minimum=0,
        maximum=100,
        step=0.1,
        unit=PERCENTAGE,
        enabled=False,
    ),
)

SELECTS: tuple[Select, ...] = (
    EnergyHubSelectEntityDescription[SungrowCoordinator, SungrowData](
        key="ems_mode",
        translation_key="ems_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(EMS_MODES),
        value_fn=lambda d: d.ems_mode,
        set_fn=lambda coordinator, option: coordinator.inverter.set_ems_mode(option),
        has_fn=lambda d: d.ems_mode is not None,
    ),
    EnergyHubSelectEntityDescription[SungrowCoordinator, SungrowData](
        key="forced_command",
        translation_key="forced_command",
        entity_category=EntityCategory.CONFIG,
        options=list(FORCED_COMMANDS),
        value_fn=lambda d: d.forced_command,
        set_fn=lambda coordinator, option: coordinator.inverter.set_forced_command(
            option
        ),
        has_fn=lambda d: d.forced_command is not None,
    ),
)


def _setting_switch(key: str, setting: str) -> Switch:
    """An on/off setting (0xAA on, 0x55 off), disabled by default."""
    return EnergyHubSwitchEntityDescription[SungrowCoordinator, SungrowData](
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda d: d.setting_on(setting),
        set_fn=lambda coordinator, on: coordinator.inverter.set_setting_on(setting, on),
        has_fn=lambda d: d.setting_on(setting) is not None,
    )


SWITCHES: tuple[Switch, ...] = (
    EnergyHubSwitchEntityDescription[SungrowCoordinator, SungrowData](
        key="export_limit_enabled",
        translation_key="export_limit_enabled",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: d.export_limit_enabled,
        set_fn=lambda coordinator, on: coordinator.inverter.set_export_limit_enabled(
            on
        ),
        has_fn=lambda d: d.export_limit_enabled is not None,
    ),
    _setting_switch("backup_mode", "backup_mode"),
    _setting_switch("power_limitation", "power_limitation"),
)

DESCRIPTIONS = {
    Platform.SENSOR: SENSORS,
    Platform.NUMBER: NUMBERS,
    Platform.SELECT: SELECTS,
    Platform.SWITCH: SWITCHES,
}
