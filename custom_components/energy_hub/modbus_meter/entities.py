"""The meter's entities; the meter type decides how energy is presented.

grid: power + import / - export, energy imported from and exported to the grid.
solar: the meter sits at the inverter's output with the inverter on its
"import" side, so production is the import counter (the export counter is
the inverter's own night-time draw). building / zone: consumption is the
import counter, energy fed back the export counter.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfFrequency,
    UnitOfPower,
)
from homeassistant.helpers.entity import EntityDescription

from ..sensor import EnergyHubSensorEntityDescription, lifetime_energy_description
from .meter import MeterData

# A DIN-rail meter tops out near 3 x 80 A x 230 V = 55 kW.
_MAX_KWH_PER_HOUR = 60.0

# translation keys per meter type: (power, import counter, export counter)
_ROLE_KEYS: dict[str, tuple[str, str, str]] = {
    "grid": (
        "meter_grid_power",
        "meter_grid_energy_import",
        "meter_grid_energy_export",
    ),
    "solar": (
        "meter_solar_power",
        "meter_solar_energy_produced",
        "meter_solar_energy_consumed",
    ),
    "building": (
        "meter_building_power",
        "meter_energy_consumed",
        "meter_energy_returned",
    ),
    "zone": ("meter_zone_power", "meter_energy_consumed", "meter_energy_returned"),
}

type Sensor = EnergyHubSensorEntityDescription[MeterData]


def _sensor(
    key: str,
    translation_key: str,
    device_class: SensorDeviceClass,
    unit: str | None,
    *,
    enabled: bool = True,
) -> Sensor:
    return EnergyHubSensorEntityDescription[MeterData](
        key=key,
        translation_key=translation_key,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        entity_registry_enabled_default=enabled,
        value_fn=lambda d: d.number(key),
        has_fn=lambda d: d.has(key),
    )


def _energy(key: str, translation_key: str) -> Sensor:
    return lifetime_energy_description(
        key,
        lambda d: d.number(key),
        max_kwh_per_hour=_MAX_KWH_PER_HOUR,
        translation_key=translation_key,
        suggested_display_precision=2,
        has_fn=lambda d: d.has(key),
    )


def meter_descriptions(
    meter_type: str,
) -> dict[Platform, tuple[EntityDescription, ...]]:
    """The sensors of a meter of `meter_type`."""
    power_key, import_key, export_key = _ROLE_KEYS[meter_type]
    sensors: list[Sensor] = [
        _sensor("power", power_key, SensorDeviceClass.POWER, UnitOfPower.WATT),
        _energy("energy_import", import_key),
        _energy("energy_export", export_key),
    ]
    for phase in ("l1", "l2", "l3"):
        sensors.append(
            _sensor(
                f"voltage_{phase}",
                f"meter_voltage_{phase}",
                SensorDeviceClass.VOLTAGE,
                UnitOfElectricPotential.VOLT,
            )
        )
        sensors.append(
            _sensor(
                f"current_{phase}",
                f"meter_current_{phase}",
                SensorDeviceClass.CURRENT,
                UnitOfElectricCurrent.AMPERE,
            )
        )
    sensors.append(
        _sensor(
            "power_factor", "meter_power_factor", SensorDeviceClass.POWER_FACTOR, None
        )
    )
    sensors.append(
        _sensor(
            "frequency",
            "meter_frequency",
            SensorDeviceClass.FREQUENCY,
            UnitOfFrequency.HERTZ,
        )
    )
    return {Platform.SENSOR: tuple(sensors)}
