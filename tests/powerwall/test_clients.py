"""The HA-free clients against the simulators: error mapping and back-off."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest

from custom_components.energy_hub.errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
)
from custom_components.energy_hub.powerwall.gateway import PowerwallGateway, app_scaled
from custom_components.energy_hub.powerwall.netzero import NetZeroClient
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import GATEWAY_DIN, PASSWORD, PowerwallGatewaySimulator


def client(
    gateway: PowerwallGatewaySimulator, tmp_path: Path, **kwargs: object
) -> PowerwallGateway:
    return PowerwallGateway(
        gateway.address,
        str(kwargs.pop("password", PASSWORD)),
        email=None,
        cache_dir=tmp_path,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_connect_reads_identity_and_packs(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    session = client(gateway, tmp_path)
    info = await hass.async_add_executor_job(session.connect)
    assert info.din == GATEWAY_DIN
    assert info.part_number == "1232100-10-J"
    assert info.firmware == "25.10.4"
    assert len(info.pack_serials) == 2
    reading = await hass.async_add_executor_job(session.read)
    assert reading.meter("site").power_w == -500
    # The solar meter reads a few negative watts at night; passed on as is.
    gateway.set_powers(solar_w=0)
    reading = await hass.async_add_executor_job(session.read)
    assert reading.meter("solar").power_w == pytest.approx(-3.2)
    await hass.async_add_executor_job(session.close)


async def test_a_cached_session_never_stands_in_for_a_wrong_password(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    good = client(gateway, tmp_path)
    await hass.async_add_executor_job(good.connect)
    await hass.async_add_executor_job(good.close)
    bad = client(gateway, tmp_path, password="wrong")
    with pytest.raises(DeviceAuthError):
        await hass.async_add_executor_job(bad.connect)
    await hass.async_add_executor_job(bad.close)


async def test_slow_gateway_times_out(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    session = client(gateway, tmp_path, timeout_s=0.3)
    await hass.async_add_executor_job(session.connect)
    gateway.faults.delay_s = 1.0
    with pytest.raises(DeviceConnectionError):
        await hass.async_add_executor_job(session.read)
    gateway.faults.delay_s = 0
    await hass.async_add_executor_job(session.close)


async def test_429_backs_off_without_asking_again(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    session = client(gateway, tmp_path)
    await hass.async_add_executor_job(session.connect)
    gateway.faults.extra["rate_limited"] = True
    with pytest.raises(DeviceRateLimitedError):
        await hass.async_add_executor_job(session.read)
    asked = len(gateway.requests)
    gateway.faults.extra.clear()
    with pytest.raises(DeviceRateLimitedError):
        await hass.async_add_executor_job(session.read)
    assert len(gateway.requests) == asked  # still cooling down: nothing sent
    await hass.async_add_executor_job(session.close)


async def test_locked_out_login_is_rate_limited(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    gateway.locked_until = gateway.now() + 60
    session = client(gateway, tmp_path)
    with pytest.raises(DeviceRateLimitedError):
        await hass.async_add_executor_job(session.connect)
    await hass.async_add_executor_job(session.close)


def test_app_scale() -> None:
    assert app_scaled(24.0) == pytest.approx(20.0)
    assert app_scaled(5.0) == 0
    assert app_scaled(2.0) == 0  # below the hidden 5 %: empty in the app
    assert app_scaled(100.0) == 100
    assert app_scaled(None) is None


async def test_netzero_client_maps_refusals(
    hass: HomeAssistant, netzero: NetZeroSimulator
) -> None:
    session = async_get_clientsession(hass)
    good = NetZeroClient(session, TOKEN, SITE_ID, netzero.url)
    with pytest.raises(DeviceRejectedError, match="invalid value"):
        await good.write(energy_exports="everything")
    with pytest.raises(DeviceAuthError):
        await NetZeroClient(session, "nope", SITE_ID, netzero.url).read()
    netzero.faults.http_status = 429
    with pytest.raises(DeviceRateLimitedError):
        await good.read()
    netzero.faults.http_status = None
    netzero.faults.malformed = True
    with pytest.raises(DeviceConnectionError):
        await good.read()


def test_simulated_pack_stops_charging_when_full() -> None:
    simulator = PowerwallGatewaySimulator()  # not started: only its physics
    state = simulator.state
    imported = state.meters["battery"].imported_wh
    room = state.full_pack_wh - state.energy_remaining_wh  # 8.3 kWh at 1250 W
    simulator.advance(12 * 3600)
    assert state.energy_remaining_wh == pytest.approx(state.full_pack_wh)
    assert state.battery_w == 0
    # The battery counter took exactly what fitted, no more.
    assert state.meters["battery"].imported_wh == pytest.approx(imported + room)
    assert state.site_w() == state.load_w - state.solar_w  # the surplus goes out
