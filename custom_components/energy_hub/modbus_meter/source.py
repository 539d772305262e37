"""What a Modbus meter config entry keeps in `entry.runtime_data`."""

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import DOMAIN
from ..modbus.source import ModbusSource
from ..source import EnergyHubConfigEntry
from .const import CONF_METER_TYPE, CONF_PRESET, CONF_REGISTER_MAP, CONF_UNIT_ID
from .coordinator import MeterCoordinator
from .entities import meter_descriptions
from .meter import ModbusMeter, meter_map_for


class MeterSource(ModbusSource):
    """One meter, one coordinator, one connection."""

    coordinator: MeterCoordinator


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> MeterSource:
    """Poll the meter with its map; entities follow the meter type."""
    meter_map = meter_map_for(
        entry.data[CONF_PRESET], entry.data.get(CONF_REGISTER_MAP)
    )
    meter = ModbusMeter(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_UNIT_ID],
        meter_map,
    )
    coordinator = MeterCoordinator(hass, entry, meter)
    await coordinator.async_config_entry_first_refresh()
    unique_id = entry.unique_id or entry.entry_id
    device_info = DeviceInfo(
        identifiers={(DOMAIN, unique_id)},
        manufacturer=meter_map.model.split(" ", 1)[0],
        model=meter_map.model,
        # Several meters are common (grid, solar, a zone): each device is named
        # after its entry ("ABB B23 (grid)") so entity ids tell them apart.
        name=entry.title,
    )
    return MeterSource(
        coordinator,
        device_info,
        unique_id,
        meter_descriptions(entry.data[CONF_METER_TYPE]),
    )
