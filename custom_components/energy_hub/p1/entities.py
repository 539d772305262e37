"""The P1 meter's entities: one description per value, read from `P1Data`."""

from collections.abc import Callable

from homeassistant.components.number import NumberMode
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfVolume,
)

from ..binary_sensor import EnergyHubBinarySensorEntityDescription
from ..number import EnergyHubNumberEntityDescription
from ..sensor import (
    EnergyHubSensorEntityDescription,
    diagnostic_description,
    lifetime_energy_description,
    measurement_description,
)
from .coordinator import ExternalReading, P1Coordinator, P1Data

# Plausible ceiling for a home connection (3 x 63 A): larger steps are glitches.
MAX_GRID_KWH_PER_HOUR = 50.0
MAX_M3_PER_HOUR = 25.0

type Sensor = EnergyHubSensorEntityDescription[P1Data]


def _measured(field: str) -> Callable[[P1Data], float | None]:
    """Read one field of the measurement by name (the per-phase values)."""

    def value(data: P1Data) -> float | None:
        result: float | None = getattr(data.measurement, field)
        return result

    return value


def _reported(value_fn: Callable[[P1Data], float | None]) -> Callable[[P1Data], bool]:
    """The meter has the value: it sends one (single-phase meters send null)."""
    return lambda data: value_fn(data) is not None


def _energy(key: str, value_fn: Callable[[P1Data], float | None]) -> Sensor:
    return lifetime_energy_description(
        key,
        value_fn,
        max_kwh_per_hour=MAX_GRID_KWH_PER_HOUR,
        suggested_display_precision=3,
        has_fn=_reported(value_fn),
    )


def _measurement(
    key: str,
    field: str,
    *,
    device_class: SensorDeviceClass,
    unit: str,
    enabled: bool = True,
) -> Sensor:
    """A value of the measurement; none where the meter sends null (L2/L3, 1 phase)."""
    value_fn = _measured(field)
    return measurement_description(
        key,
        value_fn,
        device_class=device_class,
        unit=unit,
        entity_registry_enabled_default=enabled,
        has_fn=_reported(value_fn),
    )


def _capacity_followed(data: P1Data) -> bool:
    """Capacity figures exist once the import counter was read; None = not known yet."""
    return data.capacity.quarter_start is not None


def _capacity_kw(key: str, value_fn: Callable[[P1Data], float | None]) -> Sensor:
    return measurement_description(
        key,
        value_fn,
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.KILO_WATT,
        suggested_display_precision=3,
        available_fn=_capacity_followed,
    )


def _external(
    key: str,
    device_class: SensorDeviceClass,
    reading_fn: Callable[[P1Data], ExternalReading | None],
) -> Sensor:
    """A gas or water meter on the P1 port, with the time it last reported."""

    def value(data: P1Data) -> float | None:
        reading = reading_fn(data)
        return None if reading is None else reading.value

    def attributes(data: P1Data) -> dict[str, str] | None:
        reading = reading_fn(data)
        if reading is None or reading.measured_at is None:
            return None
        return {"measured_at": reading.measured_at.isoformat()}

    return EnergyHubSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        lifetime_total=True,
        max_rate=MAX_M3_PER_HOUR,
        value_fn=value,
        has_fn=lambda data: reading_fn(data) is not None,
        attributes_fn=attributes,
    )


SENSORS: tuple[Sensor, ...] = (
    _energy("energy_import", lambda d: d.measurement.energy_import_kwh),
    _energy("energy_import_t1", lambda d: d.measurement.energy_import_t1_kwh),
    _energy("energy_import_t2", lambda d: d.measurement.energy_import_t2_kwh),
    _energy("energy_export", lambda d: d.measurement.energy_export_kwh),
    _energy("energy_export_t1", lambda d: d.measurement.energy_export_t1_kwh),
    _energy("energy_export_t2", lambda d: d.measurement.energy_export_t2_kwh),
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
    _measurement(
        "power",
        "power_w",
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
    ),
    # Per phase; voltage and current of L2/L3 start disabled.
    *(
        _measurement(
            f"{quantity}_{phase}",
            f"{quantity}_{phase}_{suffix}",
            device_class=device_class,
            unit=unit,
            enabled=quantity == "power" or phase == "l1",
        )
        for quantity, suffix, device_class, unit in (
            ("power", "w", SensorDeviceClass.POWER, UnitOfPower.WATT),
            ("voltage", "v", SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT),
            ("current", "a", SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE),
        )
        for phase in ("l1", "l2", "l3")
    ),
    _measurement(
        "frequency",
        "frequency_hz",
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
    ),
    _external("gas", SensorDeviceClass.GAS, lambda d: d.gas),
    _external("water", SensorDeviceClass.WATER, lambda d: d.water),
    # Belgian capacity tariff.
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
    # Diagnostics.
    diagnostic_description(
        "wifi_strength",
        lambda d: d.wifi_strength_pct,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    diagnostic_description(
        "wifi_rssi",
        lambda d: None if d.system is None else d.system.wifi_rssi_db,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    diagnostic_description("meter_model", lambda d: d.measurement.meter_model),
    diagnostic_description("smr_version", lambda d: d.measurement.protocol_version),
    diagnostic_description(
        "power_fail_count",
        lambda d: d.measurement.any_power_fail_count,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
    diagnostic_description(
        "long_power_fail_count",
        lambda d: d.measurement.long_power_fail_count,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
)

BINARY_SENSORS: tuple[EnergyHubBinarySensorEntityDescription[P1Data], ...] = (
    EnergyHubBinarySensorEntityDescription(
        key="peak_at_risk",
        translation_key="peak_at_risk",
        value_fn=lambda d: d.capacity.peak_at_risk,
        available_fn=_capacity_followed,
    ),
)


NUMBERS: tuple[EnergyHubNumberEntityDescription[P1Coordinator, P1Data], ...] = (
    EnergyHubNumberEntityDescription(
        key="capacity_peak_limit",
        translation_key="capacity_peak_limit",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        native_min_value=0.5,
        native_max_value=50.0,
        native_step=0.1,
        mode=NumberMode.BOX,
        value_fn=lambda d: d.peak_limit_kw,
        set_fn=P1Coordinator.async_set_peak_limit,
    ),
)

DESCRIPTIONS = {
    Platform.SENSOR: SENSORS,
    Platform.BINARY_SENSOR: BINARY_SENSORS,
    Platform.NUMBER: NUMBERS,
}
