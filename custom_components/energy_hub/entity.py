"""Base entity of every Energy Hub entity."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)


class EnergyHubEntity(CoordinatorEntity[DataUpdateCoordinator[Any]]):
    """An entity described by an `EntityDescription`, on one device.

    `unique_id` is `<unique_id_prefix>_<description.key>`; the prefix is the
    device's own identity (serial, DIN, entry id), so it survives a change of
    IP address or a reconfigure.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        description: EntityDescription,
        device_info: DeviceInfo,
        unique_id_prefix: str,
    ) -> None:
        """Initialise the entity for one description on one device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_id_prefix}_{description.key}"
