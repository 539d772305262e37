"""P1 entries written before the HomeWizard source keep their ids, entities and settings."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"


def _p1_entry(
    meter: P1MeterSimulator, minor_version: int, **data: Any
) -> MockConfigEntry:
    """A P1 entry as Energy Hub 1.1/1.2 stored it (source `p1`)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="P1 meter",
        unique_id=f"HWE-P1_{meter.serial}",
        version=1,
        minor_version=minor_version,
        data={
            "source": "p1",
            "host": meter.address,
            "api_version": meter.api,
            **data,
        },
        options={"poll_interval": 7, "capacity_rate": 61.5},
    )


@pytest.mark.parametrize("minor_version", [1, 2])
async def test_p1_entry_becomes_a_homewizard_entry(
    hass: HomeAssistant,
    make_meter: MakeMeter,
    hass_storage: dict[str, Any],
    minor_version: int,
) -> None:
    """`p1` becomes `homewizard`; unique ids, entity ids and the peak limit stay."""
    meter = await make_meter(api="v2", water=True)
    meter.tokens[TOKEN] = "local/energy-hub#abcdef"
    entry = _p1_entry(meter, minor_version, token=TOKEN)
    entry.add_to_hass(hass)
    hass_storage[f"{DOMAIN}.p1_{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.p1_{entry.entry_id}",
        "data": {"peak_limit_kw": 4.2},
    }
    registry = er.async_get(hass)
    devices = dr.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, meter.serial)},
        name="P1 meter",
    )
    # Entities the old version created, one of them renamed by the user.
    old = {
        "energy_import": "sensor.p1_meter_energy_import",
        "gas": "sensor.my_gas",
        "water": "sensor.p1_meter_water",
        "power": "sensor.p1_meter_power",
        "capacity_peak_limit": "number.p1_meter_capacity_peak_limit",
        "peak_at_risk": "binary_sensor.p1_meter_quarter_hour_peak_at_risk",
    }
    for key, entity_id in old.items():
        platform, object_id = entity_id.split(".")
        registry.async_get_or_create(
            platform,
            DOMAIN,
            f"{meter.serial}_{key}",
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=object_id,
        )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (ENTRY_VERSION, ENTRY_MINOR_VERSION)
    assert entry.data == {
        "source": "homewizard",
        "host": meter.address,
        "api_version": "v2",
        "token": TOKEN,
    }
    assert entry.unique_id == f"HWE-P1_{meter.serial}"
    assert entry.options == {"poll_interval": 7, "capacity_rate": 61.5}
    for key, entity_id in old.items():
        platform = entity_id.split(".")[0]
        assert (
            registry.async_get_entity_id(platform, DOMAIN, f"{meter.serial}_{key}")
            == entity_id
        )
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        assert state.state != "unavailable", entity_id
    assert hass.states.get("sensor.my_gas").state == "2569.646"
    assert hass.states.get("number.p1_meter_capacity_peak_limit").state == "4.2"
    [same_device] = dr.async_entries_for_config_entry(devices, entry.entry_id)
    assert same_device.id == device.id
    assert same_device.name == "P1 meter"
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval.total_seconds() == 7
    assert coordinator.capacity.rate_eur_per_kw_year == 61.5

    # Options, reauth and reconfigure find the migrated entry's source.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "homewizard_options"
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "homewizard_reconfigure"


async def test_other_sources_are_left_as_they_are(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=2,
        data={"source": "modbus_meter", "host": "127.0.0.1", "port": 1},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == ENTRY_MINOR_VERSION
    assert entry.data["source"] == "modbus_meter"
