"""A source made of one coordinator and one device: the common case."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, override

from homeassistant.const import Platform
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .binary_sensor import EnergyHubBinarySensor
from .number import EnergyHubNumber
from .select import EnergyHubSelect
from .sensor import EnergyHubSensor
from .source import EnergyHubSource
from .switch import EnergyHubSwitch

ENTITY_CLASSES: Mapping[Platform, type[Any]] = {
    Platform.SENSOR: EnergyHubSensor,
    Platform.BINARY_SENSOR: EnergyHubBinarySensor,
    Platform.NUMBER: EnergyHubNumber,
    Platform.SELECT: EnergyHubSelect,
    Platform.SWITCH: EnergyHubSwitch,
}


def describe_entities(
    platform: Platform,
    descriptions: Iterable[Any],
    coordinator: DataUpdateCoordinator[Any],
    device_info: DeviceInfo,
    unique_id_prefix: str,
) -> list[Entity]:
    """Create the entities of `descriptions` the device has (per `has_fn`)."""
    entity_cls = ENTITY_CLASSES[platform]
    return [
        entity_cls(coordinator, description, device_info, unique_id_prefix)
        for description in descriptions
        if description.has_fn(coordinator.data)
    ]


class DeviceSource(EnergyHubSource):
    """One coordinator, one device, and a tuple of descriptions per platform."""

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        device_info: DeviceInfo,
        unique_id_prefix: str,
        descriptions: Mapping[Platform, Sequence[EntityDescription]],
    ) -> None:
        """Keep what the platforms need to create this source's entities."""
        self.coordinator = coordinator
        self.device_info = device_info
        self.unique_id_prefix = unique_id_prefix
        self.descriptions = descriptions
        self.platforms = tuple(descriptions)

    @override
    def entities(self, platform: Platform) -> list[Entity]:
        """Return this device's entities of `platform`."""
        return describe_entities(
            platform,
            self.descriptions.get(platform, ()),
            self.coordinator,
            self.device_info,
            self.unique_id_prefix,
        )

    @override
    async def async_unload(self) -> None:
        """Stop polling."""
        await self.coordinator.async_shutdown()

    @override
    def device_identifiers(self) -> set[tuple[str, str]]:
        """The one device."""
        return set(self.device_info.get("identifiers", set()))

    @override
    def diagnostics(self) -> dict[str, Any]:
        """Return the last data the coordinator read."""
        data = self.coordinator.data
        return {
            "last_update_success": self.coordinator.last_update_success,
            "data": data.as_dict() if hasattr(data, "as_dict") else repr(data),
        }
