"""Snapshots of a Sungrow SH10RT entry: devices, entities, states, diagnostics."""

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulators.modbus import SungrowSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import mock_entry


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("connection", ["lan", "winet"])
async def test_entry_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    steady_sungrow: SungrowSimulator,
    snapshot: SnapshotAssertion,
    connection: str,
) -> None:
    """Every entity enabled; through the WiNet-S, RS firmware hides some registers."""
    steady_sungrow.winet_rs = connection == "winet"
    entry = mock_entry(steady_sungrow, connection)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(
        hass, hass_client, entry, snapshot, exclude=frozenset({"port"})
    )
