"""Every entity of an OCR meter, as descriptions; and the meter's own sensor."""

from datetime import timedelta
from typing import Any, override

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    UnitOfVolume,
)
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..button import EnergyHubButtonEntityDescription
from ..image import EnergyHubImageEntityDescription
from ..lifetime_total import GuardState
from ..sensor import (
    EnergyHubSensor,
    EnergyHubSensorEntityDescription,
    diagnostic_description,
    lifetime_energy_description,
)
from .const import MeterKind
from .coordinator import (
    REASON_CAMERA_UNAVAILABLE,
    REASON_CROSS_CHECK,
    OcrCoordinator,
    OcrData,
)
from .result import RejectReason

# Every reason the last-rejection sensor can show (its translated states).
REJECTION_REASONS = [
    *(str(reason) for reason in RejectReason),
    REASON_CAMERA_UNAVAILABLE,
    REASON_CROSS_CHECK,
]
# The reading is never stale: a camera that is away leaves the last good
# value in place (its time is an attribute), as a meter's face would.
NEVER_STALE = timedelta.max


def _always(_: OcrData) -> bool:
    """Shown whenever the meter is set up: None reads "unknown" (nothing yet)."""
    return True


def _reading_attributes(data: OcrData) -> dict[str, Any]:
    return {
        "last_reading": None if data.read_at is None else data.read_at.isoformat(),
        "backend": data.backend,
    }


def meter_description(
    kind: MeterKind, max_rate: float, decimals: int
) -> EnergyHubSensorEntityDescription[OcrData]:
    """The meter's reading: Energy-dashboard-ready, through the core's guard.

    Shown with as many decimals as the counter has.
    """
    common: dict[str, Any] = {
        "stale_after": NEVER_STALE,
        "attributes_fn": _reading_attributes,
        "suggested_display_precision": decimals,
    }
    if kind is MeterKind.ELECTRICITY:
        return lifetime_energy_description(
            "meter_reading",
            lambda data: data.new_value,
            max_kwh_per_hour=max_rate,
            translation_key="ocr_meter_reading",
            **common,
        )
    return EnergyHubSensorEntityDescription[OcrData](
        key="meter_reading",
        translation_key="ocr_meter_reading",
        device_class=SensorDeviceClass.GAS
        if kind is MeterKind.GAS
        else SensorDeviceClass.WATER,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        lifetime_total=True,
        max_rate=max_rate,
        value_fn=lambda data: data.new_value,
        **common,
    )


def sensor_descriptions(
    kind: MeterKind, max_rate: float, decimals: int
) -> tuple[EnergyHubSensorEntityDescription[OcrData], ...]:
    """The reading, its confidence, and what went wrong last."""
    return (
        meter_description(kind, max_rate, decimals),
        EnergyHubSensorEntityDescription[OcrData](
            key="confidence",
            translation_key="ocr_confidence",
            native_unit_of_measurement=PERCENTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            value_fn=lambda data: (
                None if data.confidence is None else round(data.confidence * 100, 1)
            ),
            available_fn=_always,
        ),
        diagnostic_description(
            "last_raw_reading",
            lambda data: data.raw,
            translation_key="ocr_last_raw_reading",
            has_fn=_always,
            available_fn=_always,
        ),
        diagnostic_description(
            "last_rejection",
            lambda data: data.rejection,
            translation_key="ocr_last_rejection",
            device_class=SensorDeviceClass.ENUM,
            options=REJECTION_REASONS,
            has_fn=_always,
            available_fn=_always,
            attributes_fn=lambda data: {"detail": data.rejection_detail},
        ),
        diagnostic_description(
            "consecutive_failures",
            lambda data: data.failures,
            translation_key="ocr_consecutive_failures",
            state_class=SensorStateClass.MEASUREMENT,
            available_fn=_always,
            has_fn=_always,
        ),
    )


IMAGE_DESCRIPTIONS: tuple[EnergyHubImageEntityDescription[OcrData], ...] = (
    EnergyHubImageEntityDescription[OcrData](
        key="last_crop",
        translation_key="ocr_last_crop",
        image_fn=lambda data: data.crop,
        updated_fn=lambda data: data.crop_at,
    ),
)


async def _read_now(coordinator: OcrCoordinator) -> None:
    await coordinator.async_read_now()


BUTTON_DESCRIPTIONS: tuple[EnergyHubButtonEntityDescription[OcrCoordinator], ...] = (
    EnergyHubButtonEntityDescription[OcrCoordinator](
        key="read_now",
        translation_key="ocr_read_now",
        press_fn=_read_now,
    ),
)


class OcrMeterSensor(EnergyHubSensor):
    """The meter reading; a value the user sets is taken as is.

    Readings go through the core's guard like every counter; a seed from
    `energy_hub.set_meter_value` (the meter's face, read by a person)
    replaces the guard's state, so it may also correct a total downwards.
    """

    def __init__(
        self,
        coordinator: OcrCoordinator,
        description: EnergyHubSensorEntityDescription[OcrData],
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Remember which seed the guard already took."""
        super().__init__(coordinator, description, device_info, unique_id_prefix)
        self._seeded = coordinator.data.seeded

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        data: OcrData = self.coordinator.data
        if (
            data.seeded != self._seeded
            and data.value is not None
            and self._guard is not None
        ):
            self._seeded = data.seeded
            now = dt_util.utcnow().timestamp()
            self._guard.restore(GuardState(data.value, now, data.value))
            self._reported_at = dt_util.utcnow()
        super()._handle_coordinator_update()
