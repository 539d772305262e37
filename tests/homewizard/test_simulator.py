"""The P1 simulator speaks like the real meter: raw bodies, refusals and faults."""

import datetime as dt

from aiohttp import ClientSession
from homewizard_energy import HomeWizardEnergyV1
import pytest

from custom_components.energy_hub.errors import DeviceConnectionError
from custom_components.energy_hub.homewizard.client import (
    ApiVersion,
    HomeWizardClient,
    LocalApiDisabledError,
    NotAuthorizedError,
    detect_api,
)
from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter, ManualClock


async def test_v1_bodies_carry_the_real_quirks(make_meter: MakeMeter) -> None:
    clock = ManualClock(dt.datetime(2026, 11, 23, 8, 14, 50))
    meter = await make_meter(three_phase=False, clock=clock, fresh_month=True)
    meter.set_power(5000.0)
    clock.advance(seconds=20)  # the quarter closes at 08:15
    async with (
        ClientSession() as session,
        session.get(f"{meter.url}/api/v1/data") as response,
    ):
        body = await response.json()
    assert "montly_power_peak_w" in body  # the device's own spelling
    assert body["montly_power_peak_timestamp"] == 261123081500  # YYMMDDhhmmss
    assert body["active_power_l2_w"] is None  # single phase: null, not absent
    assert body["active_voltage_l3_v"] is None
    assert body["active_power_w"] == 5000
    gas = next(e for e in body["external"] if e.get("type") == "gas_meter")
    assert gas["timestamp"] == 261123081500
    assert gas["unit"] == "m3"
    assert any("type" not in e for e in body["external"])  # an untyped M-Bus device
    async with ClientSession() as session:
        telegram = await HomeWizardEnergyV1(meter.address, session).telegram()
    assert telegram.startswith("/ISK5")
    assert "1-0:1.8.1(" in telegram


async def test_counters_grow_with_power_and_follow_the_tariff(
    make_meter: MakeMeter,
) -> None:
    clock = ManualClock(dt.datetime(2026, 11, 23, 12, 0, 0))  # a Monday: tariff 2
    meter = await make_meter(clock=clock)
    meter.set_power(1000.0, 500.0, -3500.0)  # -2 kW: exporting
    async with ClientSession() as session:
        client = HomeWizardClient(meter.address, session, ApiVersion.V1)
        before = (await client.measurement()).measurement
        clock.advance(hours=1)
        after = (await client.measurement()).measurement
    assert after.tariff == 2
    assert after.power_w == -2000
    assert after.energy_export_t2_kwh == pytest.approx(
        before.energy_export_t2_kwh + 2.0
    )
    assert after.energy_import_kwh == before.energy_import_kwh
    assert after.energy_export_t1_kwh == before.energy_export_t1_kwh


async def test_v2_pairing_refusals_and_revocation(make_meter: MakeMeter) -> None:
    clock = ManualClock(dt.datetime(2026, 11, 23, 12, 0, 0))
    meter = await make_meter(api="v2", clock=clock)
    async with ClientSession() as session:
        assert await detect_api(meter.address, session) is ApiVersion.V2
        async with session.post(
            f"{meter.url}/api/user", json={"name": "local/test"}, ssl=False
        ) as response:
            assert response.status == 403
            assert await response.json() == {"error": "user:creation-not-enabled"}

        client = HomeWizardClient(meter.address, session, ApiVersion.V2)
        assert await client.request_token("test") is None
        meter.press_button()
        clock.advance(seconds=31)  # the 30 s window has passed
        assert await client.request_token("test") is None
        meter.press_button()
        token = await client.request_token("test")
        assert token is not None
        assert len(token) == 32

        paired = HomeWizardClient(meter.address, session, ApiVersion.V2, token)
        assert (await paired.device()).product_type == "HWE-P1"
        system = await paired.system()
        assert system is not None
        assert system.wifi_rssi_db == -62
        meter.revoke_tokens()
        with pytest.raises(NotAuthorizedError):
            await paired.measurement()


async def test_v1_meter_is_not_taken_for_v2(meter: P1MeterSimulator) -> None:
    async with ClientSession() as session:
        assert await detect_api(meter.address, session) is ApiVersion.V1


async def test_faults_reach_the_client_as_energy_hub_errors(
    meter: P1MeterSimulator,
) -> None:
    async with ClientSession() as session:
        client = HomeWizardClient(meter.address, session, ApiVersion.V1)
        meter.api_enabled = False
        with pytest.raises(LocalApiDisabledError):
            await client.measurement()
        meter.api_enabled = True

        meter.faults.malformed = True
        with pytest.raises(DeviceConnectionError):
            await client.measurement()
        meter.faults.malformed = False

        # Entries without value or unit are dropped, the rest still reads.
        meter.faults.extra["external_without_value"] = True
        reading = await client.measurement()
        assert [report.kind for report in reading.external] == ["gas_meter"]
        assert {skipped.reason for skipped in reading.skipped} == {
            "no type",
            "no value",
        }
        meter.faults.extra.clear()

        await meter.set_offline(True)
        with pytest.raises(DeviceConnectionError):
            await client.measurement()
        await meter.set_offline(False)
        assert (await client.measurement()).measurement.power_w == 910


async def test_slow_meter_times_out(meter: P1MeterSimulator) -> None:
    meter.faults.delay_s = 1.0
    async with ClientSession() as session:
        client = HomeWizardClient(meter.address, session, ApiVersion.V1, timeout=0.2)
        with pytest.raises(DeviceConnectionError, match="Timeout"):
            await client.measurement()


@pytest.mark.parametrize(
    ("started", "fresh_month", "peak_w", "peak_at"),
    [
        # Mid-month: the peak a meter running since the 1st registered.
        (dt.datetime(2026, 11, 23, 12, 39, 50), False, 3412.0, 261122184500),
        # The 1st, morning: the quarter that closed last is the month's only one.
        (dt.datetime(2026, 12, 1, 9, 5, 0), False, 3412.0, 261201090000),
        # The month's first quarter has not closed: nothing registered yet.
        (dt.datetime(2026, 12, 1, 0, 5, 0), False, 0.0, None),
        (dt.datetime(2026, 11, 23, 12, 39, 50), True, 0.0, None),
    ],
)
async def test_meter_starts_with_the_peak_registered_this_month(
    make_meter: MakeMeter,
    started: dt.datetime,
    fresh_month: bool,
    peak_w: float,
    peak_at: int | None,
) -> None:
    meter = await make_meter(clock=ManualClock(started), fresh_month=fresh_month)
    async with (
        ClientSession() as session,
        session.get(f"{meter.url}/api/v1/data") as response,
    ):
        body = await response.json()
    assert body["montly_power_peak_w"] == peak_w
    assert body["montly_power_peak_timestamp"] == peak_at
