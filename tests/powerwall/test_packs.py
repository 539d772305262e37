"""Battery packs: identity by serial, by position where the serial cannot say.

Published gateway captures show two packs reporting one serial, and packs
without a serial. A pack's devices and unique ids follow its serial when that
serial is its own (unchanged for existing installs), else its position. A
pack the gateway no longer lists can be deleted from the UI; the gateway and
the current packs cannot.
"""

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.energy_hub.const import DOMAIN
from simulators.powerwall import (
    GATEWAY_DIN,
    PACK_MODES,
    PACK_SERIALS,
    PowerwallGatewaySimulator,
)

from .conftest import entry_for, setup_entry, state


def pack_unique_ids(hass: HomeAssistant, entry_id: str) -> set[str]:
    return {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if e.unique_id.endswith("_pack_power")
    }


@pytest.mark.parametrize(
    ("mode", "keys"),
    [
        ("same_serial", (f"{GATEWAY_DIN}_pack_1", f"{GATEWAY_DIN}_pack_2")),
        ("missing_serial", (PACK_SERIALS[0], f"{GATEWAY_DIN}_pack_2")),
    ],
)
async def test_packs_without_a_serial_of_their_own_go_by_position(
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    keys: tuple[str, str],
) -> None:
    gateway.set_packs(PACK_MODES[mode])
    entry = await setup_entry(hass, entry_for(gateway))
    # No duplicate unique ids, no error lines.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    devices = dr.async_get(hass)
    for position, key in enumerate(keys, start=1):
        device = devices.async_get_device_by_identifier((DOMAIN, key), entry.entry_id)
        assert device is not None, key
        assert device.name == f"Powerwall battery {position}"
    assert pack_unique_ids(hass, entry.entry_id) == {
        f"{key}_pack_power" for key in keys
    }
    # Each pack shows its own reading (half the battery power each).
    for position in (1, 2):
        assert float(
            state(hass, f"sensor.powerwall_battery_{position}_battery_power")
        ) == (-625)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_pack_that_went_can_be_deleted_the_rest_cannot(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    gateway: PowerwallGatewaySimulator,
) -> None:
    assert await async_setup_component(hass, "config", {})
    entry = await setup_entry(hass, entry_for(gateway))
    # Existing installs keep their serial-based unique ids.
    assert pack_unique_ids(hass, entry.entry_id) == {
        f"{serial}_pack_power" for serial in PACK_SERIALS
    }
    gateway.set_packs(PACK_SERIALS[:1])  # the second pack was taken out
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    devices = dr.async_get(hass)
    client = await hass_ws_client(hass)

    async def remove(identifier: str) -> bool:
        device = devices.async_get_device_by_identifier(
            (DOMAIN, identifier), entry.entry_id
        )
        assert device is not None, identifier
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        return bool(response["success"])

    assert not await remove(GATEWAY_DIN)
    assert not await remove(PACK_SERIALS[0])
    assert await remove(PACK_SERIALS[1])
    assert (
        devices.async_get_device_by_identifier(
            (DOMAIN, PACK_SERIALS[1]), entry.entry_id
        )
        is None
    )
    assert (
        devices.async_get_device_by_identifier(
            (DOMAIN, PACK_SERIALS[0]), entry.entry_id
        )
        is not None
    )
    await hass.config_entries.async_unload(entry.entry_id)
