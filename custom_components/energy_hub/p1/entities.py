"""The P1 meter's entities: one description per value, read from `P1Data`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..binary_sensor import EnergyHubBinarySensorEntityDescription
from ..number import EnergyHubNumberEntityDescription
from ..sensor import EnergyHubSensorEntityDescription, lifetime_energy_description
from .coordinator import P1Coordinator, P1Data

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


def _energy(key: str, value_fn: Callable[[P1Data], float | None]) -> Sensor:
    return lifetime_energy_description(
        key,
        value_fn,
        max_kwh_per_hour=MAX_GRID_KWH_PER_HOUR,
        suggested_display_precision=3,
        has_fn=lambda data: value_fn(data) is not None,
    )


def _phase(
    key: str,
    value_fn: Callable[[P1Data], float | None],
    *,
    device_class: SensorDeviceClass,
    unit: str,
    enabled: bool,
) -> Sensor:
    return EnergyHubSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
        has_fn=lambda data: value_fn(data) is not None,
    )


def _capacity_followed(data: P1Data) -> bool:
    """Capacity figures exist once the import counter was read; None = not known yet."""
    return data.capacity.quarter_start is not None


def _capacity_kw(key: str, value_fn: Callable[[P1Data], float | None]) -> Sensor:
    return EnergyHubSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=3,
        value_fn=value_fn,
        available_fn=_capacity_followed,
    )


def _diagnostic(key: str, value_fn: Callable[[P1Data], Any], **kwargs: Any) -> Sensor:
    return EnergyHubSensorEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        has_fn=lambda data: value_fn(data) is not None,
        **kwargs,
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
    _phase(
        "power",
        lambda d: d.measurement.power_w,
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        enabled=True,
    ),
    *(
        _phase(
            f"power_{phase}",
            _measured(f"power_{phase}_w"),
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            enabled=True,
        )
        for phase in ("l1", "l2", "l3")
    ),
    *(
        _phase(
            f"voltage_{phase}",
            _measured(f"voltage_{phase}_v"),
            device_class=SensorDeviceClass.VOLTAGE,
            unit=UnitOfElectricPotential.VOLT,
            enabled=phase == "l1",
        )
        for phase in ("l1", "l2", "l3")
    ),
    *(
        _phase(
            f"current_{phase}",
            _measured(f"current_{phase}_a"),
            device_class=SensorDeviceClass.CURRENT,
            unit=UnitOfElectricCurrent.AMPERE,
            enabled=phase == "l1",
        )
        for phase in ("l1", "l2", "l3")
    ),
    _phase(
        "frequency",
        lambda d: d.measurement.frequency_hz,
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
        enabled=True,
    ),
    EnergyHubSensorEntityDescription(
        key="gas",
        translation_key="gas",
        device_class=SensorDeviceClass.GAS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        lifetime_total=True,
        max_rate=MAX_M3_PER_HOUR,
        value_fn=lambda d: None if d.gas is None else d.gas.value,
        has_fn=lambda d: d.gas is not None,
        attributes_fn=lambda d: (
            None
            if d.gas is None or d.gas.measured_at is None
            else {"measured_at": d.gas.measured_at.isoformat()}
        ),
    ),
    EnergyHubSensorEntityDescription(
        key="water",
        translation_key="water",
        device_class=SensorDeviceClass.WATER,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
        lifetime_total=True,
        max_rate=MAX_M3_PER_HOUR,
        value_fn=lambda d: None if d.water is None else d.water.value,
        has_fn=lambda d: d.water is not None,
        attributes_fn=lambda d: (
            None
            if d.water is None or d.water.measured_at is None
            else {"measured_at": d.water.measured_at.isoformat()}
        ),
    ),
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
    _diagnostic(
        "wifi_strength",
        lambda d: d.wifi_strength_pct,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    _diagnostic(
        "wifi_rssi",
        lambda d: None if d.system is None else d.system.wifi_rssi_db,
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    _diagnostic("meter_model", lambda d: d.measurement.meter_model),
    _diagnostic("smr_version", lambda d: d.measurement.protocol_version),
    _diagnostic(
        "power_fail_count",
        lambda d: d.measurement.any_power_fail_count,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
    _diagnostic(
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


async def _set_peak_limit(
    coordinator: DataUpdateCoordinator[P1Data], value: float
) -> None:
    if not isinstance(coordinator, P1Coordinator):
        raise TypeError(coordinator)
    await coordinator.async_set_peak_limit(value)


NUMBERS: tuple[EnergyHubNumberEntityDescription[P1Data], ...] = (
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
        set_fn=_set_peak_limit,
    ),
)

DESCRIPTIONS = {
    Platform.SENSOR: SENSORS,
    Platform.BINARY_SENSOR: BINARY_SENSORS,
    Platform.NUMBER: NUMBERS,
}
