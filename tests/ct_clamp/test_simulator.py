"""The board simulator posting over real HTTP, and the demo entry it describes."""

import asyncio

import aiohttp
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from simulators.ct_board import CtBoardSimulator
from simulators.registry import SIMULATORS


async def _add_demo_entry(hass: HomeAssistant, simulator: CtBoardSimulator) -> dict:
    (demo,) = simulator.demo_entries()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": demo.source}
    )
    for step in demo.steps:
        result = await hass.config_entries.flow.async_configure(result["flow_id"], step)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return result


async def test_demo_entry_posts_through_home_assistant_http(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, loopback: None
) -> None:
    assert SIMULATORS["ct_board"] is CtBoardSimulator
    simulator = await CtBoardSimulator().start()
    try:
        result = await _add_demo_entry(hass, simulator)
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        client = await hass_client_no_auth()
        base_url = str(client.make_url("/")).rstrip("/")

        (demo,) = simulator.demo_entries()
        assert demo.after_created is not None
        simulator.demo_interval_s = 3600  # one post now, the next not in this test
        await demo.after_created(result, base_url)
        async with asyncio.timeout(10):
            await simulator.posted.wait()
        await hass.async_block_till_done()
        assert simulator.responses == [200]

        registry = er.async_get(hass)
        for role_key in demo.energy.values():
            entity = next(
                e
                for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                if e.translation_key == role_key
            )
            assert hass.states.get(entity.entity_id).state == "0.0"
        power_id = registry.async_get_entity_id(
            "sensor", DOMAIN, f"{entry.entry_id}_channel_line_A_power"
        )
        assert float(hass.states.get(power_id).state) > 0

        # The board's own status page shows what it sent.
        async with (
            aiohttp.ClientSession() as session,
            session.get(simulator.url) as response,
        ):
            status = await response.json()
        assert status["last_post"]["method"] == "ct_clamp"

        # Home Assistant restarts, then the board reboots and re-sends its
        # last reading twice: both are duplicates, neither is refused.
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert await simulator.reboot() == [200, 200]
        await hass.async_block_till_done()
        board = entry.runtime_data.coordinator.data
        assert (board.posts, board.duplicates) == (0, 2)

        # Offline: the board stops posting.
        await simulator.set_offline(True)
        assert await simulator.post_once() is None
        await simulator.set_offline(False)
        simulator.faults.malformed = True
        assert await simulator.post_once() == 400
    finally:
        await simulator.stop()
    assert await hass.config_entries.async_unload(entry.entry_id)
