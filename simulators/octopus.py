"""Octopus Energy price API simulator: Agile unit rates, products, grid supply points.

Serves the public REST API's shapes (`docs/agile.md`): unit rates of
`E-1R-{product}-{region}` newest first, compact JSON, `count`/`next`/`previous`
with full URLs (`?page=N`, 100 per page unless `page_size` says otherwise, at
most 1,500), filtered by `period_from`/`period_to` (a time without a zone is
UK time), `GET /v1/products/` and `GET /v1/industry/grid-supply-points/`.

Prices follow the publication rule on the simulator's own clock (`clock`,
`set_time`, `advance`): today's slots up to 23:00 UK time exist; the next
day's 23:00-to-23:00 set appears at `publish_time` (16:00 UK). Clock-change
days have 46 and 50 half-hours. Import prices come from
`agile-import-prices-*.csv` files in `data_dir` (the shared data next to the
repository, when present; dates outside the file are mapped onto it by whole
52-week steps, so weekdays are kept), else from a generated day shape with a
16:00-19:00 peak, windy nights with negative prices and an exact 0 now and
then. `set_price()` pins any slot. Agile Outgoing export prices are the
simulator's own rule (half the import price before VAT, never below 0; no VAT).

Faults besides the shared ones (`faults.delay_s` slow answers,
`faults.http_status` 5xx, `faults.malformed`, `set_offline`), in
`faults.extra`: `"late_publication"` (True: tomorrow's set is held back until
cleared; a number: published that many hours after `publish_time`),
`"null_prices"` (slot starts answered with `value_inc_vat: null`),
`"rate_limited"` (answer 429 with this `Retry-After`, in seconds). An API key
is optional: a request with HTTP basic auth must name one of `api_keys`
(else 401); `require_key=True` refuses requests without one.
"""

import base64
import binascii
from collections.abc import Callable
import csv
from dataclasses import dataclass
import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Final, override
from zoneinfo import ZoneInfo

from aiohttp import web

from .base import DemoEntry
from .http import HttpSimulator

UK: Final = ZoneInfo("Europe/London")
SLOT: Final = dt.timedelta(minutes=30)
# The shared data next to the repository (`../shared/data` from its root).
DATA_DIR: Final = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PRICE_FILES: Final = "agile-import-prices-*.csv"
REGIONS: Final = "ABCDEFGHJKLMNP"
# Octopus's Agile formula multiplies the wholesale price by a regional factor
# (about 2.0 to 2.4); these are the simulator's, for distinct regions.
REGION_FACTOR: Final = {
    "A": 2.10,
    "B": 2.00,
    "C": 2.00,
    "D": 2.20,
    "E": 2.10,
    "F": 2.10,
    "G": 2.10,
    "H": 2.10,
    "J": 2.20,
    "K": 2.20,
    "L": 2.30,
    "M": 2.00,
    "N": 2.10,
    "P": 2.40,
}
PEAK_ADDER: Final = 12.0  # p/kWh, 16:00-19:00 UK time
VAT: Final = 1.05
CAP_INC_VAT: Final = 100.0
DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 1500
WEEKS_52: Final = dt.timedelta(weeks=52)
POSTCODES: Final = {
    "SW1A1AA": "_C",  # London
    "E16AN": "_C",
    "CB21TN": "_A",  # Eastern England
    "B11BB": "_E",  # West Midlands
    "M11AE": "_G",  # North West
    "LS11UR": "_M",  # Yorkshire
    "CF101EP": "_K",  # South Wales
    "EH11YZ": "_N",  # South Scotland
    "AB101AB": "_P",  # North Scotland
    "BS11AA": "_L",  # South West
}

type Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Product:
    """A product in `GET /v1/products/`; `export`: Agile Outgoing."""

    code: str
    full_name: str
    available_from: dt.datetime
    available_to: dt.datetime | None = None
    export: bool = False
    agile: bool = True

    def body(self) -> dict[str, Any]:
        """The product as the products list shows it."""
        return {
            "code": self.code,
            "direction": "EXPORT" if self.export else "IMPORT",
            "full_name": self.full_name,
            "display_name": "Agile Outgoing Octopus"
            if self.export
            else ("Agile Octopus" if self.agile else self.full_name),
            "description": "",
            "is_variable": True,
            "is_green": False,
            "is_tracker": False,
            "is_prepay": False,
            "is_business": False,
            "is_restricted": False,
            "term": 12 if self.agile else None,
            "available_from": self.available_from.isoformat().replace("+00:00", "Z"),
            "available_to": None
            if self.available_to is None
            else self.available_to.isoformat().replace("+00:00", "Z"),
            "links": [],
            "brand": "OCTOPUS_ENERGY",
        }


def _utc(year: int, month: int, day: int) -> dt.datetime:
    # Products start at midnight UK time.
    return dt.datetime(year, month, day, tzinfo=UK).astimezone(dt.UTC)


PRODUCTS: Final = (
    Product("AGILE-24-10-01", "Agile Octopus October 2024 v1", _utc(2024, 10, 1)),
    Product(
        "AGILE-23-12-06",
        "Agile Octopus December 2023 v1",
        _utc(2023, 12, 6),
        _utc(2024, 10, 1),
    ),
    Product(
        "AGILE-FLEX-22-11-25",
        "Agile Octopus November 2022 v1",
        _utc(2022, 11, 25),
        _utc(2023, 12, 6),
    ),
    Product(
        "AGILE-OUTGOING-BB-23-02-28",
        "Agile Outgoing Octopus February 2023 Backed by Bulb",
        _utc(2023, 2, 28),
        export=True,
    ),
    Product(
        "AGILE-OUTGOING-19-05-13",
        "Agile Outgoing Octopus May 2019",
        _utc(2019, 5, 13),
        _utc(2023, 2, 28),
        export=True,
    ),
    Product(
        "VAR-22-11-01",
        "Flexible Octopus November 2022 v1",
        _utc(2022, 11, 1),
        agile=False,
    ),
    Product(
        "GO-VAR-22-10-14", "Octopus Go October 2022 v1", _utc(2022, 10, 14), agile=False
    ),
)


def slot_start(moment: dt.datetime) -> dt.datetime:
    """UTC start of the half-hour containing `moment`."""
    moment = moment.astimezone(dt.UTC)
    return moment.replace(
        minute=moment.minute - moment.minute % 30, second=0, microsecond=0
    )


def iso_z(moment: dt.datetime) -> str:
    """The API's time spelling, `2025-11-30T22:30:00Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_api_time(text: str) -> dt.datetime:
    """A query time; one without a zone is UK time (as the real API reads it)."""
    moment = dt.datetime.fromisoformat(
        text.strip().replace("Z", "+00:00").replace(" ", "+")
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UK)
    return moment.astimezone(dt.UTC)


def _noise(moment: dt.datetime, salt: str) -> float:
    """A repeatable number in [0, 1) for a slot."""
    digest = hashlib.sha256(f"{salt}:{moment.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def generated_wholesale(start: dt.datetime) -> float:
    """The generated wholesale price (p/kWh) of a slot, when no price file is there."""
    local = start.astimezone(UK)
    hour = local.hour + local.minute / 60
    day = start.astimezone(UK).date()
    day_key = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    level = 7.0 + 3.0 * _noise(day_key, "level")
    shape = 2.2 * math.cos(2 * math.pi * (hour - 18) / 24) + 1.2 * math.cos(
        2 * math.pi * (hour - 8) / 12
    )
    value = level + shape + 1.5 * (_noise(start, "slot") - 0.5)
    windy = _noise(day_key, "wind") < 0.15
    if windy and (hour >= 23 or hour < 6):
        value = -1.0 - 5.0 * _noise(start, "gust")
    return value


class OctopusSimulator(HttpSimulator):
    """Octopus's public API on 127.0.0.1, prices published on the simulator's clock.

    The client's base URL is `f"{simulator.url}/v1"`.
    """

    name = "octopus"

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        data_dir: Path | None = DATA_DIR,
        publish_time: dt.time = dt.time(16, 0),
    ) -> None:
        super().__init__()
        self.clock: Clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.data_dir = data_dir
        self.publish_time = publish_time
        self.products: list[Product] = list(PRODUCTS)
        self.postcodes: dict[str, str] = dict(POSTCODES)
        self.api_keys: set[str] = set()
        self.require_key = False
        self.overrides: dict[dt.datetime, float] = {}  # import p/kWh inc VAT
        self._files: dict[str, PriceFile] | None = None

    # Driving the simulator ------------------------------------------------------------

    def set_time(self, moment: dt.datetime) -> None:
        """Stop the clock at `moment` (aware)."""
        if moment.tzinfo is None:
            raise ValueError("give the simulator an aware time")
        fixed = moment.astimezone(dt.UTC)
        self.clock = lambda: fixed

    def advance(self, delta: dt.timedelta) -> None:
        """Move a stopped clock on."""
        self.set_time(self.clock() + delta)

    def set_price(self, start: dt.datetime, value_inc_vat: float) -> None:
        """Pin a slot's import price (p/kWh, VAT included): negative, 0, a spike."""
        self.overrides[slot_start(start)] = value_inc_vat

    def published_until(self) -> dt.datetime:
        """End (UTC) of the last published slot at the simulator's time.

        Today's set runs to 23:00 UK time; the next one (to 23:00 tomorrow)
        appears at `publish_time` today, later with `late_publication`.
        """
        now = self.clock().astimezone(UK)
        today = now.date()
        published_at = dt.datetime.combine(today, self.publish_time, tzinfo=UK)
        late = self.faults.extra.get("late_publication")
        if late is True:
            return _uk(today, dt.time(23, 0))
        if isinstance(late, int | float) and not isinstance(late, bool):
            published_at += dt.timedelta(hours=float(late))
        if now >= published_at:
            return _uk(today + dt.timedelta(days=1), dt.time(23, 0))
        return _uk(today, dt.time(23, 0))

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """Agile prices for region C with Agile Outgoing export, no battery.

        The API's address is in the flow's collapsed "advanced" section.
        """
        return [
            DemoEntry(
                source="agile",
                steps=[
                    {"region": "C", "advanced": {"api_url": f"{self.url}/v1"}},
                    {"product": PRODUCTS[0].code, "export": "agile_outgoing"},
                    {"battery_entry_id": "none"},
                    {},
                ],
            )
        ]

    # Prices --------------------------------------------------------------------------------

    def _price_files(self) -> dict[str, PriceFile]:
        if self._files is None:
            self._files = {}
            if self.data_dir is not None and self.data_dir.is_dir():
                for path in sorted(self.data_dir.glob(PRICE_FILES)):
                    region = "A"
                    parts = path.stem.split("-")
                    if "region" in parts and parts.index("region") + 1 < len(parts):
                        region = parts[parts.index("region") + 1].upper()
                    if region in REGIONS and (prices := _read_prices(path)):
                        self._files.setdefault(region, PriceFile(prices))
        return self._files

    def import_price(self, start: dt.datetime, region: str) -> tuple[float, float]:
        """(exc VAT, inc VAT) p/kWh of a slot in a region."""
        start = slot_start(start)
        if start in self.overrides:
            inc = self.overrides[start]
            return round(inc / VAT, 4), inc
        files = self._price_files()
        if files:
            source_region = region if region in files else next(iter(files))
            found = files[source_region].get(start)
            if found is not None:
                inc = found * REGION_FACTOR[region] / REGION_FACTOR[source_region]
                return round(inc / VAT, 4), round(inc, 4)
        local = start.astimezone(UK)
        peak = PEAK_ADDER if 16 <= local.hour < 19 else 0.0
        exc = min(
            REGION_FACTOR[region] * generated_wholesale(start) + peak, CAP_INC_VAT / VAT
        )
        windy_zero = local.hour == 5 and local.minute == 0 and exc < 0
        exc = 0.0 if windy_zero else round(exc, 2)
        return exc, round(exc * VAT, 4)

    def export_price(self, start: dt.datetime, region: str) -> float:
        """Agile Outgoing p/kWh (no VAT): the simulator's rule, half the import before VAT."""
        exc, _ = self.import_price(start, region)
        return round(max(exc * 0.5, 0.0), 4)

    # HTTP ------------------------------------------------------------------------------------

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Unit rates, products and grid supply points."""
        router.add_get(
            "/v1/products/{product}/electricity-tariffs/{tariff}/standard-unit-rates/",
            self._unit_rates,
        )
        router.add_get("/v1/products/", self._products)
        router.add_get("/v1/industry/grid-supply-points/", self._grid_supply_points)

    def _refusal(self, request: web.Request) -> web.Response | None:
        retry = self.faults.extra.get("rate_limited")
        if retry is not None:
            return web.json_response(
                {"detail": "Request was throttled."},
                status=429,
                headers={"Retry-After": str(int(retry))},
            )
        header = request.headers.get("Authorization")
        if header is None:
            if self.require_key:
                return web.json_response(
                    {"detail": "Authentication credentials were not provided."},
                    status=401,
                )
            return None
        if _basic_login(header) not in self.api_keys:
            return web.json_response({"detail": "Invalid API key."}, status=401)
        return None

    def _page(
        self, request: web.Request, count: int
    ) -> tuple[int, int, dict[str, Any]] | web.Response:
        """(first index, last index, count/next/previous) of the page asked for."""
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("page_size", str(DEFAULT_PAGE_SIZE)))
        except ValueError:
            return web.json_response({"detail": "Invalid page."}, status=404)
        size = max(1, min(size, MAX_PAGE_SIZE))
        pages = max(1, math.ceil(count / size))
        if page < 1 or page > pages:
            return web.json_response({"detail": "Invalid page."}, status=404)
        links: dict[str, Any] = {
            "count": count,
            "next": str(request.url.update_query(page=str(page + 1)))
            if page < pages
            else None,
            "previous": None,
        }
        if page > 1:
            links["previous"] = (
                str(request.url.update_query(page=str(page - 1)))
                if page > 2
                else str(request.url.without_query_params("page"))
            )
        return (page - 1) * size, min(page * size, count), links

    async def _unit_rates(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        code = request.match_info["product"]
        tariff = request.match_info["tariff"]
        product = next((p for p in self.products if p.code == code), None)
        prefix = f"E-1R-{code}-"
        region = tariff[len(prefix) :] if tariff.startswith(prefix) else ""
        if product is None or len(region) != 1 or region not in REGIONS:
            return web.json_response(
                {"detail": "No ElectricityTariff matches the given query."}, status=404
            )
        try:
            period_from = _query_time(request, "period_from")
            period_to = _query_time(request, "period_to")
        except ValueError as err:
            return web.json_response(
                {str(err): ["Enter a valid date/time."]}, status=400
            )
        first = product.available_from
        last = self.published_until()
        if product.available_to is not None:
            last = min(last, product.available_to)
        if period_from is not None:
            first = max(first, slot_start(period_from))
        if period_to is not None:
            last = min(last, period_to)
        count = max(0, math.ceil((last - first) / SLOT))
        page = self._page(request, count)
        if isinstance(page, web.Response):
            return page
        begin, end, body = page
        newest = first + (count - 1) * SLOT
        nulls = self.faults.extra.get("null_prices") or ()
        results = []
        for index in range(begin, end):
            start = newest - index * SLOT
            if product.export:
                exc = inc = self.export_price(start, region)
            else:
                exc, inc = self.import_price(start, region)
            known = start not in nulls
            results.append(
                {
                    "value_exc_vat": exc if known else None,
                    "value_inc_vat": inc if known else None,
                    "valid_from": iso_z(start),
                    "valid_to": iso_z(start + SLOT),
                    "payment_method": None,
                }
            )
        body["results"] = results
        return web.json_response(body, dumps=_compact)

    async def _products(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        now = self.clock()
        shown = [
            product
            for product in self.products
            if product.available_from <= now
            and (product.available_to is None or product.available_to > now)
        ]
        page = self._page(request, len(shown))
        if isinstance(page, web.Response):
            return page
        begin, end, body = page
        body["results"] = [product.body() for product in shown[begin:end]]
        return web.json_response(body, dumps=_compact)

    async def _grid_supply_points(self, request: web.Request) -> web.Response:
        if (refused := self._refusal(request)) is not None:
            return refused
        postcode = "".join(request.query.get("postcode", "").split()).upper()
        group = self.postcodes.get(postcode)
        results = [] if group is None else [{"group_id": group}]
        return web.json_response(
            {"count": len(results), "next": None, "previous": None, "results": results},
            dumps=_compact,
        )


def _basic_login(header: str) -> str | None:
    """The user name of an HTTP basic `Authorization` header (the API key)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except binascii.Error, UnicodeDecodeError:
        return None
    return decoded.partition(":")[0]


def _compact(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"))


def _query_time(request: web.Request, name: str) -> dt.datetime | None:
    text = request.query.get(name)
    if text is None:
        return None
    try:
        return parse_api_time(text)
    except ValueError:
        raise ValueError(name) from None


def _read_prices(path: Path) -> dict[dt.datetime, float]:
    prices: dict[dt.datetime, float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row.get("value_inc_vat")
            start = row.get("valid_from_utc")
            if not value or not start:
                continue
            prices[parse_api_time(start)] = float(value)
    return prices


def _uk(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=UK).astimezone(dt.UTC)


class PriceFile:
    """Prices of one region's file; dates outside it move by whole 52-week steps."""

    def __init__(self, prices: dict[dt.datetime, float]) -> None:
        self.prices = prices
        self.first, self.last = min(prices), max(prices)

    def get(self, start: dt.datetime) -> float | None:
        """The file's price for `start` (mapped into the file's span), if any."""
        if start > self.last:
            start -= math.ceil((start - self.last) / WEEKS_52) * WEEKS_52
        elif start < self.first:
            start += math.ceil((self.first - start) / WEEKS_52) * WEEKS_52
        return self.prices.get(start)
