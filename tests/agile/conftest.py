"""Fixtures of the Agile tests.

The planner, forecast, client and bench tests need no Home Assistant; the
tests of the source (entities, persistence, repairs, snapshots) run a real
one against the price simulator on 127.0.0.1.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
import datetime as dt
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.energy_hub.agile.client import UK
from custom_components.energy_hub.agile.const import (
    CONF_API_URL,
    CONF_EXPORT,
    CONF_EXPORT_PRODUCT,
    CONF_PRICE_SOURCE,
    CONF_PRODUCT,
    CONF_REGION,
    ExportTariff,
    PriceSource,
)
from custom_components.energy_hub.const import (
    CONF_SOURCE,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    SourceKind,
)
from simulators.octopus import OctopusSimulator

# Modules that test HA-free code: no Home Assistant is started for them.
HA_FREE_MODULES = frozenset(
    {"test_client.py", "test_planner.py", "test_forecast.py", "test_bench.py"}
)
PRODUCT = "AGILE-24-10-01"
EXPORT_PRODUCT = "AGILE-OUTGOING-BB-23-02-28"
REGION = "C"
# A Tuesday in winter (UK time is UTC), mid-morning: today's prices are
# published, tomorrow's come at 16:00.
MORNING = dt.datetime(2026, 1, 13, 10, 10, tzinfo=UK)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load Energy Hub, except in the HA-free tests."""
    if request.path.name not in HA_FREE_MODULES:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
async def octopus(
    loopback: None, freezer: FrozenDateTimeFactory
) -> AsyncIterator[OctopusSimulator]:
    """The price API on Home Assistant's (frozen) clock, generated prices."""
    freezer.move_to(MORNING)
    simulator = OctopusSimulator(data_dir=None, clock=dt_util.utcnow)
    async with simulator:
        yield simulator


def agile_entry(
    simulator: OctopusSimulator,
    *,
    entry_id: str | None = None,
    options: dict[str, Any] | None = None,
    **data: Any,
) -> MockConfigEntry:
    """An Agile entry as the config flow writes it, on the simulator (export: Agile Outgoing)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=f"Octopus Agile (region {REGION})",
        unique_id="no_battery",
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
        data={
            CONF_SOURCE: SourceKind.AGILE.value,
            CONF_PRICE_SOURCE: PriceSource.OCTOPUS_API.value,
            CONF_API_URL: f"{simulator.url}/v1",
            CONF_REGION: REGION,
            CONF_PRODUCT: PRODUCT,
            CONF_EXPORT: ExportTariff.AGILE_OUTGOING.value,
            CONF_EXPORT_PRODUCT: EXPORT_PRODUCT,
            **data,
        },
        options={
            "capacity_kwh": 13.5,
            "reserve_percent": 5.0,
            "max_charge_kw": 5.0,
            "max_discharge_kw": 5.0,
            "efficiency_percent": 95.0,
            **(options or {}),
        },
    )


type SetUp = Callable[[MockConfigEntry], Awaitable[MockConfigEntry]]


@pytest.fixture
def setup_entry(hass: HomeAssistant) -> SetUp:
    """Add an entry and set it up."""

    async def setup(entry: MockConfigEntry) -> MockConfigEntry:
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return entry

    return setup


async def move_to(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: dt.datetime
) -> None:
    """Move Home Assistant's clock (and the simulator's) and fire what is due."""
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    # The coordinator refreshes in a background task.
    await hass.async_block_till_done(wait_background_tasks=True)
