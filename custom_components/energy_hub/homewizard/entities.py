"""Every HomeWizard entity: one description per value, read from `HomeWizardData`.

Which descriptions an entry gets depends on the product (P1 meter, kWh meter,
socket, water meter), on the meter type of a kWh meter or socket (as the
Modbus meters: it decides how power and energy are presented), and on the
meters on a P1 meter's port (each its own sensor, in the meter's own unit).

grid: power + import / - export, energy imported from and exported to the
grid. solar: HomeWizard has a kWh meter on a PV inverter count production
as export (power negative); shown here as production (power positive), the
import counter being the inverter's own night-time draw. building / zone (and
a socket): consumption is the import counter, energy fed back the export
counter.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta

from homeassistant.components.number import NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfReactivePower,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.helpers.entity import EntityDescription
from homewizard_energy.models import ExternalDevice

from ..binary_sensor import EnergyHubBinarySensorEntityDescription
from ..number import EnergyHubNumberEntityDescription
from ..select import EnergyHubSelectEntityDescription
from ..sensor import (
    EnergyHubSensorEntityDescription,
    SensorValue,
    diagnostic_description,
    lifetime_energy_description,
    measurement_description,
)
from ..switch import EnergyHubSwitchEntityDescription
from .const import (
    ENERGY_SOCKET,
    KWH_METERS_1_PHASE,
    KWH_METERS_3_PHASE,
    MAX_GRID_KWH_PER_HOUR,
    P1_METER,
    PEAK_LIMIT_MAX_KW,
    PEAK_LIMIT_MIN_KW,
    WATER_METER,
)
from .coordinator import HomeWizardCoordinator, HomeWizardData, meter_time
from .model import ENERGY_UNITS, ExternalKind

type Sensor = EnergyHubSensorEntityDescription[HomeWizardData]
type Number = EnergyHubNumberEntityDescription[HomeWizardCoordinator, HomeWizardData]
type Switch = EnergyHubSwitchEntityDescription[HomeWizardCoordinator, HomeWizardData]
type Select = EnergyHubSelectEntityDescription[HomeWizardCoordinator, HomeWizardData]
type ValueFn = Callable[[HomeWizardData], float | None]

Kind = ExternalDevice.DeviceType
PHASES = ("l1", "l2", "l3")
# Per-phase voltage and current: key, the API field's unit suffix, device
# class, unit, display precision (per-phase power is described apart).
PHASE_MEASUREMENTS: tuple[tuple[str, str, SensorDeviceClass, str, int], ...] = (
    ("voltage", "v", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1),
    ("current", "a", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2),
)

# Meters on the P1 port (docs/p1-meter.md): the key (unique id) and the
# translation key of each kind's sensor.
EXTERNAL_KEYS: dict[ExternalKind, tuple[str, str]] = {
    Kind.GAS_METER: ("gas", "gas"),
    Kind.WATER_METER: ("water", "water"),
    Kind.WARM_WATER_METER: ("warm_water", "homewizard_warm_water"),
    Kind.HEAT_METER: ("heat", "homewizard_heat"),
    Kind.INLET_HEAT_METER: ("inlet_heat", "homewizard_inlet_heat"),
}
# Ceilings of the largest meters found in homes, the counter guard's bound: a
# G6 gas meter passes at most 10 m³/h; a Q3 = 4 water meter 5 m³/h (its
# overload flow); a domestic heat meter (qp 2.5 m³/h) 5 m³/h (qs = 2 qp).
MAX_M3_PER_HOUR: dict[ExternalKind, float] = {
    Kind.GAS_METER: 10.0,
    Kind.WATER_METER: 5.0,
    Kind.WARM_WATER_METER: 5.0,
    Kind.HEAT_METER: 5.0,
    Kind.INLET_HEAT_METER: 5.0,
}
# In an energy unit: a G6 meter's 10 m³/h of natural gas is about 100 kW; a
# home's district-heating connection stays well under 50 kW.
MAX_KW: dict[ExternalKind, float] = {
    Kind.GAS_METER: 100.0,
    Kind.WATER_METER: 50.0,
    Kind.WARM_WATER_METER: 50.0,
    Kind.HEAT_METER: 50.0,
    Kind.INLET_HEAT_METER: 50.0,
}
_PER_KWH = {"kWh": 1.0, "Wh": 1000.0, "MWh": 0.001, "MJ": 3.6, "GJ": 0.0036}
_PER_M3 = {"m³": 1.0, "L": 1000.0}
# Meters on the P1 port report every 5 minutes (DSMR 5) or every hour
# (DSMR 4): not stale until three hours pass without a new reading.
EXTERNAL_STALE_AFTER = timedelta(hours=3)

# Largest plausible average power (kW) per electricity product (docs/p1-meter.md):
# a socket's 16 A, a direct kWh meter's 100 A per phase.
MAX_KWH_PER_HOUR: dict[str, float] = {
    ENERGY_SOCKET: 5.0,
    **dict.fromkeys(KWH_METERS_1_PHASE, 25.0),
    **dict.fromkeys(KWH_METERS_3_PHASE, 70.0),
}

# translation keys per meter type: (power, import counter, export counter);
# the Modbus meters' names.
ROLE_KEYS: dict[str, tuple[str, str, str]] = {
    "grid": (
        "meter_grid_power",
        "meter_grid_energy_import",
        "meter_grid_energy_export",
    ),
    "solar": (
        "meter_solar_power",
        "meter_solar_energy_consumed",
        "meter_solar_energy_produced",
    ),
    "building": (
        "meter_building_power",
        "meter_energy_consumed",
        "meter_energy_returned",
    ),
    "zone": ("meter_zone_power", "meter_energy_consumed", "meter_energy_returned"),
}


def _measured(field: str) -> ValueFn:
    """Read one field of the measurement by name."""

    def value(data: HomeWizardData) -> float | None:
        result: float | None = getattr(data.measurement, field)
        return result

    return value


def _extra(name: str) -> ValueFn:
    """A field the library's model has no place for."""
    return lambda data: data.extra.get(name)


def _negated(value_fn: ValueFn) -> ValueFn:
    def value(data: HomeWizardData) -> float | None:
        result = value_fn(data)
        return None if result is None else -result

    return value


def _percent(value_fn: ValueFn) -> ValueFn:
    """A power factor (0..1) in percent, as core's HomeWizard shows it."""

    def value(data: HomeWizardData) -> float | None:
        result = value_fn(data)
        return None if result is None else round(result * 100, 1)

    return value


def _reported(
    value_fn: Callable[[HomeWizardData], SensorValue],
) -> Callable[[HomeWizardData], bool]:
    """The device has the value: it sends one (single-phase meters send null)."""
    return lambda data: value_fn(data) is not None


def _energy(
    key: str,
    value_fn: ValueFn,
    *,
    max_kwh_per_hour: float,
    translation_key: str | None = None,
) -> Sensor:
    return lifetime_energy_description(
        key,
        value_fn,
        max_kwh_per_hour=max_kwh_per_hour,
        translation_key=translation_key,
        suggested_display_precision=3,
        has_fn=_reported(value_fn),
    )


def _value(
    key: str,
    value_fn: ValueFn,
    *,
    device_class: SensorDeviceClass | None,
    unit: str | None,
    precision: int,
    enabled: bool = True,
    translation_key: str | None = None,
) -> Sensor:
    """An instantaneous value; none where the device sends null or nothing."""
    return measurement_description(
        key,
        value_fn,
        device_class=device_class,
        unit=unit,
        translation_key=translation_key,
        suggested_display_precision=precision,
        entity_registry_enabled_default=enabled,
        has_fn=_reported(value_fn),
    )


def _field_fn(field: str) -> ValueFn:
    """The library's field, or one of the fields it has no place for."""
    if field.startswith(("apparent_current", "reactive_current")):
        return _extra(field)
    return _measured(field)


# Values beyond power and energy, of the whole meter (`key`, field `key_unit`)
# or per phase (`key_l1`, field `key_l1_unit`): unit suffix, device class,
# unit, decimals.
_ADVANCED = (
    (
        "apparent_power",
        "va",
        SensorDeviceClass.APPARENT_POWER,
        UnitOfApparentPower.VOLT_AMPERE,
        0,
    ),
    (
        "reactive_power",
        "var",
        SensorDeviceClass.REACTIVE_POWER,
        UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
        0,
    ),
    (
        "apparent_current",
        "a",
        SensorDeviceClass.CURRENT,
        UnitOfElectricCurrent.AMPERE,
        2,
    ),
    (
        "reactive_current",
        "a",
        SensorDeviceClass.CURRENT,
        UnitOfElectricCurrent.AMPERE,
        2,
    ),
)


def _capacity_followed(data: HomeWizardData) -> bool:
    """Capacity figures exist once the import counter was read; None = not known yet."""
    return data.capacity.quarter_start is not None


def _capacity_kw(key: str, value_fn: ValueFn) -> Sensor:
    return measurement_description(
        key,
        value_fn,
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.KILO_WATT,
        suggested_display_precision=3,
        available_fn=_capacity_followed,
    )


def _count(key: str, field: str, translation_key: str, *, enabled: bool) -> Sensor:
    """A counter of the meter's events (power failures, voltage sags, …)."""
    return diagnostic_description(
        key,
        _measured(field),
        translation_key=translation_key,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=enabled,
    )


# P1 meter ------------------------------------------------------------------------


def _p1_sensors() -> tuple[Sensor, ...]:
    """The P1 meter's own sensors (the meters on its port come on top)."""
    return (
        *(
            _energy(
                f"energy_{direction}" + (f"_{tariff}" if tariff else ""),
                _measured(f"energy_{direction}_{tariff + '_' if tariff else ''}kwh"),
                max_kwh_per_hour=MAX_GRID_KWH_PER_HOUR,
            )
            for direction in ("import", "export")
            for tariff in ("", "t1", "t2", "t3", "t4")
        ),
        EnergyHubSensorEntityDescription(
            key="active_tariff",
            translation_key="active_tariff",
            device_class=SensorDeviceClass.ENUM,
            options=["1", "2", "3", "4"],
            value_fn=lambda d: (
                None if d.measurement.tariff is None else str(d.measurement.tariff)
            ),
            has_fn=lambda d: d.measurement.tariff is not None,
        ),
        # Net power: negative while the home exports.
        _value(
            "power",
            _measured("power_w"),
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            precision=0,
        ),
        # Per phase; voltage and current of L2/L3 start disabled.
        *(
            _value(
                f"{quantity}_{phase}",
                _measured(f"{quantity}_{phase}_{suffix}"),
                device_class=device_class,
                unit=unit,
                precision=precision,
                enabled=quantity == "power" or phase == "l1",
            )
            for quantity, suffix, device_class, unit, precision in (
                ("power", "w", SensorDeviceClass.POWER, UnitOfPower.WATT, 0),
                *PHASE_MEASUREMENTS,
            )
            for phase in PHASES
        ),
        # The sum of the phases' currents.
        _value(
            "current",
            _measured("current_a"),
            device_class=SensorDeviceClass.CURRENT,
            unit=UnitOfElectricCurrent.AMPERE,
            precision=2,
            enabled=False,
            translation_key="homewizard_current",
        ),
        _value(
            "frequency",
            _measured("frequency_hz"),
            device_class=SensorDeviceClass.FREQUENCY,
            unit=UnitOfFrequency.HERTZ,
            precision=2,
        ),
        # Belgian capacity tariff, as Energy Hub follows it from the import counter.
        _capacity_kw("quarter_hour_average", lambda d: d.capacity.quarter_average_kw),
        _capacity_kw(
            "projected_quarter_hour_peak", lambda d: d.capacity.projected_quarter_kw
        ),
        _capacity_kw("monthly_peak", lambda d: d.capacity.monthly_peak_kw),
        EnergyHubSensorEntityDescription(
            key="monthly_peak_time",
            translation_key="monthly_peak_time",
            device_class=SensorDeviceClass.TIMESTAMP,
            value_fn=lambda d: d.capacity.monthly_peak_at,
            available_fn=_capacity_followed,
        ),
        EnergyHubSensorEntityDescription(
            key="projected_capacity_cost",
            translation_key="projected_capacity_cost",
            device_class=SensorDeviceClass.MONETARY,
            native_unit_of_measurement="EUR",
            suggested_display_precision=2,
            value_fn=lambda d: d.capacity.projected_monthly_cost,
        ),
        # ... and as the meter itself bills it: its current average demand, the
        # month's peak and when it was reached.
        _value(
            "average_demand",
            _measured("average_power_15m_w"),
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            precision=0,
            translation_key="homewizard_average_demand",
        ),
        _value(
            "meter_monthly_peak",
            _measured("monthly_power_peak_w"),
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            precision=0,
            translation_key="homewizard_meter_monthly_peak",
        ),
        EnergyHubSensorEntityDescription(
            key="meter_monthly_peak_time",
            translation_key="homewizard_meter_monthly_peak_time",
            device_class=SensorDeviceClass.TIMESTAMP,
            # No time until the month's first quarter closed: unknown, not gone.
            value_fn=lambda d: meter_time(d.measurement.monthly_power_peak_timestamp),
            has_fn=lambda d: d.measurement.monthly_power_peak_w is not None,
            available_fn=lambda d: d.measurement.monthly_power_peak_w is not None,
        ),
        # Diagnostics of the smart meter.
        diagnostic_description("meter_model", lambda d: d.measurement.meter_model),
        diagnostic_description("smr_version", lambda d: d.measurement.protocol_version),
        diagnostic_description(
            "meter_id",
            lambda d: d.measurement.unique_id,
            translation_key="homewizard_meter_id",
            entity_registry_enabled_default=False,
        ),
        diagnostic_description(
            "meter_timestamp",
            lambda d: meter_time(d.measurement.timestamp),
            translation_key="homewizard_meter_timestamp",
            device_class=SensorDeviceClass.TIMESTAMP,
            entity_registry_enabled_default=False,
        ),
        _count(
            "power_fail_count", "any_power_fail_count", "power_fail_count", enabled=True
        ),
        _count(
            "long_power_fail_count",
            "long_power_fail_count",
            "long_power_fail_count",
            enabled=True,
        ),
        *(
            _count(
                f"voltage_{event}_{phase}",
                f"voltage_{event}_{phase}_count",
                f"homewizard_voltage_{event}_{phase}",
                enabled=False,
            )
            for event in ("sag", "swell")
            for phase in PHASES
        ),
    )


P1_SENSORS = _p1_sensors()


def _external_unit_class(kind: ExternalKind, unit: str) -> SensorDeviceClass:
    """The device class a meter's unit calls for (docs/p1-meter.md).

    An energy unit: energy. Otherwise a volume: gas for a gas meter, water for
    a (warm) water meter, and a plain volume for the rest (a heat meter
    counting its water), which the Energy dashboard does not offer.
    """
    if unit.lower() in ENERGY_UNITS:
        return SensorDeviceClass.ENERGY
    if kind is Kind.GAS_METER:
        return SensorDeviceClass.GAS
    if kind in (Kind.WATER_METER, Kind.WARM_WATER_METER):
        return SensorDeviceClass.WATER
    return SensorDeviceClass.VOLUME


def external_description(kind: ExternalKind, unit: str) -> Sensor:
    """A meter on the P1 port in `unit`, with the time it last reported.

    Only a new reading reaches the guard: the P1 meter re-sends the last one
    on every poll, and a misread held for an hour must not count as a series
    of readings (nor keep the total fresh when the meter stopped reporting).
    """
    key, translation_key = EXTERNAL_KEYS[kind]
    device_class = _external_unit_class(kind, unit)
    if device_class is SensorDeviceClass.ENERGY:
        max_rate = MAX_KW[kind] * _PER_KWH[unit]
    else:
        max_rate = MAX_M3_PER_HOUR[kind] * _PER_M3[unit]

    def value(data: HomeWizardData) -> float | None:
        reading = data.external.get(kind)
        if reading is None or not reading.new or reading.unit != unit:
            return None
        return reading.value

    def attributes(data: HomeWizardData) -> dict[str, str] | None:
        reading = data.external.get(kind)
        if reading is None:
            return None
        return {"measured_at": reading.measured_at.isoformat()}

    return EnergyHubSensorEntityDescription(
        key=key,
        translation_key=translation_key,
        device_class=device_class,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=unit,
        suggested_display_precision=3,
        lifetime_total=True,
        max_rate=max_rate,
        stale_after=EXTERNAL_STALE_AFTER,
        value_fn=value,
        has_fn=lambda data: (
            (reading := data.external.get(kind)) is not None and reading.unit == unit
        ),
        attributes_fn=attributes,
    )


# kWh meters and sockets -------------------------------------------------------------


def electricity_meter_sensors(product_type: str, meter_type: str) -> tuple[Sensor, ...]:
    """The sensors of a kWh meter or socket measuring a `meter_type` circuit."""
    power_key, import_key, export_key = ROLE_KEYS[meter_type]
    solar = meter_type == "solar"
    max_kwh_per_hour = MAX_KWH_PER_HOUR[product_type]

    def power(field: str) -> ValueFn:
        return _negated(_measured(field)) if solar else _measured(field)

    sensors: list[Sensor] = [
        _value(
            "power",
            power("power_w"),
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            precision=0,
            translation_key=power_key,
        ),
        _energy(
            "energy_import",
            _measured("energy_import_kwh"),
            max_kwh_per_hour=max_kwh_per_hour,
            translation_key=import_key,
        ),
        _energy(
            "energy_export",
            _measured("energy_export_kwh"),
            max_kwh_per_hour=max_kwh_per_hour,
            translation_key=export_key,
        ),
        # A 3-phase meter's current is the sum of its phases'.
        _value(
            "current",
            _measured("current_a"),
            device_class=SensorDeviceClass.CURRENT,
            unit=UnitOfElectricCurrent.AMPERE,
            precision=2,
            translation_key="homewizard_current",
        ),
        *(
            _value(
                key,
                _field_fn(f"{key}_{suffix}"),
                device_class=device_class,
                unit=unit,
                precision=precision,
                enabled=False,
                translation_key=f"homewizard_{key}",
            )
            for key, suffix, device_class, unit, precision in _ADVANCED
        ),
        _value(
            "frequency",
            _measured("frequency_hz"),
            device_class=SensorDeviceClass.FREQUENCY,
            unit=UnitOfFrequency.HERTZ,
            precision=2,
            enabled=False,
        ),
    ]
    if product_type not in KWH_METERS_3_PHASE:
        # A 1-phase meter sends its phase's power as `power_l1_w` too: the same.
        return (
            *sensors,
            _value(
                "voltage",
                _measured("voltage_v"),
                device_class=SensorDeviceClass.VOLTAGE,
                unit=UnitOfElectricPotential.VOLT,
                precision=1,
                translation_key="homewizard_voltage",
            ),
            _value(
                "power_factor",
                _percent(_measured("power_factor")),
                device_class=SensorDeviceClass.POWER_FACTOR,
                unit=PERCENTAGE,
                precision=1,
                enabled=False,
                translation_key="homewizard_power_factor",
            ),
        )
    return (
        *sensors,
        *(
            _value(
                f"power_{phase}",
                power(f"power_{phase}_w"),
                device_class=SensorDeviceClass.POWER,
                unit=UnitOfPower.WATT,
                precision=0,
            )
            for phase in PHASES
        ),
        *(
            _value(
                f"{key}_{phase}",
                _measured(f"{key}_{phase}_{suffix}"),
                device_class=device_class,
                unit=unit,
                precision=precision,
                enabled=False,
            )
            for key, suffix, device_class, unit, precision in PHASE_MEASUREMENTS
            for phase in PHASES
        ),
        *(
            _value(
                f"power_factor_{phase}",
                _percent(_measured(f"power_factor_{phase}")),
                device_class=SensorDeviceClass.POWER_FACTOR,
                unit=PERCENTAGE,
                precision=1,
                enabled=False,
                translation_key=f"homewizard_power_factor_{phase}",
            )
            for phase in PHASES
        ),
        *(
            _value(
                f"{key}_{phase}",
                _field_fn(f"{key}_{phase}_{suffix}"),
                device_class=device_class,
                unit=unit,
                precision=precision,
                enabled=False,
                translation_key=f"homewizard_{key}_{phase}",
            )
            for key, suffix, device_class, unit, precision in _ADVANCED
            for phase in PHASES
        ),
    )


# Water meter ------------------------------------------------------------------------


def _water_meter_sensors() -> tuple[Sensor, ...]:
    """Flow and total; a domestic water meter (Q3 = 4) passes at most 5 m³/h."""
    return (
        _value(
            "water_flow",
            _measured("active_liter_lpm"),
            device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
            unit=UnitOfVolumeFlowRate.LITERS_PER_MINUTE,
            precision=1,
            translation_key="homewizard_water_flow",
        ),
        EnergyHubSensorEntityDescription(
            key="water",
            translation_key="water",
            device_class=SensorDeviceClass.WATER,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
            suggested_display_precision=3,
            lifetime_total=True,
            max_rate=MAX_M3_PER_HOUR[Kind.WATER_METER],
            value_fn=_measured("total_liter_m3"),
            has_fn=_reported(_measured("total_liter_m3")),
        ),
    )


WATER_METER_SENSORS = _water_meter_sensors()


# Every product ----------------------------------------------------------------------

DIAGNOSTIC_SENSORS: tuple[Sensor, ...] = (
    diagnostic_description(
        "wifi_strength",
        lambda d: d.wifi_strength_pct,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    diagnostic_description(
        "wifi_rssi",
        lambda d: None if d.system is None else d.system.wifi_rssi_db,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    diagnostic_description(
        "wifi_ssid",
        lambda d: d.wifi_ssid,
        translation_key="homewizard_wifi_ssid",
        entity_registry_enabled_default=False,
    ),
    diagnostic_description(
        "uptime",
        lambda d: d.booted_at,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_registry_enabled_default=False,
    ),
)

BINARY_SENSORS: tuple[EnergyHubBinarySensorEntityDescription[HomeWizardData], ...] = (
    EnergyHubBinarySensorEntityDescription(
        key="peak_at_risk",
        translation_key="peak_at_risk",
        value_fn=lambda d: d.capacity.peak_at_risk,
        available_fn=_capacity_followed,
    ),
)

PEAK_LIMIT: Number = EnergyHubNumberEntityDescription(
    key="capacity_peak_limit",
    translation_key="capacity_peak_limit",
    entity_category=EntityCategory.CONFIG,
    native_unit_of_measurement=UnitOfPower.KILO_WATT,
    native_min_value=PEAK_LIMIT_MIN_KW,
    native_max_value=PEAK_LIMIT_MAX_KW,
    native_step=0.1,
    mode=NumberMode.BOX,
    value_fn=lambda d: d.peak_limit_kw,
    set_fn=HomeWizardCoordinator.async_set_peak_limit,
)


def _brightness(data: HomeWizardData) -> float | None:
    """A v1 socket's ring (0-255) or the v2 status light (%), in percent."""
    if data.state is not None and data.state.brightness is not None:
        return round(data.state.brightness * 100 / 255)
    if data.system is not None and data.system.status_led_brightness_pct is not None:
        return round(data.system.status_led_brightness_pct)
    return None


BRIGHTNESS: Number = EnergyHubNumberEntityDescription(
    key="status_light_brightness",
    translation_key="homewizard_status_light_brightness",
    entity_category=EntityCategory.CONFIG,
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    value_fn=_brightness,
    set_fn=HomeWizardCoordinator.async_set_brightness,
    has_fn=lambda d: _brightness(d) is not None,
)

CLOUD: Switch = EnergyHubSwitchEntityDescription(
    key="cloud_connection",
    translation_key="homewizard_cloud_connection",
    entity_category=EntityCategory.CONFIG,
    # Off, the HomeWizard app loses the device and firmware updates stop.
    entity_registry_enabled_default=False,
    value_fn=lambda d: None if d.system is None else d.system.cloud_enabled,
    set_fn=HomeWizardCoordinator.async_set_cloud,
    has_fn=lambda d: d.system is not None and d.system.cloud_enabled is not None,
)

SOCKET_SWITCHES: tuple[Switch, ...] = (
    EnergyHubSwitchEntityDescription(
        key="outlet",
        translation_key="homewizard_outlet",
        device_class=SwitchDeviceClass.OUTLET,
        # Locked, the socket stays on and cannot be switched (as core's).
        value_fn=lambda d: (
            None if d.state is None or d.state.switch_lock else d.state.power_on
        ),
        set_fn=HomeWizardCoordinator.async_set_power_on,
        has_fn=lambda d: d.state is not None,
    ),
    EnergyHubSwitchEntityDescription(
        key="switch_lock",
        translation_key="homewizard_switch_lock",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda d: None if d.state is None else d.state.switch_lock,
        set_fn=HomeWizardCoordinator.async_set_switch_lock,
        has_fn=lambda d: d.state is not None,
    ),
)


def _has_battery_group(data: HomeWizardData) -> bool:
    """A meter (API v2) that steers Plug-In Batteries, with batteries."""
    batteries = data.batteries
    return batteries is not None and batteries.battery_count != 0


def _battery_sensors() -> tuple[Sensor, ...]:
    """The battery group's power and target, as the meter reports them."""
    return (
        measurement_description(
            "battery_group_power",
            lambda d: None if d.batteries is None else d.batteries.power_w,
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            translation_key="homewizard_battery_group_power",
            suggested_display_precision=0,
            entity_registry_enabled_default=False,
            has_fn=_has_battery_group,
        ),
        measurement_description(
            "battery_group_target_power",
            lambda d: None if d.batteries is None else d.batteries.target_power_w,
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            translation_key="homewizard_battery_group_target_power",
            suggested_display_precision=0,
            entity_registry_enabled_default=False,
            has_fn=_has_battery_group,
        ),
    )


BATTERY_SENSORS = _battery_sensors()


def battery_mode_select(modes: Iterable[str]) -> Select:
    """The battery group's mode, offering the modes the meter's firmware has."""
    return EnergyHubSelectEntityDescription(
        key="battery_group_mode",
        translation_key="homewizard_battery_group_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(modes),
        value_fn=lambda d: (
            None
            if d.batteries is None or d.batteries.mode is None
            else str(d.batteries.mode)
        ),
        set_fn=HomeWizardCoordinator.async_set_battery_mode,
        has_fn=_has_battery_group,
    )


def descriptions(
    product_type: str,
    meter_type: str | None,
    external: Iterable[tuple[ExternalKind, str]] = (),
    battery_modes: Iterable[str] = (),
) -> dict[Platform, tuple[EntityDescription, ...]]:
    """The entity descriptions of one device.

    `meter_type`: what a kWh meter or socket measures; `external`: (kind,
    unit) of each meter on a P1 meter's port; `battery_modes`: the modes of a
    Plug-In Battery group the meter steers (API v2).
    """
    numbers: tuple[Number, ...] = (BRIGHTNESS,)
    switches: tuple[Switch, ...] = (CLOUD,)
    binary_sensors: tuple[EnergyHubBinarySensorEntityDescription[HomeWizardData], ...]
    binary_sensors = ()
    if product_type == P1_METER:
        sensors: tuple[Sensor, ...] = (
            *P1_SENSORS,
            *(external_description(kind, unit) for kind, unit in sorted(external)),
        )
        binary_sensors = BINARY_SENSORS
        numbers = (PEAK_LIMIT, *numbers)
    elif product_type == WATER_METER:
        sensors = WATER_METER_SENSORS
    else:
        sensors = electricity_meter_sensors(product_type, meter_type or "zone")
        if product_type == ENERGY_SOCKET:
            switches = (*SOCKET_SWITCHES, *switches)
    platforms: dict[Platform, tuple[EntityDescription, ...]] = {
        Platform.SENSOR: (*sensors, *BATTERY_SENSORS, *DIAGNOSTIC_SENSORS),
        Platform.NUMBER: numbers,
        Platform.SWITCH: switches,
    }
    if modes := list(battery_modes):
        platforms[Platform.SELECT] = (battery_mode_select(modes),)
    if binary_sensors:
        platforms[Platform.BINARY_SENSOR] = binary_sensors
    return platforms
