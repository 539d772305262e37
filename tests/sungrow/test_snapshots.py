"""Snapshots of a Sungrow SH10RT entry: devices, entities, states, diagnostics."""

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

import simulators.modbus
from simulators.modbus import SungrowModel, SungrowSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import mock_entry


class _Midpoint:
    """Stands in for `random` in the simulator: every draw is the middle."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        return (low + high) / 2

    @staticmethod
    def randint(low: int, high: int) -> int:
        return (low + high) // 2


@pytest.fixture
def steady_sungrow(
    sungrow: SungrowSimulator, monkeypatch: pytest.MonkeyPatch
) -> SungrowSimulator:
    """The inverter at midday with time stopped and no noise: the same every run."""
    monkeypatch.setattr(simulators.modbus, "random", _Midpoint())
    sungrow.time_scale = 0.0
    sungrow.model = SungrowModel()
    sungrow.advance(force=True)
    return sungrow


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
