"""What a Sungrow config entry keeps in `entry.runtime_data`."""

from typing import Any, override

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import DOMAIN
from ..modbus.source import ModbusSource
from ..source import EnergyHubConfigEntry
from .const import CONF_CONNECTION, CONF_UNIT_ID
from .coordinator import SungrowCoordinator
from .entities import DESCRIPTIONS, SENSORS
from .inverter import Connection, SungrowInverter


class SungrowSource(ModbusSource):
    """A Sungrow inverter; also steers its battery for the scheduler."""

    coordinator: SungrowCoordinator

    def __init__(self, coordinator: SungrowCoordinator) -> None:
        """Describe the identified inverter and hand out its battery control."""
        identity = coordinator.identity
        device_info = DeviceInfo(
            identifiers={(DOMAIN, identity.serial)},
            manufacturer="Sungrow",
            model=identity.model,
            serial_number=identity.serial,
            translation_key="sungrow_inverter",
        )
        super().__init__(coordinator, device_info, identity.serial, DESCRIPTIONS)
        self.battery_controller = coordinator.inverter

    @override
    def diagnostics(self) -> dict[str, Any]:
        """Add the device type code behind the model name."""
        identity = self.coordinator.identity
        return {
            **super().diagnostics(),
            "device_type": f"0x{identity.device_type:04X}",
            "serial": identity.serial,
        }


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> SungrowSource:
    """Identify the inverter and poll it."""
    inverter = SungrowInverter(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_UNIT_ID],
        Connection(entry.data[CONF_CONNECTION]),
    )
    coordinator = SungrowCoordinator(
        hass,
        entry,
        inverter,
        {
            sensor.key: sensor.entity_registry_enabled_default is not False
            for sensor in SENSORS
        },
    )
    await coordinator.async_config_entry_first_refresh()
    return SungrowSource(coordinator)
