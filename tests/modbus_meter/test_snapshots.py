"""Snapshots of Modbus meter entries: devices, entities, states, diagnostics."""

from typing import NamedTuple

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulators.modbus import ABB_UNIT, IEM_UNIT, MeterSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import mock_entry


class _Meter(NamedTuple):
    unit: int
    preset: str
    meter_type: str
    title: str
    unique_id: str


_METERS = {
    "abb_b23": _Meter(
        ABB_UNIT, "abb_b23", "grid", "ABB B23 (grid)", "abb_b23_22105432"
    ),
    # No serial register: the flow names it after its address. The port is
    # fixed here because snapshot names and entity registry entries are not
    # run through the port matcher.
    "iem3000": _Meter(
        IEM_UNIT, "iem3000", "solar", "Schneider iEM3000 (solar)", "127.0.0.1:502:2"
    ),
}


@pytest.mark.parametrize("meter", list(_METERS.values()), ids=list(_METERS))
async def test_entry_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    meters: MeterSimulator,
    snapshot: SnapshotAssertion,
    meter: _Meter,
) -> None:
    meters.abb.held = meters.iem.held = True  # steady readings, the same every run
    entry = mock_entry(
        meters,
        meter.unit,
        meter.preset,
        meter.meter_type,
        title=meter.title,
        unique_id=meter.unique_id,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(
        hass, hass_client, entry, snapshot, exclude=frozenset({"port"})
    )
