"""An Agile entry planning for a real battery entry, for the runner's tests.

The battery is one of the executor tests' rigs (Powerwall over NetZero or
FleetAPI, or a Sungrow, each on its simulator on 127.0.0.1); the prices
come from the Octopus simulator on Home Assistant's frozen clock.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
import datetime as dt
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.const import (
    CONF_API_URL,
    CONF_BATTERY_ENTRY,
    CONF_EXPORT,
    CONF_PRICE_SOURCE,
    CONF_PRODUCT,
    CONF_REGION,
    ExportTariff,
    PriceSource,
)
from custom_components.energy_hub.agile.runner import AgileRunner
from custom_components.energy_hub.const import (
    CONF_SOURCE,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    SourceKind,
)
from custom_components.energy_hub.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulators.octopus import OctopusSimulator

from .conftest import PRODUCT, REGION, move_to
from .test_executor import Rig

# Home Assistant's clock in the tests of the source: 10:10 UTC (UK winter).
DAY = dt.date(2026, 1, 13)


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment of the test day (UTC is UK time in January)."""
    return dt.datetime(
        DAY.year, DAY.month, DAY.day, hour, minute, second, tzinfo=dt.UTC
    )


def battery_agile_entry(
    simulator: OctopusSimulator, battery_entry_id: str | None, **data: Any
) -> MockConfigEntry:
    """An Agile entry as the flow writes it for an Energy Hub battery (fixed export)."""
    extra: dict[str, Any] = {}
    if battery_entry_id is not None:
        extra[CONF_BATTERY_ENTRY] = battery_entry_id
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Octopus Agile (region {REGION})",
        unique_id=battery_entry_id or "no_battery",
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
        data={
            CONF_SOURCE: SourceKind.AGILE.value,
            CONF_PRICE_SOURCE: PriceSource.OCTOPUS_API.value,
            CONF_API_URL: f"{simulator.url}/v1",
            CONF_REGION: REGION,
            CONF_PRODUCT: PRODUCT,
            CONF_EXPORT: ExportTariff.FIXED.value,
            "export_price": 0.15,
            **extra,
            **data,
        },
        options=(
            {}
            if battery_entry_id is not None
            else {
                "capacity_kwh": 13.5,
                "reserve_percent": 5.0,
                "max_charge_kw": 5.0,
                "max_discharge_kw": 5.0,
                "efficiency_percent": 95.0,
            }
        ),
    )


@dataclass
class Agile:
    """The Agile entry over a rig, and what the tests do with it."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    octopus: OctopusSimulator
    rig: Rig
    entry: MockConfigEntry

    @property
    def runner(self) -> AgileRunner:
        """The entry's runner (while loaded)."""
        runner: AgileRunner = self.entry.runtime_data.runner
        return runner

    async def setup(self) -> None:
        """Set the entry up (again) and let its first tick run."""
        if self.entry.entry_id not in {
            e.entry_id for e in self.hass.config_entries.async_entries(DOMAIN)
        }:
            self.entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def unload(self) -> None:
        """Unload the entry (it restores the battery)."""
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def move_to(self, moment: dt.datetime) -> None:
        """Move Home Assistant's clock and run what is due (ticks, polls)."""
        await move_to(self.hass, self.freezer, moment)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def call(
        self, service: str, response: bool = False, **data: Any
    ) -> dict[str, Any] | None:
        """Call an Energy Hub action for this entry."""
        result = await self.hass.services.async_call(
            DOMAIN,
            service,
            {"config_entry_id": self.entry.entry_id, **data},
            blocking=True,
            return_response=response,
        )
        await self.hass.async_block_till_done(wait_background_tasks=True)
        return None if result is None else dict(result)

    async def set_mode(self, option: str) -> None:
        """Choose the mode with the select, as a user does."""
        await self.hass.services.async_call(
            "select",
            "select_option",
            {
                "entity_id": self.entity_id(Platform.SELECT, "agile_mode"),
                "option": option,
            },
            blocking=True,
        )
        await self.hass.async_block_till_done(wait_background_tasks=True)

    def entity_id(self, platform: Platform, key: str) -> str:
        """The entity id of the entry's entity `key`."""
        found = er.async_get(self.hass).async_get_entity_id(
            platform, DOMAIN, f"{self.entry.entry_id}_{key}"
        )
        assert found is not None, key
        return found

    def state(self, platform: Platform, key: str) -> str:
        """The state of the entry's entity `key`."""
        current = self.hass.states.get(self.entity_id(platform, key))
        assert current is not None, key
        return current.state

    async def log(self) -> list[dict[str, Any]]:
        """The executor's log of saved, applied and restored settings (diagnostics)."""
        diagnostics = await async_get_config_entry_diagnostics(self.hass, self.entry)
        log: list[dict[str, Any]] = diagnostics["source"]["runner"]["executor"]["log"]
        return log

    async def settings(self) -> dict[str, Any]:
        """The battery's settings now."""
        return (await self.rig.controller.read_settings()).as_dict()


@pytest.fixture
async def agile(
    octopus: OctopusSimulator,
    rig: Rig,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
) -> AsyncGenerator[Agile]:
    """An Agile entry planning for the rig's battery, loaded at 10:10."""
    made = Agile(
        hass, freezer, octopus, rig, battery_agile_entry(octopus, rig.entry.entry_id)
    )
    yield made
    if made.entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(made.entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
