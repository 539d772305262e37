"""The Octopus client against the price simulator on 127.0.0.1, and the price model."""

from collections.abc import AsyncIterator
import datetime as dt
import json
from pathlib import Path

from aiohttp import ClientSession
import pytest

from custom_components.energy_hub.agile.client import (
    SLOT,
    UK,
    OctopusClient,
    Prices,
    PriceSlot,
    agile_day,
    expected_slots,
    publication_time,
    slot_start,
    tariff_code,
    tomorrow_window,
    uk_day,
)
from custom_components.energy_hub.errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
)
from simulators.octopus import DATA_DIR, OctopusSimulator

PRODUCT = "AGILE-24-10-01"
# A Tuesday in winter, after the day's publication.
AFTERNOON = dt.datetime(2026, 1, 13, 16, 30, tzinfo=UK)


@pytest.fixture
async def simulator(loopback: None) -> AsyncIterator[OctopusSimulator]:
    simulator = OctopusSimulator(data_dir=None)  # generated prices: the same everywhere
    simulator.set_time(AFTERNOON)
    async with simulator:
        yield simulator


@pytest.fixture
async def session(loopback: None) -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


def client_for(
    simulator: OctopusSimulator, session: ClientSession, **kwargs: object
) -> OctopusClient:
    return OctopusClient(session, base_url=f"{simulator.url}/v1", **kwargs)  # type: ignore[arg-type]


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return agile_day(day)


async def test_unit_rates_follow_next_through_every_page(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    start = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)
    end = dt.datetime(2026, 1, 13, 0, 0, tzinfo=dt.UTC)
    rates = await client.unit_rates(PRODUCT, "C", start, end)
    assert len(rates) == 144  # two pages of the API's 100
    assert client.requests == 2
    assert [r.start for r in rates] == [start + i * SLOT for i in range(144)]
    assert all(r.end - r.start == SLOT for r in rates)
    assert all(r.start.tzinfo is dt.UTC for r in rates)
    assert (
        simulator.requests
        == [
            f"GET /v1/products/{PRODUCT}/electricity-tariffs/E-1R-{PRODUCT}-C/standard-unit-rates/"
        ]
        * 2
    )
    # VAT: 5 % on import.
    assert rates[0].value_exc_vat is not None
    assert rates[0].value_inc_vat == pytest.approx(
        rates[0].value_exc_vat * 1.05, abs=1e-3
    )


async def test_the_period_filters_cut_the_answer(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    start = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)
    rates = await client.unit_rates(PRODUCT, "C", start, start + dt.timedelta(hours=3))
    assert [r.start for r in rates] == [start + i * SLOT for i in range(6)]
    with pytest.raises(ValueError, match="naive"):
        await client.unit_rates(PRODUCT, "C", dt.datetime(2026, 1, 12))


async def test_tomorrow_appears_at_four_in_the_afternoon_uk_time(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    simulator.set_time(dt.datetime(2026, 1, 13, 15, 59, tzinfo=UK))
    now = simulator.clock()
    window = tomorrow_window(now)
    assert window == day_window(dt.date(2026, 1, 14))
    prices = Prices()
    prices.update(await client.unit_rates(PRODUCT, "C", *uk_day(now.date())))
    prices.update(await client.unit_rates(PRODUCT, "C", *window))
    assert not prices.tomorrow_complete(now)
    assert prices.known_until(now) == window[0]  # today's prices run to 23:00
    simulator.advance(dt.timedelta(minutes=1))
    prices.update(await client.unit_rates(PRODUCT, "C", *window))
    assert prices.tomorrow_complete(simulator.clock())
    assert prices.known_until(simulator.clock()) == window[1]


async def test_late_prices_stay_unknown_never_zero(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    simulator.faults.extra["late_publication"] = True
    simulator.set_time(dt.datetime(2026, 1, 13, 20, 0, tzinfo=UK))
    now = simulator.clock()
    window = tomorrow_window(now)
    prices = Prices()
    prices.update(
        await client.unit_rates(PRODUCT, "C", now - dt.timedelta(hours=4), window[1])
    )
    assert not prices.tomorrow_complete(now)
    series = prices.series(*window)
    assert len(series) == 48
    assert all(value is None for _, value in series)
    assert prices.price_at(window[0]) is None
    assert prices.tomorrow_stats(now) is None
    # Published three hours late: then complete.
    simulator.faults.extra["late_publication"] = 3
    simulator.set_time(dt.datetime(2026, 1, 13, 18, 59, tzinfo=UK))
    assert await client.unit_rates(PRODUCT, "C", *window) == []
    simulator.set_time(dt.datetime(2026, 1, 13, 19, 0, tzinfo=UK))
    prices.update(await client.unit_rates(PRODUCT, "C", *window))
    assert prices.tomorrow_complete(simulator.clock())


async def test_a_published_slot_without_a_value_is_unknown(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    start, end = day_window(dt.date(2026, 1, 13))
    missing = start + 10 * SLOT
    simulator.faults.extra["null_prices"] = {missing}
    prices = Prices()
    prices.update(await client.unit_rates(PRODUCT, "C", start, end))
    assert len(prices) == 47
    assert missing not in prices
    assert prices.price_at(missing) is None
    assert not prices.complete(start, end)
    stats = prices.stats(start, end)
    assert stats is not None
    assert (stats.known, stats.expected, stats.complete) == (47, 48, False)


async def test_negative_and_zero_prices_are_kept(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    start, end = day_window(dt.date(2026, 1, 13))
    simulator.set_price(start + 4 * SLOT, -10.58)
    simulator.set_price(start + 5 * SLOT, 0.0)
    prices = Prices()
    prices.update(await client.unit_rates(PRODUCT, "C", start, end))
    assert prices[start + 4 * SLOT] == -10.58
    assert prices[start + 5 * SLOT] == 0.0
    assert prices.price_at(start + 5 * SLOT + dt.timedelta(minutes=7)) == 0.0
    stats = prices.stats(start, end)
    assert stats is not None
    assert stats.minimum == -10.58
    assert stats.complete


@pytest.mark.parametrize(
    ("day", "count"), [(dt.date(2026, 3, 29), 46), (dt.date(2026, 10, 25), 50)]
)
async def test_clock_change_days_have_46_and_50_slots(
    simulator: OctopusSimulator, session: ClientSession, day: dt.date, count: int
) -> None:
    client = client_for(simulator, session)
    simulator.set_time(
        dt.datetime.combine(day - dt.timedelta(days=1), dt.time(16, 30), tzinfo=UK)
    )
    window = tomorrow_window(simulator.clock())
    assert window == agile_day(day)
    assert expected_slots(*window) == count
    prices = Prices()
    prices.update(await client.unit_rates(PRODUCT, "C", *window))
    assert len(prices) == count
    assert prices.tomorrow_complete(simulator.clock())
    # The UK calendar day has the same number of half-hours.
    assert expected_slots(*uk_day(day)) == count


async def test_errors_map_onto_energy_hubs(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    start, end = day_window(dt.date(2026, 1, 13))
    simulator.faults.http_status = 503
    with pytest.raises(DeviceConnectionError):
        await client.unit_rates(PRODUCT, "C", start, end)
    simulator.faults.http_status = None
    simulator.faults.malformed = True
    with pytest.raises(DeviceConnectionError):
        await client.unit_rates(PRODUCT, "C", start, end)
    simulator.faults.malformed = False
    simulator.faults.extra["rate_limited"] = 30
    with pytest.raises(DeviceRateLimitedError) as limited:
        await client.unit_rates(PRODUCT, "C", start, end)
    assert limited.value.retry_after == 30
    del simulator.faults.extra["rate_limited"]
    with pytest.raises(DeviceRejectedError):
        await client.unit_rates("AGILE-NOPE", "C", start, end)
    with pytest.raises(ValueError, match="region"):
        tariff_code(PRODUCT, "I")
    await simulator.set_offline(True)
    with pytest.raises(DeviceConnectionError):
        await client.unit_rates(PRODUCT, "C", start, end)
    await simulator.set_offline(False)
    assert len(await client.unit_rates(PRODUCT, "C", start, end)) == 48


async def test_a_slow_answer_times_out(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session, timeout_s=0.2)
    simulator.faults.delay_s = 1.0
    with pytest.raises(DeviceConnectionError):
        await client.unit_rates(PRODUCT, "C", *day_window(dt.date(2026, 1, 13)))


async def test_an_api_key_goes_as_basic_auth(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    simulator.api_keys = {"sk_live_good"}
    simulator.require_key = True
    window = day_window(dt.date(2026, 1, 13))
    with pytest.raises(DeviceAuthError):
        await client_for(simulator, session).unit_rates(PRODUCT, "C", *window)
    with pytest.raises(DeviceAuthError):
        await client_for(simulator, session, api_key="sk_live_bad").unit_rates(
            PRODUCT, "C", *window
        )
    good = client_for(simulator, session, api_key="sk_live_good")
    assert len(await good.unit_rates(PRODUCT, "C", *window)) == 48


async def test_products_and_regions(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    products = await client.agile_products()
    assert products.imports == ("AGILE-24-10-01",)
    assert products.exports == ("AGILE-OUTGOING-BB-23-02-28",)
    assert await client.region("sw1a 1aa") == "C"
    assert await client.region("EH1 1YZ") == "N"
    with pytest.raises(DeviceRejectedError):
        await client.region("ZZ99 9ZZ")


async def test_agile_outgoing_export_prices(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    rates = await client.unit_rates(
        "AGILE-OUTGOING-BB-23-02-28", "C", *day_window(dt.date(2026, 1, 13))
    )
    assert len(rates) == 48
    assert all(
        r.value_inc_vat == r.value_exc_vat and r.value_inc_vat >= 0 for r in rates
    )


async def test_a_next_link_to_another_host_is_not_followed(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session, api_key="secret")
    with pytest.raises(DeviceConnectionError, match="leaves"):
        client._next_url("https://elsewhere.example/v1/products/?page=2")
    assert client._next_url(None) is None
    assert str(client._next_url(f"{simulator.url}/v1/products/?page=2")).endswith(
        "page=2"
    )


async def test_generated_prices_have_negative_and_zero_slots(
    simulator: OctopusSimulator, session: ClientSession
) -> None:
    client = client_for(simulator, session)
    rates = await client.unit_rates(
        PRODUCT,
        "C",
        dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    values = [r.value_inc_vat for r in rates]
    assert min(values) < 0
    assert 0.0 in values
    assert max(values) > 25  # the 16:00-19:00 peak


@pytest.mark.skipif(
    not any(DATA_DIR.glob("agile-import-prices-*.csv")), reason="no price file"
)
async def test_the_simulator_replays_the_price_file(session: ClientSession) -> None:
    simulator = OctopusSimulator()
    simulator.set_time(AFTERNOON)
    async with simulator:
        client = client_for(simulator, session)
        start = dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
        rates = await client.unit_rates(
            PRODUCT, "A", start, start + dt.timedelta(hours=2)
        )
        # Products answer from their start; this one began in 2024: nothing.
        assert rates == []
        window = day_window(dt.date(2026, 1, 13))
        rates = await client.unit_rates(PRODUCT, "A", *window)
    assert len(rates) == 48
    path = next(DATA_DIR.glob("agile-import-prices-region-A-*.csv"))
    file_prices = _read_file(path)
    steps = dt.timedelta(weeks=52)
    for rate in rates[:4]:
        moment = rate.start
        while moment.strftime("%Y-%m-%dT%H:%M:%SZ") not in file_prices:
            moment -= steps
        assert rate.value_inc_vat == pytest.approx(
            file_prices[moment.strftime("%Y-%m-%dT%H:%M:%SZ")]
        )


def _read_file(path: Path) -> dict[str, float]:
    prices: dict[str, float] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            start_text, _, value = line.strip().split(",")
            prices[start_text] = float(value)
    return prices


# The price model ------------------------------------------------------------------------------


def test_prices_persist_as_json_and_back() -> None:
    start = dt.datetime(2026, 1, 13, 23, 0, tzinfo=dt.UTC)
    prices = Prices()
    prices.update(
        PriceSlot(start + i * SLOT, start + (i + 1) * SLOT, value)
        for i, value in enumerate([12.5, 0.0, -3.2])
    )
    stored = json.loads(json.dumps(prices.as_dict()))
    again = Prices.from_dict(stored)
    assert dict(again) == dict(prices)
    assert again.price_at(start + SLOT) == 0.0
    assert again.price_at(start + 3 * SLOT) is None
    # What does not parse is skipped, never read as 0.
    stored["prices"]["garbage"] = 1.0
    stored["prices"][(start + 5 * SLOT).strftime("%Y-%m-%dT%H:%M:%SZ")] = None
    assert len(Prices.from_dict(stored)) == 3
    assert len(Prices.from_dict({"version": 99, "prices": {}})) == 0
    assert prices.prune(start + SLOT) == 1
    assert len(prices) == 2


def test_slot_arithmetic_in_utc() -> None:
    assert slot_start(dt.datetime(2026, 6, 1, 17, 44, tzinfo=UK)) == dt.datetime(
        2026, 6, 1, 16, 30, tzinfo=dt.UTC
    )
    # Before 23:00 UK the next set is tonight's; from 23:00, tomorrow night's.
    evening = dt.datetime(2026, 6, 1, 22, 59, tzinfo=UK)
    assert tomorrow_window(evening)[0] == dt.datetime(2026, 6, 1, 22, 0, tzinfo=dt.UTC)
    late = dt.datetime(2026, 6, 1, 23, 0, tzinfo=UK)
    assert tomorrow_window(late)[0] == dt.datetime(2026, 6, 2, 22, 0, tzinfo=dt.UTC)
    assert publication_time(late) == dt.datetime(2026, 6, 2, 15, 0, tzinfo=dt.UTC)
    assert publication_time(evening) == dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)
    assert expected_slots(*agile_day(dt.date(2026, 6, 2))) == 48
