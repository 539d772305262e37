"""One place that turns device-client errors of control calls into UI errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .entity import EnergyHubEntity
from .errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
    EnergyHubError,
    WriteVerifyError,
)

_TRANSLATION_KEYS: tuple[tuple[type[EnergyHubError], str], ...] = (
    (DeviceAuthError, "invalid_auth"),
    (DeviceRateLimitedError, "rate_limited"),
    (DeviceRejectedError, "command_rejected"),
    (WriteVerifyError, "write_not_confirmed"),
    (DeviceConnectionError, "communication_error"),
    (EnergyHubError, "communication_error"),
)


def control_error_handler[EntityT: EnergyHubEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate a control call: translate errors, then show the confirmed value.

    After a write (successful or not) the coordinator reads the device again,
    so the entity always shows what the device reports, never what was asked.
    """

    async def handler(self: EntityT, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except EnergyHubError as err:
            key = next(k for cls, k in _TRANSLATION_KEYS if isinstance(err, cls))
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

    return handler
