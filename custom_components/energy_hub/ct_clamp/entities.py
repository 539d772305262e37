"""The CT clamp source's entities: per channel, per role and per board."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, override

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfTime,
)
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..number import EnergyHubNumber, EnergyHubNumberEntityDescription
from ..sensor import (
    EnergyHubSensor,
    EnergyHubSensorEntityDescription,
    SensorValue,
    diagnostic_description,
    measurement_description,
    power_description,
)
from .coordinator import CtClampCoordinator
from .model import CALIBRATION_RANGE, TOTAL, CtBoard, valid_calibration

type CtSensorDescription = EnergyHubSensorEntityDescription[CtBoard]
type CtNumberDescription = EnergyHubNumberEntityDescription[CtClampCoordinator, CtBoard]


@dataclass(frozen=True, kw_only=True)
class CtRestoredSensorEntityDescription(EnergyHubSensorEntityDescription[CtBoard]):
    """A value the board does not keep; `restore_fn` hands it back after a restart."""

    restore_fn: Callable[[CtBoard, SensorValue], None]


class CtRestoredSensor(EnergyHubSensor):
    """A value Energy Hub derives itself from the board's posts.

    The board keeps no counter, so after a restart (or a reload) each energy
    total continues from the larger of its value in the board's Store
    (loaded before the entities) and the value this sensor restores, and
    the last post's time comes back so that a re-sent post is a duplicate.
    No `lifetime_total` guard: `CtBoard` only ever adds finite, non-negative
    energy, and a total of 0 before the first integrated post is a true
    value, not a glitch.
    """

    entity_description: CtRestoredSensorEntityDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Hand the restored value back to the board, then show it."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and last.native_value is not None:
            self.entity_description.restore_fn(self.coordinator.data, last.native_value)
            self._read()


class CtCalibrationNumber(EnergyHubNumber[CtClampCoordinator], RestoreNumber):
    """A channel's calibration factor; kept by Home Assistant, not the board."""

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the factor set before a restart, if it is one a channel takes.

        A restored value that is not a finite number in range (an older
        release let `nan` through) is ignored: the channel keeps 1.0.
        """
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is None or last.native_value is None:
            return
        if not valid_calibration(last.native_value):
            LOGGER.warning(
                "%s: ignored the restored calibration %s (not from %g to %g)",
                self.entity_id,
                last.native_value,
                *CALIBRATION_RANGE,
            )
            return
        await self.entity_description.set_fn(self.coordinator, last.native_value)

    @property
    @override
    def available(self) -> bool:
        """Settable while the board is silent too."""
        return self.native_value is not None


def _restore_kwh(
    restore_fn: Callable[[CtBoard, float], None],
) -> Callable[[CtBoard, SensorValue], None]:
    def restore(board: CtBoard, value: SensorValue) -> None:
        if isinstance(value, (int, float, Decimal)):
            restore_fn(board, float(value))

    return restore


def _restore_last_timestamp(board: CtBoard, value: SensorValue) -> None:
    if isinstance(value, datetime):
        board.restore_last_timestamp(value.timestamp(), dt_util.utcnow().timestamp())


def _energy(
    key: str,
    translation_key: str,
    value_fn: Callable[[CtBoard], float],
    restore_fn: Callable[[CtBoard, float], None],
    **extra: Any,
) -> CtRestoredSensorEntityDescription:
    return CtRestoredSensorEntityDescription(
        key=key,
        translation_key=translation_key,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        value_fn=value_fn,
        restore_fn=_restore_kwh(restore_fn),
        **extra,
    )


def _role_energy(role: str, **extra: Any) -> CtRestoredSensorEntityDescription:
    """`role` is a `ChannelRole` value or `TOTAL`."""
    return _energy(
        f"{role}_energy",
        "total_energy" if role == TOTAL else f"{role}_clamps_energy",
        lambda board: board.role_energy_kwh[role],
        lambda board, kwh: board.restore_role_energy(role, kwh),
        **extra,
    )


def _role_power(role: str | None) -> CtSensorDescription:
    """Sum of the power of a role's channels (all channels when None)."""
    return power_description(
        f"{role or TOTAL}_power",
        lambda board: board.role_power(role),
        translation_key=f"{role}_clamps_power" if role else "total_power",
        suggested_display_precision=0,
    )


def _last_update(board: CtBoard) -> datetime | None:
    """When the last post counts from (never ahead of Home Assistant's clock)."""
    if board.last_time is None:
        return None
    return dt_util.utc_from_timestamp(board.last_time)


def _gap_attributes(board: CtBoard) -> dict[str, Any]:
    return {
        "gaps": board.gaps,
        "gap_seconds": round(board.device.gap_seconds),
        "refused_readings": board.refused_readings,
    }


def channel_sensor_descriptions(board: CtBoard) -> list[CtSensorDescription]:
    """Current, power and energy of every channel.

    Keys start with `channel_<id>_`, so a channel may be called `grid` or
    `total` without clashing with the board's totals.
    """
    descriptions: list[CtSensorDescription] = []
    for channel_id, state in board.channels.items():
        placeholders = {"channel": state.config.name}
        prefix = f"channel_{channel_id}"

        def current(board: CtBoard, channel_id: str = channel_id) -> float | None:
            return board.channels[channel_id].current_a

        def power(board: CtBoard, channel_id: str = channel_id) -> float | None:
            return board.power(channel_id)

        def energy(board: CtBoard, channel_id: str = channel_id) -> float:
            return board.channel_energy_kwh[channel_id]

        def restore(board: CtBoard, kwh: float, channel_id: str = channel_id) -> None:
            board.restore_channel_energy(channel_id, kwh)

        def gaps(board: CtBoard, channel_id: str = channel_id) -> dict[str, Any]:
            state = board.channels[channel_id]
            return {
                "gaps": state.integrator.gaps + state.refused,
                "gap_seconds": round(state.integrator.gap_seconds),
                "refused_readings": state.refused,
            }

        descriptions += [
            measurement_description(
                f"{prefix}_current",
                current,
                device_class=SensorDeviceClass.CURRENT,
                unit=UnitOfElectricCurrent.AMPERE,
                translation_key="channel_current",
                translation_placeholders=placeholders,
                suggested_display_precision=2,
            ),
            power_description(
                f"{prefix}_power",
                power,
                translation_key="channel_power",
                translation_placeholders=placeholders,
                suggested_display_precision=0,
            ),
            _energy(
                f"{prefix}_energy",
                "channel_energy",
                energy,
                restore,
                translation_placeholders=placeholders,
                attributes_fn=gaps,
            ),
        ]
    return descriptions


def board_sensor_descriptions(board: CtBoard) -> list[CtSensorDescription]:
    """Totals, per-role totals and the board's health."""
    descriptions: list[CtSensorDescription] = [
        _role_power(None),
        _role_energy(TOTAL, attributes_fn=_gap_attributes),
    ]
    for role in board.roles():
        descriptions += [_role_power(role.value), _role_energy(role.value)]
    descriptions += [
        CtRestoredSensorEntityDescription(
            key="last_update",
            translation_key="last_update",
            device_class=SensorDeviceClass.TIMESTAMP,
            value_fn=_last_update,
            restore_fn=_restore_last_timestamp,
        ),
        diagnostic_description(
            "gaps",
            lambda board: board.gaps,
            state_class=SensorStateClass.TOTAL_INCREASING,
            attributes_fn=_gap_attributes,
            suggested_display_precision=0,
        ),
        measurement_description(
            "wifi_rssi",
            lambda board: board.wifi_rssi,
            device_class=SensorDeviceClass.SIGNAL_STRENGTH,
            unit=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
            entity_category=EntityCategory.DIAGNOSTIC,
            suggested_display_precision=0,
        ),
        diagnostic_description(
            "uptime",
            lambda board: board.uptime_s,
            device_class=SensorDeviceClass.DURATION,
            native_unit_of_measurement=UnitOfTime.SECONDS,
            suggested_unit_of_measurement=UnitOfTime.HOURS,
            suggested_display_precision=2,
        ),
    ]
    return descriptions


def calibration_descriptions(board: CtBoard) -> list[CtNumberDescription]:
    """A calibration factor per channel, applied to its current."""
    descriptions: list[CtNumberDescription] = []
    for channel_id, state in board.channels.items():

        def value(board: CtBoard, channel_id: str = channel_id) -> float:
            return board.channels[channel_id].calibration

        async def set_factor(
            coordinator: CtClampCoordinator,
            factor: float,
            channel_id: str = channel_id,
        ) -> None:
            coordinator.data.set_calibration(channel_id, factor)

        descriptions.append(
            EnergyHubNumberEntityDescription[CtClampCoordinator, CtBoard](
                key=f"channel_{channel_id}_calibration",
                translation_key="channel_calibration",
                translation_placeholders={"channel": state.config.name},
                entity_category=EntityCategory.CONFIG,
                native_min_value=CALIBRATION_RANGE[0],
                native_max_value=CALIBRATION_RANGE[1],
                native_step=0.001,
                mode=NumberMode.BOX,
                value_fn=value,
                set_fn=set_factor,
            )
        )
    return descriptions
