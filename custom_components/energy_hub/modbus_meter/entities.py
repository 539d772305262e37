"""The meter's entities; the meter type decides how energy is presented.

grid: power + import / - export, energy imported from and exported to the grid.
solar: the meter sits at the inverter's output with the inverter on its
"import" side, so production is the import counter (the export counter is
the inverter's own night-time draw). building / zone: consumption is the
import counter, energy fed back the export counter.
"""

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfFrequency,
)
from homeassistant.helpers.entity import EntityDescription

from ..modbus.entities import (
    register_lifetime_energy,
    register_measurement,
    register_power,
)
from ..sensor import EnergyHubSensorEntityDescription
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

# Decimals shown, per quantity: what the presets resolve (ABB B23: 0.1 V,
# 0.01 A, 0.01 Hz, 0.001 power factor shown as 0.01; iEM3000 floats alike).
_PRECISION = {"voltage": 1, "current": 2, "power_factor": 2, "frequency": 2}


def meter_descriptions(
    meter_type: str,
) -> dict[Platform, tuple[EntityDescription, ...]]:
    """The sensors of a meter of `meter_type`."""
    power_key, import_key, export_key = _ROLE_KEYS[meter_type]
    sensors: list[Sensor] = [
        register_power("power", translation_key=power_key),
        *(
            register_lifetime_energy(
                key,
                max_kwh_per_hour=_MAX_KWH_PER_HOUR,
                translation_key=translation_key,
                suggested_display_precision=2,
            )
            for key, translation_key in (
                ("energy_import", import_key),
                ("energy_export", export_key),
            )
        ),
    ]
    for phase in ("l1", "l2", "l3"):
        sensors.append(
            register_measurement(
                f"voltage_{phase}",
                translation_key=f"meter_voltage_{phase}",
                device_class=SensorDeviceClass.VOLTAGE,
                unit=UnitOfElectricPotential.VOLT,
                suggested_display_precision=_PRECISION["voltage"],
            )
        )
        sensors.append(
            register_measurement(
                f"current_{phase}",
                translation_key=f"meter_current_{phase}",
                device_class=SensorDeviceClass.CURRENT,
                unit=UnitOfElectricCurrent.AMPERE,
                suggested_display_precision=_PRECISION["current"],
            )
        )
    sensors.append(
        register_measurement(
            "power_factor",
            translation_key="meter_power_factor",
            device_class=SensorDeviceClass.POWER_FACTOR,
            unit=None,
            suggested_display_precision=_PRECISION["power_factor"],
        )
    )
    sensors.append(
        register_measurement(
            "frequency",
            translation_key="meter_frequency",
            device_class=SensorDeviceClass.FREQUENCY,
            unit=UnitOfFrequency.HERTZ,
            suggested_display_precision=_PRECISION["frequency"],
        )
    )
    return {Platform.SENSOR: tuple(sensors)}
