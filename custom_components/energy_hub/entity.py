"""Base entities of every Energy Hub entity."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)

from .const import DOMAIN
from .errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
    EnergyHubError,
    WriteVerifyError,
)

# A control's failure as the UI tells it: the first class that matches.
_CONTROL_ERROR_KEYS: tuple[tuple[type[EnergyHubError], str], ...] = (
    (DeviceAuthError, "invalid_auth"),
    (DeviceRateLimitedError, "rate_limited"),
    (DeviceRejectedError, "command_rejected"),
    (WriteVerifyError, "write_not_confirmed"),
    (DeviceConnectionError, "communication_error"),
    (EnergyHubError, "communication_error"),
)


class EnergyHubEntity[CoordinatorT: DataUpdateCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity described by an `EntityDescription`, on one device.

    `unique_id` is `<unique_id_prefix>_<description.key>`; the prefix is the
    device's own identity (serial, DIN, entry id), so it survives a change of
    IP address or a reconfigure.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise the entity for one description on one device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_id_prefix}_{description.key}"


@dataclass(frozen=True, kw_only=True)
class EnergyHubControlDescription[CoordinatorT, DataT, ValueT](EntityDescription):
    """What every control description adds to Home Assistant's own.

    `value_fn` reads the setting from the coordinator's data; `set_fn`
    receives the source's own coordinator, writes and verifies (raising an
    `EnergyHubError` on failure); the entity then refreshes so it shows the
    value the device confirms.
    """

    value_fn: Callable[[DataT], ValueT | None]
    set_fn: Callable[[CoordinatorT, ValueT], Awaitable[None]]
    has_fn: Callable[[DataT], bool] = lambda _: True


class EnergyHubControlEntity[CoordinatorT: DataUpdateCoordinator[Any], ValueT](
    EnergyHubEntity[CoordinatorT]
):
    """A device setting: shows what the device reports, unavailable without it."""

    _control: EnergyHubControlDescription[CoordinatorT, Any, ValueT]

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EnergyHubControlDescription[CoordinatorT, Any, ValueT],
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise the control of one description."""
        super().__init__(coordinator, description, device_info, unique_id_prefix)
        self._control = description

    @property
    def reported_value(self) -> ValueT | None:
        """The setting as the device last reported it (None: not reported)."""
        data = self.coordinator.data
        return None if data is None else self._control.value_fn(data)

    async def _async_write(self, value: ValueT) -> None:
        """Write `value` through `set_fn`; then show what the device confirms.

        A device client's error becomes a translated error in the UI. After
        the write (successful or not) the coordinator reads the device again,
        so the entity always shows what the device reports, never what was
        asked.
        """
        try:
            await self._control.set_fn(self.coordinator, value)
        except EnergyHubError as err:
            key = next(k for cls, k in _CONTROL_ERROR_KEYS if isinstance(err, cls))
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders={
                    "device": self.coordinator.name,
                    "error": str(err),
                },
            ) from err
        finally:
            await self.coordinator.async_refresh()

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the device is offline or does not report this value."""
        return super().available and self.reported_value is not None
