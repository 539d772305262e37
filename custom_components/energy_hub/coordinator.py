"""The coordinator every polled source uses: fetch plus error mapping."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER
from .errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    EnergyHubError,
)

if TYPE_CHECKING:
    from .source import EnergyHubConfigEntry


@contextmanager
def translate_setup_errors(device: str) -> Iterator[None]:
    """Turn a device client's errors while an entry sets up into HA's.

    A refused login starts reauth; anything else makes Home Assistant retry
    the setup later, with the reason shown on the entry.
    """
    try:
        yield
    except DeviceAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except EnergyHubError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"device": device, "error": str(err)},
        ) from err


class EnergyHubCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Poll one device; its client's errors become Home Assistant's.

    A failed poll marks the entities unavailable and is logged once by the
    base class (and once more when it recovers); a rejected login starts the
    reauth flow.
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

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the device once; raise an `EnergyHubError` on failure."""

    async def _async_update_data(self) -> DataT:
        try:
            return await self._async_fetch()
        except DeviceAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except DeviceRateLimitedError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"device": self.name},
            ) from err
        except (DeviceConnectionError, EnergyHubError) as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"device": self.name, "error": str(err)},
            ) from err
