"""Fixtures of the P1 tests: meters on 127.0.0.1 and entries pointing at them."""

from collections.abc import AsyncGenerator, Callable, Coroutine
import datetime as dt
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.p1.const import unique_id_for
from simulators.p1 import P1MeterSimulator

type MakeMeter = Callable[..., Coroutine[Any, Any, P1MeterSimulator]]


def ha_clock() -> dt.datetime:
    """The meter's wall clock follows Home Assistant's (frozen in some tests)."""
    return dt_util.now().replace(tzinfo=None)


@pytest.fixture
async def make_meter(
    loopback: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncGenerator[MakeMeter]:
    """Start P1 meter simulators; a v2 meter's CA becomes the library's trust."""
    started: list[P1MeterSimulator] = []

    async def make(**kwargs: Any) -> P1MeterSimulator:
        kwargs.setdefault("clock", ha_clock)
        meter = P1MeterSimulator(**kwargs)
        if meter.certificate is not None:
            # The network boundary: the device's CA is HomeWizard's in real life.
            monkeypatch.setattr(
                "homewizard_energy.v2.CACERT", meter.certificate.ca_pem.read_text()
            )
        await meter.start()
        started.append(meter)
        return meter

    yield make
    for meter in started:
        await meter.stop()


@pytest.fixture
async def meter(make_meter: MakeMeter) -> P1MeterSimulator:
    """A three-phase v1 meter with gas."""
    return await make_meter()


def p1_entry(
    meter: P1MeterSimulator, token: str | None = None, **options: Any
) -> MockConfigEntry:
    """A config entry for `meter`, polled every 60 s unless a test asks otherwise."""
    data: dict[str, Any] = {
        "source": "p1",
        "host": meter.address,
        "api_version": meter.api,
    }
    if token is not None:
        data["token"] = token
    return MockConfigEntry(
        domain=DOMAIN,
        title="P1 meter",
        data=data,
        options={"poll_interval": 60} | options,
        unique_id=unique_id_for(meter.serial),
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


class ManualClock:
    """A wall clock that moves only when told (drives HA-free simulator tests)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
