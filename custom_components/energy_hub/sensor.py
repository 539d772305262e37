"""Sensor platform: one generic sensor class; each source describes its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
import time
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import Platform, UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import EnergyHubEntity
from .lifetime_total import LifetimeTotal
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0

type SensorValue = StateType | date | datetime | Decimal


@dataclass(frozen=True, kw_only=True)
class EnergyHubSensorEntityDescription[DataT](SensorEntityDescription):
    """A sensor read from a coordinator's data.

    `lifetime_total` marks counters that must never decrease (see
    `LifetimeTotal`); they also restore their last value across restarts.
    `max_rate` bounds a lifetime total's growth per hour (unit per hour).
    `available_fn`, when set, decides availability instead of the value: a
    None value then reads "unknown" (the device answered, it has no value yet).
    """

    value_fn: Callable[[DataT], SensorValue]
    has_fn: Callable[[DataT], bool] = lambda _: True
    available_fn: Callable[[DataT], bool] | None = None
    attributes_fn: Callable[[DataT], Mapping[str, Any] | None] | None = None
    lifetime_total: bool = False
    max_rate: float | None = None


def lifetime_energy_description[DataT](
    key: str,
    value_fn: Callable[[DataT], SensorValue],
    *,
    max_kwh_per_hour: float,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """A device's lifetime energy counter, as the Energy dashboard needs it.

    kWh, `total_increasing`, and guarded by `LifetimeTotal`: it never goes
    backwards, and a step above `max_kwh_per_hour` (the connection's largest
    plausible average kW) is withheld as a glitch.
    """
    return EnergyHubSensorEntityDescription[DataT](
        key=key,
        translation_key=translation_key or key,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        lifetime_total=True,
        max_rate=max_kwh_per_hour,
        value_fn=value_fn,
        **kwargs,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SENSOR))


class EnergyHubSensor(EnergyHubEntity, RestoreSensor):
    """A sensor whose value comes from its description's `value_fn`."""

    entity_description: EnergyHubSensorEntityDescription[Any]

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        description: EnergyHubSensorEntityDescription[Any],
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise and read the current value."""
        super().__init__(coordinator, description, device_info, unique_id_prefix)
        self._total = (
            LifetimeTotal(description.max_rate) if description.lifetime_total else None
        )
        self._read()

    async def async_added_to_hass(self) -> None:
        """Restore a lifetime total so a glitch right after a restart is caught."""
        await super().async_added_to_hass()
        if self._total is None:
            return
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, (int, float, Decimal)
        ):
            self._total.restore(float(last.native_value), None)
            self._read()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._read()
        super()._handle_coordinator_update()

    def _read(self) -> None:
        data = self.coordinator.data
        if data is None:
            return
        description = self.entity_description
        value = description.value_fn(data)
        if self._total is not None:
            value = self._total.accept(
                float(value) if isinstance(value, (int, float, Decimal)) else None,
                time.monotonic(),
            )
        self._attr_native_value = value
        if description.attributes_fn is not None:
            self._attr_extra_state_attributes = description.attributes_fn(data)

    @property
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        if not super().available or self.coordinator.data is None:
            return False
        if (available_fn := self.entity_description.available_fn) is not None:
            return available_fn(self.coordinator.data)
        return self._attr_native_value is not None
