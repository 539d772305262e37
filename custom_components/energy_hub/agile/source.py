"""What an Octopus Agile config entry runs: the price coordinator, its plan and entities."""

from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from ..device_source import DeviceSource, describe_entities
from ..source import EnergyHubConfigEntry
from .client import OctopusClient
from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_BATTERY_ENTRY,
    CONF_LOAD_ENTITY,
    CONF_POSTCODE,
    CONF_PRICE_SOURCE,
    CONF_PV_ENTITY,
    DEFAULT_API_URL,
    STORE_VERSION,
    PriceSource,
)
from .coordinator import AgileCoordinator
from .entities import (
    BINARY_SENSORS,
    NUMBERS,
    PLAN_PLATFORMS,
    SENSORS,
    AgileSensor,
    plan_control_entities,
)
from .history import Forecaster, default_load_entity
from .runner import AgileRunner, async_load_runner, runner_store


class AgileSource(DeviceSource):
    """The "Octopus Agile" device: prices, the threshold and the plan."""

    coordinator: AgileCoordinator
    # Where the home is; the API key is among the shared credentials.
    redact = frozenset({CONF_POSTCODE})

    def __init__(
        self,
        entry: EnergyHubConfigEntry,
        coordinator: AgileCoordinator,
        runner: AgileRunner,
    ):
        """Describe the device; its unique ids start with the entry id."""
        device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name="Octopus Agile",
            manufacturer="Octopus Energy",
            model=coordinator.settings.product or "Agile",
            entry_type=DeviceEntryType.SERVICE,
        )
        super().__init__(
            coordinator,
            device_info,
            entry.entry_id,
            {
                Platform.SENSOR: SENSORS,
                Platform.BINARY_SENSOR: BINARY_SENSORS,
                Platform.NUMBER: NUMBERS,
            },
        )
        # The plan's controls, calendar and charge-slot sensor (part 2).
        self.runner = runner
        self.platforms = (*self.platforms, *PLAN_PLATFORMS)

    @override
    def entities(self, platform: Platform) -> list[Entity]:
        """The platform's entities; sensors keep their plan attributes unrecorded."""
        controls = plan_control_entities(
            platform, self.runner, self.device_info, self.unique_id_prefix
        )
        if platform is Platform.SENSOR:
            return controls + [
                AgileSensor(
                    self.coordinator,
                    description,
                    self.device_info,
                    self.unique_id_prefix,
                )
                for description in SENSORS
                if description.has_fn(self.coordinator.data)
            ]
        if platform not in self.descriptions:
            return controls
        return controls + describe_entities(
            platform,
            self.descriptions.get(platform, ()),
            self.coordinator,
            self.device_info,
            self.unique_id_prefix,
        )

    @override
    async def async_unload(self) -> None:
        """Put the battery's settings back, stop updating, withdraw the repair issue."""
        await self.runner.async_shutdown_executor()
        await self.coordinator.async_unload()

    @override
    def diagnostics(self) -> dict[str, Any]:
        """Prices known, the last request's outcome and the plan."""
        coordinator = self.coordinator
        return {
            "last_update_success": coordinator.last_update_success,
            "last_error": coordinator.last_error,
            "price_source": coordinator.settings.price_source.value,
            "requests": None
            if coordinator.client is None
            else coordinator.client.requests,
            "load_entity": coordinator.forecaster.load_entity,
            "pv_entity": coordinator.forecaster.pv_entity,
            "data": coordinator.data.as_dict(),
            "runner": self.runner.diagnostics(),
        }


def price_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The entry's known prices and threshold (`energy_hub.agile.<entry id>`)."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.agile.{entry_id}")


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> AgileSource:
    """Load the stored prices, read what is missing, plan, describe the device."""
    client: OctopusClient | None = None
    if entry.data.get(CONF_PRICE_SOURCE, PriceSource.OCTOPUS_API) == (
        PriceSource.OCTOPUS_API
    ):
        client = OctopusClient(
            async_get_clientsession(hass),
            api_key=entry.data.get(CONF_API_KEY) or None,
            base_url=entry.data.get(CONF_API_URL) or DEFAULT_API_URL,
        )
    battery_entry_id = entry.data.get(CONF_BATTERY_ENTRY)
    forecaster = Forecaster(
        hass,
        load_entity=entry.options.get(CONF_LOAD_ENTITY)
        or default_load_entity(hass, battery_entry_id),
        pv_entity=entry.options.get(CONF_PV_ENTITY),
    )
    coordinator = AgileCoordinator(
        hass, entry, client, price_store(hass, entry.entry_id), forecaster
    )
    runner = await async_load_runner(hass, entry, coordinator)
    await coordinator.async_config_entry_first_refresh()
    await runner.async_refresh()
    runner.async_start()
    return AgileSource(entry, coordinator, runner)


async def async_remove_source(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The entry is deleted: delete its stored prices, executor state and manual slots."""
    await price_store(hass, entry.entry_id).async_remove()
    await runner_store(hass, entry.entry_id).async_remove()
