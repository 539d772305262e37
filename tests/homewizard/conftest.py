"""Fixtures of the HomeWizard tests: devices on 127.0.0.1 and entries pointing at them."""

from collections.abc import AsyncGenerator, Callable, Coroutine
import datetime as dt
from typing import Any

from homeassistant.config_entries import RELOAD_AFTER_UPDATE_DELAY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.energy_hub.const import (
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
)
from custom_components.energy_hub.homewizard.config_flow import device_title
from custom_components.energy_hub.homewizard.const import unique_id_for
from simulators.p1 import (
    EnergyMeterSimulator,
    HomeWizardSimulator,
    P1MeterSimulator,
    WaterMeterSimulator,
)

type MakeMeter = Callable[..., Coroutine[Any, Any, P1MeterSimulator]]
type MakeDevice[T: HomeWizardSimulator] = Callable[..., Coroutine[Any, Any, T]]


def ha_clock() -> dt.datetime:
    """The device's wall clock follows Home Assistant's (frozen in some tests)."""
    return dt_util.now().replace(tzinfo=None)


@pytest.fixture
async def make_device(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncGenerator[Callable[..., Coroutine[Any, Any, Any]]]:
    """Start HomeWizard simulators; v2 devices' CAs become the library's trust."""
    started: list[HomeWizardSimulator] = []
    trusted: list[str] = []

    async def make[T: HomeWizardSimulator](cls: type[T], **kwargs: Any) -> T:
        kwargs.setdefault("clock", ha_clock)
        device = cls(**kwargs)
        if device.certificate is not None:
            # The network boundary: the devices' CA is HomeWizard's in real life.
            trusted.append(device.certificate.ca_pem.read_text())
            monkeypatch.setattr("homewizard_energy.v2.CACERT", "".join(trusted))
        await device.start()
        started.append(device)
        return device

    yield make
    for device in started:
        await device.stop()


@pytest.fixture
def make_meter(make_device: Callable[..., Any]) -> MakeMeter:
    """Start P1 meter simulators."""

    async def make(**kwargs: Any) -> P1MeterSimulator:
        meter: P1MeterSimulator = await make_device(P1MeterSimulator, **kwargs)
        return meter

    return make


@pytest.fixture
def make_energy_meter(
    make_device: Callable[..., Any],
) -> MakeDevice[EnergyMeterSimulator]:
    """Start kWh meter and socket simulators."""

    async def make(**kwargs: Any) -> EnergyMeterSimulator:
        meter: EnergyMeterSimulator = await make_device(EnergyMeterSimulator, **kwargs)
        return meter

    return make


@pytest.fixture
def make_water_meter(
    make_device: Callable[..., Any],
) -> MakeDevice[WaterMeterSimulator]:
    """Start water meter simulators."""

    async def make(**kwargs: Any) -> WaterMeterSimulator:
        meter: WaterMeterSimulator = await make_device(WaterMeterSimulator, **kwargs)
        return meter

    return make


@pytest.fixture
async def meter(make_meter: MakeMeter) -> P1MeterSimulator:
    """A three-phase v1 meter with gas."""
    return await make_meter()


def homewizard_entry(
    device: HomeWizardSimulator,
    token: str | None = None,
    *,
    meter_type: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A config entry for `device`, polled every 60 s unless a test asks otherwise."""
    data: dict[str, Any] = {
        "source": "homewizard",
        "host": device.address,
        "api_version": device.api,
    }
    if token is not None:
        data["token"] = token
    if meter_type is not None:
        data["meter_type"] = meter_type
    return MockConfigEntry(
        domain=DOMAIN,
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
        title=device_title(device.product_type, meter_type),
        data=data,
        options={"poll_interval": 60} | options,
        unique_id=unique_id_for(device.product_type, device.serial),
    )


def p1_entry(
    meter: P1MeterSimulator, token: str | None = None, **options: Any
) -> MockConfigEntry:
    """A config entry for a P1 meter."""
    return homewizard_entry(meter, token, **options)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def enable_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Enable the entities that start disabled; Home Assistant reloads the entry."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION:
            registry.async_update_entity(entity.entity_id, disabled_by=None)
    # It does so a while after the last change.
    async_fire_time_changed(
        hass, dt_util.utcnow() + dt.timedelta(seconds=RELOAD_AFTER_UPDATE_DELAY + 1)
    )
    await hass.async_block_till_done()
    assert all(
        entity.disabled_by is None
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    )


class ManualClock:
    """A wall clock that moves only when told (drives HA-free simulator tests)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
