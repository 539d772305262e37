"""The HA-free clients against the simulators: error mapping and back-off."""

from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest

from custom_components.energy_hub.errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
)
from custom_components.energy_hub.powerwall.gateway import (
    RATE_LIMIT_PAUSE_S,
    PowerwallGateway,
    app_scaled,
)
from custom_components.energy_hub.powerwall.netzero import NetZeroClient, retry_after
from simulators.netzero import SITE_ID, TOKEN, NetZeroSimulator
from simulators.powerwall import (
    GATEWAY_DIN,
    PACK_SERIALS,
    PASSWORD,
    PowerwallGatewaySimulator,
)


def client(
    gateway: PowerwallGatewaySimulator, tmp_path: Path, **kwargs: object
) -> PowerwallGateway:
    return PowerwallGateway(
        gateway.address,
        str(kwargs.pop("password", PASSWORD)),
        email=None,
        cache_file=kwargs.pop("cache_file", tmp_path / "session.json"),  # type: ignore[arg-type]
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
    assert [pack.key for pack in info.packs] == list(PACK_SERIALS)
    # The certificate the gateway presented, for DHCP moves to compare with.
    assert info.certificate_sha256 == gateway.certificate_sha256
    reading = await hass.async_add_executor_job(session.read)
    assert reading.meter("site").power_w == -500
    # The solar meter reads a few negative watts at night; passed on as is.
    gateway.set_powers(solar_w=0)
    reading = await hass.async_add_executor_job(session.read)
    assert reading.meter("solar").power_w == pytest.approx(-3.2)
    await hass.async_add_executor_job(session.close)


async def test_a_check_never_uses_a_cached_session(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    """Without a cache file (the flows' checks) every session logs in afresh."""
    good = client(gateway, tmp_path, cache_file=None)
    await hass.async_add_executor_job(good.connect)
    session_folder = good._session_file().parent
    assert session_folder.is_dir()
    await hass.async_add_executor_job(good.close)
    assert not session_folder.exists()  # its cookies went with it
    bad = client(gateway, tmp_path, cache_file=None, password="wrong")
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
    with pytest.raises(DeviceRateLimitedError) as raised:
        await hass.async_add_executor_job(session.read)
    # pypowerwall's own pause: five minutes from the 429.
    assert raised.value.retry_after == pytest.approx(RATE_LIMIT_PAUSE_S, abs=5)
    asked = len(gateway.requests)
    gateway.faults.extra.clear()
    with pytest.raises(DeviceRateLimitedError) as raised:
        await hass.async_add_executor_job(session.read)
    assert len(gateway.requests) == asked  # still cooling down: nothing sent
    assert raised.value.retry_after is not None
    assert 0 < raised.value.retry_after <= RATE_LIMIT_PAUSE_S
    await hass.async_add_executor_job(session.close)


async def test_locked_out_login_is_rate_limited(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator, tmp_path: Path
) -> None:
    gateway.locked_until = gateway.now() + 60
    session = client(gateway, tmp_path)
    with pytest.raises(DeviceRateLimitedError) as raised:
        await hass.async_add_executor_job(session.connect)
    assert raised.value.retry_after == RATE_LIMIT_PAUSE_S
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
    # Refused before anything is sent.
    with pytest.raises(DeviceRejectedError, match="energy_exports must be one of"):
        await good.write(energy_exports="everything")
    assert netzero.requests == []
    # What NetZero itself refuses (400) is a rejected command too.
    netzero.faults.http_status = 400
    with pytest.raises(DeviceRejectedError, match="HTTP 400"):
        await good.write(energy_exports="never")
    netzero.faults.http_status = None
    with pytest.raises(DeviceAuthError):
        await NetZeroClient(session, "nope", SITE_ID, netzero.url).read()
    netzero.faults.http_status = 429
    with pytest.raises(DeviceRateLimitedError) as raised:
        await good.read()
    assert raised.value.retry_after is None  # no Retry-After: the next poll
    netzero.faults.http_status = None
    netzero.faults.malformed = True
    with pytest.raises(DeviceConnectionError):
        await good.read()


@pytest.mark.usefixtures("loopback")
async def test_netzero_429_passes_on_retry_after(hass: HomeAssistant) -> None:
    async def slow_down(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "slow down"}, status=429, headers={"Retry-After": "120"}
        )

    app = web.Application()
    app.router.add_get(f"/api/v1/{SITE_ID}/config", slow_down)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        client = NetZeroClient(
            async_get_clientsession(hass), TOKEN, SITE_ID, f"http://127.0.0.1:{port}"
        )
        with pytest.raises(DeviceRateLimitedError) as raised:
            await client.read()
        assert raised.value.retry_after == 120
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("30", 30),
        ("1.5", 1.5),
        ("-4", 0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30),  # an HTTP date: seconds from now
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0),  # already past
        ("soon", None),
        ("inf", None),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, tzinfo=UTC)
    assert retry_after(header, now) == seconds


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
