"""Errors every source's device client raises; Home-Assistant-free.

Each protocol client maps its library's exceptions onto these, so the
coordinator and the control-entity decorator translate them in one place.
"""


class EnergyHubError(Exception):
    """Base class of the errors a device client raises."""


class DeviceConnectionError(EnergyHubError):
    """The device could not be reached, timed out or answered garbage."""


class DeviceAuthError(EnergyHubError):
    """The device refused the stored credentials."""


class DeviceRateLimitedError(EnergyHubError):
    """The device asked us to slow down (HTTP 429 or a lock-out).

    `retry_after` is how many seconds the device asked us to wait, when it
    said; the coordinator waits that long before its next poll.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Keep the device's message and its requested pause."""
        super().__init__(message)
        self.retry_after = retry_after


class DeviceRejectedError(EnergyHubError):
    """The device refused a command or a value."""


class WriteVerifyError(EnergyHubError):
    """A written value did not read back as written."""
