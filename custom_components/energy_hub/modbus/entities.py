"""Sensor descriptions read straight from one register of a Modbus map.

Not Home-Assistant-free (like `source.py`): the Sungrow and Modbus-meter
sources describe most of their sensors with these. Each reads `number(key)`
of the poll's `ModbusData` and is created only where the device serves the
register (`has(key)`); `value_fn` / `has_fn` in `kwargs` override that.
Every measurement says how many decimals to show
(`suggested_display_precision`): powers in whole watts, the others as the
caller's register resolution says.
"""

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass

from ..sensor import (
    EnergyHubSensorEntityDescription,
    lifetime_energy_description,
    measurement_description,
    power_description,
)
from .registers import ModbusData


def _register_fns(key: str, kwargs: dict[str, Any]) -> None:
    """Default `value_fn` and `has_fn` of `kwargs` to register `key`."""
    kwargs.setdefault("value_fn", lambda data: data.number(key))
    kwargs.setdefault("has_fn", lambda data: data.has(key))


def register_measurement[DataT: ModbusData](
    key: str,
    *,
    device_class: SensorDeviceClass | None,
    unit: str | None,
    suggested_display_precision: int,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """An instantaneous value (voltage, current, temperature, …) of register `key`."""
    _register_fns(key, kwargs)
    return measurement_description(
        key,
        kwargs.pop("value_fn"),
        device_class=device_class,
        unit=unit,
        suggested_display_precision=suggested_display_precision,
        translation_key=translation_key,
        **kwargs,
    )


def register_power[DataT: ModbusData](
    key: str,
    *,
    suggested_display_precision: int = 0,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """A power in W from register `key`, signed as the source documents it."""
    _register_fns(key, kwargs)
    return power_description(
        key,
        kwargs.pop("value_fn"),
        suggested_display_precision=suggested_display_precision,
        translation_key=translation_key,
        **kwargs,
    )


def register_lifetime_energy[DataT: ModbusData](
    key: str, *, max_kwh_per_hour: float, **kwargs: Any
) -> EnergyHubSensorEntityDescription[DataT]:
    """A lifetime energy counter in kWh from register `key` (never backwards)."""
    _register_fns(key, kwargs)
    return lifetime_energy_description(
        key, kwargs.pop("value_fn"), max_kwh_per_hour=max_kwh_per_hour, **kwargs
    )
