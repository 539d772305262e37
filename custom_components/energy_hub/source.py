"""What a config entry of any source kind keeps in `entry.runtime_data`."""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.helpers.entity import Entity

from .battery import BatteryController


class EnergyHubSource(ABC):
    """The running part of one source: its coordinator(s) and its entities.

    Each source package subclasses this; the shared platform modules ask it
    for the entities of their platform, so a source's entity definitions stay
    beside its protocol code.
    """

    platforms: tuple[Platform, ...] = (Platform.SENSOR,)
    # Extra keys redacted from this source's diagnostics.
    redact: frozenset[str] = frozenset()
    # Set by sources that can steer a battery (Powerwall, Sungrow).
    battery_controller: BatteryController | None = None

    @abstractmethod
    def entities(self, platform: Platform) -> Iterable[Entity]:
        """Return the entities of `platform` this source provides."""

    async def async_unload(self) -> None:  # noqa: B027 - optional hook
        """Release connections and listeners; called when the entry unloads."""

    def diagnostics(self) -> dict[str, Any]:
        """Return source-specific diagnostics (redacted by the caller)."""
        return {}

    def device_identifiers(self) -> set[tuple[str, str]]:
        """The identifiers of the devices this source provides now.

        A device of the entry that is not among them (a battery pack or an
        external meter that disappeared) can be deleted from the UI.
        """
        return set()


type EnergyHubConfigEntry = ConfigEntry[EnergyHubSource]
