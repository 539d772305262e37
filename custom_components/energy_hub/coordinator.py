"""The coordinator every polled source uses: set-up, fetch and error mapping."""

from abc import abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, NoReturn, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER
from .errors import DeviceAuthError, DeviceRateLimitedError, EnergyHubError

if TYPE_CHECKING:
    from .source import EnergyHubConfigEntry


class EnergyHubCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Poll one device; its client's errors become Home Assistant's.

    A source implements `_async_fetch` (one read of the device) and, when the
    device must be read once before polling (identity, login, stored
    settings), `_async_setup_device`. Both raise `EnergyHubError`s: a refused
    login starts reauth; anything else marks the entities unavailable (logged
    once by the base class, and once more when it recovers), or, during the
    first refresh, makes Home Assistant retry the set-up later with the reason
    shown on the entry.
    """

    config_entry: EnergyHubConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: EnergyHubConfigEntry,
        *,
        name: str,
        update_interval: timedelta | None,
    ) -> None:
        """Initialise a coordinator named after its device."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=name,
            update_interval=update_interval,
        )

    async def _async_setup_device(self) -> None:
        """Read what polling needs once (identity, login); nothing by default."""

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the device once; raise an `EnergyHubError` on failure."""

    @override
    async def _async_setup(self) -> None:
        try:
            await self._async_setup_device()
        except EnergyHubError as err:
            self._raise_translated(err)

    @override
    async def _async_update_data(self) -> DataT:
        try:
            return await self._async_fetch()
        except EnergyHubError as err:
            self._raise_translated(err)

    def _raise_translated(self, err: EnergyHubError) -> NoReturn:
        """Raise the Home Assistant error that stands for `err`."""
        if isinstance(err, DeviceAuthError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        if isinstance(err, DeviceRateLimitedError):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"device": self.name},
                retry_after=err.retry_after,
            ) from err
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"device": self.name, "error": str(err)},
        ) from err
