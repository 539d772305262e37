"""Sensor platform: one generic sensor class; each source describes its own."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
import math
from typing import Any, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntityDescription,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .entity import EnergyHubEntity
from .lifetime_total import GuardState, LifetimeTotal, Rebase
from .source import EnergyHubConfigEntry

PARALLEL_UPDATES = 0

type SensorValue = StateType | date | datetime | Decimal


@dataclass(frozen=True, kw_only=True)
class EnergyHubSensorEntityDescription[DataT](SensorEntityDescription):
    """A sensor read from a coordinator's data.

    `lifetime_total` marks counters that go through the core's guard
    (`LifetimeTotal`: never down, never a jump, a replaced meter rebased); the
    guard's state is restored, with its time, across restarts. `max_rate`
    bounds a guarded counter's growth per hour (unit per hour);
    `daily_reset` marks a counter that restarts at local midnight.
    `stale_after`: a guarded counter the device stops reporting for this long
    becomes unavailable (default three poll intervals; the guard keeps the
    value for when it returns).
    `available_fn`, when set, decides availability instead of the value: a
    None value then reads "unknown" (the device answered, it has no value yet).
    """

    value_fn: Callable[[DataT], SensorValue]
    has_fn: Callable[[DataT], bool] = lambda _: True
    available_fn: Callable[[DataT], bool] | None = None
    attributes_fn: Callable[[DataT], Mapping[str, Any] | None] | None = None
    lifetime_total: bool = False
    max_rate: float | None = None
    daily_reset: bool = False
    stale_after: timedelta | None = None


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


def measurement_description[DataT](
    key: str,
    value_fn: Callable[[DataT], SensorValue],
    *,
    device_class: SensorDeviceClass | None,
    unit: str | None,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """An instantaneous value (voltage, current, temperature, …) of a device."""
    return EnergyHubSensorEntityDescription[DataT](
        key=key,
        translation_key=translation_key or key,
        device_class=device_class,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=unit,
        value_fn=value_fn,
        **kwargs,
    )


def power_description[DataT](
    key: str,
    value_fn: Callable[[DataT], SensorValue],
    *,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """A power flow in W, signed as the source documents it."""
    return measurement_description(
        key,
        value_fn,
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        translation_key=translation_key,
        **kwargs,
    )


def diagnostic_description[DataT](
    key: str,
    value_fn: Callable[[DataT], SensorValue],
    *,
    translation_key: str | None = None,
    **kwargs: Any,
) -> EnergyHubSensorEntityDescription[DataT]:
    """A diagnostic figure of the device, created only where it reports one."""
    return EnergyHubSensorEntityDescription[DataT](
        key=key,
        translation_key=translation_key or key,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        **{"has_fn": lambda data: value_fn(data) is not None, **kwargs},
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.SENSOR))


@dataclass
class GuardedSensorExtraStoredData(SensorExtraStoredData):
    """A sensor's restore data plus its guard's state (value, time, raw, offset)."""

    guard: GuardState

    @override
    def as_dict(self) -> dict[str, Any]:
        """The sensor's own restore data with the guard's state under `guard`."""
        return {**super().as_dict(), "guard": self.guard.as_dict()}


def _reading(value: SensorValue) -> float | None:
    """A counter's value as a number (None: not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return float(value)


class EnergyHubSensor(EnergyHubEntity[DataUpdateCoordinator[Any]], RestoreSensor):
    """A sensor whose value comes from its description's `value_fn`."""

    entity_description: EnergyHubSensorEntityDescription[Any]
    # Changes on every poll of a rebased counter: not worth a database row each.
    _unrecorded_attributes = frozenset({"raw_reading"})

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        description: EnergyHubSensorEntityDescription[Any],
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise; a guarded counter reads only once its state is restored."""
        super().__init__(coordinator, description, device_info, unique_id_prefix)
        self._guard: LifetimeTotal | None = None
        self._reported_at: datetime | None = None
        if description.lifetime_total:
            self._guard = LifetimeTotal(
                description.max_rate,
                daily_tz=dt_util.get_default_time_zone()
                if description.daily_reset
                else None,
            )
        else:
            self._read()

    @override
    async def async_added_to_hass(self) -> None:
        """Restore a guarded counter first, so the first reading is checked too."""
        await super().async_added_to_hass()
        if self._guard is None:
            return
        self._guard.restore(await self._async_restored_guard_state())
        if self._guard.published is not None:
            self._reported_at = dt_util.utcnow()
        self._read()

    async def _async_restored_guard_state(self) -> GuardState | None:
        if (extra := await self.async_get_last_extra_data()) is None:
            return None
        stored = extra.as_dict()
        if (state := GuardState.from_dict(stored.get("guard"))) is not None:
            return state
        # Restore data of Energy Hub 0.1 holds the value only: its time is
        # that of the last state Home Assistant saved.
        value = _reading(stored.get("native_value"))
        if value is None or not math.isfinite(value) or value <= 0:
            return None
        last_state = await self.async_get_last_state()
        at = None if last_state is None else last_state.last_updated.timestamp()
        return GuardState(value, at, value)

    @property
    @override
    def extra_restore_state_data(self) -> SensorExtraStoredData:
        """Persist the guard's state next to the sensor's value."""
        sensor_data = super().extra_restore_state_data
        if self._guard is None or self._guard.state is None:
            return sensor_data
        return GuardedSensorExtraStoredData(
            sensor_data.native_value,
            sensor_data.native_unit_of_measurement,
            self._guard.state,
        )

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        self._read()
        super()._handle_coordinator_update()

    def _read(self) -> None:
        data = self.coordinator.data
        if data is None:
            return
        description = self.entity_description
        value = description.value_fn(data)
        attributes = (
            dict(description.attributes_fn(data) or {})
            if description.attributes_fn is not None
            else None
        )
        if self._guard is not None:
            value = self._guard_reading(self._guard, _reading(value))
            state = self._guard.state
            if state is not None and state.offset:
                attributes = (attributes or {}) | {"raw_reading": state.raw}
        self._attr_native_value = value
        if attributes is not None:
            self._attr_extra_state_attributes = attributes

    def _guard_reading(
        self, guard: LifetimeTotal, reading: float | None
    ) -> float | None:
        """Pass a counter's reading through the guard; return what to publish."""
        now = dt_util.utcnow()
        if (
            reading is not None
            and math.isfinite(reading)
            and (reading > 0 or (reading == 0 and guard.daily_tz is not None))
        ):
            self._reported_at = now
        if (rebase := guard.accept(reading, now.timestamp())) is not None:
            self._report_rebase(rebase)
        return guard.published

    def _report_rebase(self, rebase: Rebase) -> None:
        """Say once that a counter changed under us, and what was done about it."""
        if self.hass is None:
            return
        name = self.entity_id or self.unique_id
        LOGGER.warning(
            "%s: the device's counter went from %s to %s and kept counting from"
            " there (meter replaced or reset?); the total continues from %s",
            name,
            rebase.previous_raw,
            rebase.new_raw,
            rebase.published,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"counter_rebased_{self.unique_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="counter_rebased",
            translation_placeholders={
                "entity_id": str(name),
                "previous": f"{rebase.previous_raw:g}",
                "new": f"{rebase.new_raw:g}",
                "published": f"{rebase.published:g}",
            },
        )

    def _stale_after(self) -> timedelta | None:
        if (stale_after := self.entity_description.stale_after) is not None:
            return stale_after
        interval = self.coordinator.update_interval
        return None if interval is None else 3 * interval

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        if not super().available or self.coordinator.data is None:
            return False
        if (available_fn := self.entity_description.available_fn) is not None:
            return available_fn(self.coordinator.data)
        if self._guard is not None and self._guard.published is not None:
            stale_after = self._stale_after()
            return (
                stale_after is None
                or self._reported_at is None
                or dt_util.utcnow() - self._reported_at <= stale_after
            )
        return self._attr_native_value is not None
