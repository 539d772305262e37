"""Fixtures of the CT clamp tests: a board entry, a client to post to its webhook."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import CONF_SOURCE, DOMAIN, SourceKind
from custom_components.energy_hub.ct_clamp.const import (
    CONF_ALLOW_EXTERNAL,
    CONF_CHANNELS,
    CONF_MAX_GAP,
    CONF_NAME,
    CONF_POWER_FACTOR,
    CONF_STALE_TIMEOUT,
    CONF_VOLTAGE,
    CONF_WEBHOOK_ID,
)

WEBHOOK_ID = "0123456789abcdef" * 4
# A fixed wall clock: post timestamps are checked against Home Assistant's.
START = datetime(2026, 11, 23, 0, 0, 0, tzinfo=dt_util.UTC)
T0 = START.timestamp()

CHANNELS = [
    {"id": "line_A", "name": "Mains", "role": "grid"},
    {"id": "line_B", "name": "Solar", "role": "solar"},
    {"id": "line_C", "name": "Heat pump", "role": "load"},
]
OPTIONS = {
    CONF_VOLTAGE: 230.0,
    CONF_POWER_FACTOR: 0.95,
    CONF_STALE_TIMEOUT: 300,
    CONF_MAX_GAP: 300,
}


def board_entry(
    *,
    allow_external: bool = False,
    entry_id: str | None = None,
    channels: list[dict[str, Any]] | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A CT clamp entry as the config flow writes it (`entry_id` fixed if given).

    `CHANNELS` store no rating, as entries written before ratings existed.
    """
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title="CT clamps",
        data={
            CONF_SOURCE: SourceKind.CT_CLAMP.value,
            CONF_NAME: "CT clamps",
            CONF_CHANNELS: CHANNELS if channels is None else channels,
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_ALLOW_EXTERNAL: allow_external,
        },
        options={**OPTIONS, **options},
    )


@dataclass
class Board:
    """A set-up board entry and a client posting to its webhook over HA's HTTP server."""

    hass: HomeAssistant
    entry: MockConfigEntry
    client: TestClient

    async def post(
        self,
        body: Any,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """POST `body` (JSON) or `raw` bytes; return the status and decoded answer."""
        path = f"/api/webhook/{self.entry.data[CONF_WEBHOOK_ID]}"
        if raw is not None:
            response = await self.client.post(
                path,
                data=raw,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
        else:
            response = await self.client.post(path, json=body)
        answer = (
            await response.json()
            if response.content_type == "application/json"
            else None
        )
        await self.hass.async_block_till_done()
        return response.status, answer

    def entity_id(self, key: str, platform: str = "sensor") -> str:
        """The entity id of the entity with description key `key`."""
        entity_id = er.async_get(self.hass).async_get_entity_id(
            platform, DOMAIN, f"{self.entry.entry_id}_{key}"
        )
        assert entity_id is not None, key
        return entity_id

    def state(self, key: str, platform: str = "sensor") -> State:
        """The state of the entity with description key `key`."""
        state = self.hass.states.get(self.entity_id(key, platform))
        assert state is not None, key
        return state

    def value(self, key: str) -> float:
        """The numeric state of `key` (fails when unavailable)."""
        return float(self.state(key).state)


type BoardFactory = Callable[..., Awaitable[Board]]


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Home Assistant's clock at START."""
    freezer.move_to(START)
    return freezer


@pytest.fixture
def setup_board(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    loopback: None,
    frozen: FrozenDateTimeFactory,
) -> BoardFactory:
    """Set up a board entry (options overridable) and a client for its webhook."""

    async def setup(entry: MockConfigEntry | None = None, **options: Any) -> Board:
        entry = entry or board_entry(**options)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        return Board(hass, entry, await hass_client_no_auth())

    return setup


def full_post(timestamp: float, **currents: float) -> dict[str, Any]:
    """The board's full JSON form with the given currents."""
    return {
        "timestamp": timestamp,
        "channels": {
            channel: {"current_amps": amps, "voltage_mv": round(amps * 33.33, 1)}
            for channel, amps in currents.items()
        },
        "total_amps": round(sum(currents.values()), 3),
        "estimated_power_watts": round(sum(currents.values()) * 240 * 0.95),
        "method": "ct_clamp",
    }
