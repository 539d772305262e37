"""Snapshots of the P1 entry on the meter simulator: entities, device, diagnostics."""

from collections.abc import Callable, Coroutine
import datetime as dt
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import RELOAD_AFTER_UPDATE_DELAY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulators.p1 import EnergyMeterSimulator, P1MeterSimulator, WaterMeterSimulator
from tests.snapshots import assert_diagnostics_snapshot, assert_entry_snapshot

from .conftest import MakeDevice, MakeMeter, homewizard_entry, p1_entry, setup_entry

type SetUp = Callable[
    [HomeAssistant, MakeMeter, FrozenDateTimeFactory],
    Coroutine[Any, Any, tuple[P1MeterSimulator, MockConfigEntry]],
]

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"


@pytest.fixture(autouse=True)
def frozen_clock(freezer: FrozenDateTimeFactory) -> None:
    """A Monday morning (tariff 2), 30 s into a quarter: every value is fixed."""
    freezer.move_to(
        dt.datetime(2026, 11, 23, 8, 0, 30, tzinfo=dt_util.get_default_time_zone())
    )


async def _setup_all_enabled(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """Set up the entry, enable the entities that start disabled, let it reload.

    Then a minute passes and the meter is read again, so the quarter-hour
    figures (which need a minute of the quarter) have a value.
    """
    await setup_entry(hass, entry)
    registry = er.async_get(hass)
    disabled = [
        entity
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    ]
    assert disabled, "expected some entities disabled by default"
    for entity in disabled:
        registry.async_update_entity(entity.entity_id, disabled_by=None)
    # Home Assistant reloads the entry itself, a while after the last change.
    freezer.tick(dt.timedelta(seconds=RELOAD_AFTER_UPDATE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert all(
        entity.disabled_by is None
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    )
    freezer.tick(dt.timedelta(minutes=1))
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    return entry


async def _v1_meter_with_gas(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> tuple[P1MeterSimulator, MockConfigEntry]:
    meter = await make_meter()
    return meter, await _setup_all_enabled(hass, p1_entry(meter), freezer)


async def _v2_meter_with_gas_and_water(
    hass: HomeAssistant, make_meter: MakeMeter, freezer: FrozenDateTimeFactory
) -> tuple[P1MeterSimulator, MockConfigEntry]:
    meter = await make_meter(api="v2", gas=True, water=True, batteries=2)
    meter.tokens[TOKEN] = "local/energy-hub#abcdef"
    entry = p1_entry(meter, token=TOKEN)
    return meter, await _setup_all_enabled(hass, entry, freezer)


async def test_v1_meter_with_gas(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    _, entry = await _v1_meter_with_gas(hass, make_meter, freezer)
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)


async def test_v2_meter_with_gas_and_water(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    _, entry = await _v2_meter_with_gas_and_water(hass, make_meter, freezer)
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)


async def test_v1_meter_with_every_meter_on_its_port(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """Gas, water, warm water, heat (GJ), inlet heat (m³), four tariffs."""
    meter = await make_meter(
        gas=True, water=True, warm_water=True, heat=True, inlet_heat=True, tariffs=4
    )
    meter.faults.extra["invalid_external"] = True
    entry = await _setup_all_enabled(hass, p1_entry(meter), freezer)
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)


@pytest.mark.parametrize(
    ("product_type", "meter_type"),
    [("HWE-KWH3", "solar"), ("HWE-KWH1", "grid"), ("HWE-SKT", "zone")],
)
async def test_kwh_meters_and_socket(
    hass: HomeAssistant,
    *,
    make_energy_meter: MakeDevice[EnergyMeterSimulator],
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
    product_type: str,
    meter_type: str,
) -> None:
    meter = await make_energy_meter(product_type=product_type)
    entry = homewizard_entry(meter, meter_type=meter_type)
    entry = await _setup_all_enabled(hass, entry, freezer)
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)


async def test_water_meter(
    hass: HomeAssistant,
    make_water_meter: MakeDevice[WaterMeterSimulator],
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    meter = await make_water_meter()
    entry = await _setup_all_enabled(hass, homewizard_entry(meter), freezer)
    assert_entry_snapshot(hass, entry, snapshot)
    await assert_diagnostics_snapshot(hass, hass_client, entry, snapshot)


@pytest.mark.parametrize(
    "make_setup", [_v1_meter_with_gas, _v2_meter_with_gas_and_water]
)
async def test_diagnostics_hold_no_secret_or_identity(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    make_setup: SetUp,
) -> None:
    """Token, serials (meter, smart meter, gas and water meters), network, host."""
    meter, entry = await make_setup(hass, make_meter, freezer)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics).lower()
    secrets = {
        "token": TOKEN,
        "serial": meter.serial,
        "serial (MAC form)": "3c:39:e7:aa:bb:cc",
        "smart meter id": "E0044007131610",
        "smart meter id (hex)": "4530303434303037313331363130",
        "Wi-Fi network": meter.wifi_ssid,
        "host": meter.address,
        "address": meter.host,
    }
    for external in meter.external:
        secrets[f"{external.meter_type} id (hex)"] = external.unique_id
        secrets[f"{external.meter_type} id"] = bytes.fromhex(
            external.unique_id
        ).decode()
    leaked = {name for name, secret in secrets.items() if secret.lower() in text}
    assert not leaked
    # Meter ids that were keys are values of a list (redactable); the title is
    # no site name.
    data = diagnostics["source"]["data"]
    assert isinstance(data["external"], list)
    assert diagnostics["entry"]["title"] == "P1 meter"
    # What is left is still useful.
    assert data["measurement"]["power_w"] == 910
    [gas] = [meter for meter in data["external"] if meter["type"] == "gas_meter"]
    assert gas["value"] == 2569.646
    assert data["capacity"]["projected_monthly_cost"] > 0
