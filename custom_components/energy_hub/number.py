"""Number platform: generic settable numbers; each source describes its own."""

from dataclasses import dataclass
import math
from typing import Any, override

from homeassistant.components.number import NumberEntity, NumberEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import DOMAIN
from .entity import EnergyHubControlDescription, EnergyHubControlEntity
from .source import EnergyHubConfigEntry

# Devices with one session (WiNet-S, gateways) take one write at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EnergyHubNumberEntityDescription[
    CoordinatorT: DataUpdateCoordinator[Any],
    DataT,
](NumberEntityDescription, EnergyHubControlDescription[CoordinatorT, DataT, float]):
    """A number read from a coordinator's data and written to the device."""


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers the entry's source provides."""
    async_add_entities(entry.runtime_data.entities(Platform.NUMBER))


class EnergyHubNumber[CoordinatorT: DataUpdateCoordinator[Any]](
    EnergyHubControlEntity[CoordinatorT, float], NumberEntity
):
    """A device setting as a number entity."""

    entity_description: EnergyHubNumberEntityDescription[CoordinatorT, Any]

    @property
    @override
    def native_value(self) -> float | None:
        """Return the value the device reports."""
        return self.reported_value

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Write the value to the device; refuse what is not a number in range.

        Home Assistant's own check lets `nan` through, and a device, a store
        or a cloud API must never receive one.
        """
        if not math.isfinite(value) or not (
            self.native_min_value <= value <= self.native_max_value
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="value_out_of_range",
                translation_placeholders={
                    "value": str(value),
                    "min": f"{self.native_min_value:g}",
                    "max": f"{self.native_max_value:g}",
                },
            )
        await self._async_write(value)
