"""Octopus Energy's public API and the half-hourly price model; Home-Assistant-free.

`OctopusClient` reads unit rates (`E-1R-{product}-{region}`, newest first,
paginated through `next`), the current Agile products and the region of a
postcode, on an aiohttp session its caller owns. `Prices` holds what is known,
keyed by the UTC start of each half-hour: a slot that has no published price
is *unknown* (`None`), never 0. The facts these rely on are in `docs/agile.md`.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
import datetime as dt
from email.utils import parsedate_to_datetime
import math
from typing import Any, Final, override
from zoneinfo import ZoneInfo

from aiohttp import ClientError, ClientSession, ClientTimeout, encode_basic_auth
from yarl import URL

from ..errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
)

BASE_URL: Final = "https://api.octopus.energy/v1"
UK: Final = ZoneInfo("Europe/London")
SLOT: Final = dt.timedelta(minutes=30)
# Grid supply point groups: the last letter of a tariff code (no I, no O).
REGIONS: Final = "ABCDEFGHJKLMNP"
# The next day's prices appear at about this UK time (sometimes much later).
PUBLICATION_TIME: Final = dt.time(16, 0)
# Agile's days run from 23:00 to 23:00 UK time.
AGILE_DAY_START: Final = dt.time(23, 0)
REQUEST_TIMEOUT_S: Final = 20.0
# A guard against a `next` chain that never ends; a two-day query is one page.
MAX_PAGES: Final = 200
STORE_VERSION: Final = 1


# Times ------------------------------------------------------------------------


def as_utc(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive time is refused (it would be ambiguous)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a time zone")
    return moment.astimezone(dt.UTC)


def slot_start(moment: dt.datetime) -> dt.datetime:
    """UTC start of the half-hour that contains `moment`."""
    moment = as_utc(moment)
    return moment.replace(
        minute=moment.minute - moment.minute % 30, second=0, microsecond=0
    )


def iso_z(moment: dt.datetime) -> str:
    """`2025-11-30T22:30:00Z`, the API's own spelling."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    """An API time in UTC; one without a zone is read as UK time, as the API does."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UK)
    return moment.astimezone(dt.UTC)


def slots_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """UTC starts of the half-hours from `start`'s slot up to (not including) `end`."""
    first, end = slot_start(start), as_utc(end)
    count = max(0, math.ceil((end - first) / SLOT))
    return [first + index * SLOT for index in range(count)]


def uk_time(day: dt.date, time: dt.time) -> dt.datetime:
    """`time` on `day` in UK local time, as UTC."""
    return dt.datetime.combine(day, time, tzinfo=UK).astimezone(dt.UTC)


def agile_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The set Octopus publishes for `day`: 23:00 the evening before to 23:00, UTC.

    48 half-hours, 46 when the clocks go forward in it and 50 when they go back.
    """
    return uk_time(day - dt.timedelta(days=1), AGILE_DAY_START), uk_time(
        day, AGILE_DAY_START
    )


def uk_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight UK time on `day`, in UTC."""
    return uk_time(day, dt.time(0)), uk_time(day + dt.timedelta(days=1), dt.time(0))


def tomorrow_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The set published (or next to be published) this afternoon: the next 23:00 to 23:00.

    At 16:00 UK time on a day it is that evening's 23:00 to the next day's
    23:00; from 23:00 on, the one after.
    """
    local = as_utc(now).astimezone(UK)
    day = local.date() + dt.timedelta(days=1)
    if local.time() >= AGILE_DAY_START:
        day += dt.timedelta(days=1)
    return agile_day(day)


def publication_time(now: dt.datetime) -> dt.datetime:
    """When tomorrow's set is due: 16:00 UK time of the day it is published on."""
    start, _ = tomorrow_window(now)
    return uk_time(start.astimezone(UK).date(), PUBLICATION_TIME)


def expected_slots(start: dt.datetime, end: dt.datetime) -> int:
    """How many half-hours lie between two UTC slot boundaries."""
    return len(slots_between(start, end))


def tariff_code(product: str, region: str) -> str:
    """`E-1R-{product}-{region}`, the single-register electricity tariff."""
    region = region.strip().upper().lstrip("_")
    if len(region) != 1 or region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; one of {', '.join(REGIONS)}")
    return f"E-1R-{product}-{region}"


def normalise_postcode(postcode: str) -> str:
    """Upper case without spaces, as the grid-supply-points endpoint takes it."""
    return "".join(postcode.split()).upper()


# The price model ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceSlot:
    """One published half-hour: UTC start and end, p/kWh (import: VAT included)."""

    start: dt.datetime
    end: dt.datetime
    value_inc_vat: float
    value_exc_vat: float | None = None


@dataclass(frozen=True, slots=True)
class PriceStats:
    """Minimum, mean and maximum (p/kWh) of the known slots of a span."""

    minimum: float
    mean: float
    maximum: float
    known: int
    expected: int

    @property
    def complete(self) -> bool:
        """Every half-hour of the span has a price."""
        return self.known == self.expected


class Prices(Mapping[dt.datetime, float]):
    """Known prices (p/kWh) keyed by the UTC start of each half-hour.

    A slot that is not in the mapping is unknown: `get` answers `None`, and
    `series` lists it as `None`; no method ever turns it into 0.
    """

    def __init__(self, prices: Mapping[dt.datetime, float] | None = None) -> None:
        self._prices: dict[dt.datetime, float] = {}
        for start, value in (prices or {}).items():
            self._prices[slot_start(start)] = float(value)

    @override
    def __getitem__(self, start: dt.datetime) -> float:
        return self._prices[slot_start(start)]

    @override
    def __iter__(self) -> Iterator[dt.datetime]:
        return iter(sorted(self._prices))

    @override
    def __len__(self) -> int:
        return len(self._prices)

    @override
    def __contains__(self, start: object) -> bool:
        return isinstance(start, dt.datetime) and slot_start(start) in self._prices

    @override
    def __repr__(self) -> str:
        if not self._prices:
            return "Prices({})"
        return f"Prices({len(self)} slots, {iso_z(min(self._prices))} .. {iso_z(max(self._prices))})"

    def update(self, slots: Iterable[PriceSlot]) -> int:
        """Add or replace published slots; how many were new or changed."""
        changed = 0
        for slot in slots:
            start = slot_start(slot.start)
            if self._prices.get(start) != slot.value_inc_vat:
                self._prices[start] = slot.value_inc_vat
                changed += 1
        return changed

    def price_at(self, moment: dt.datetime) -> float | None:
        """The price of the half-hour that contains `moment`; None when unknown."""
        return self._prices.get(slot_start(moment))

    def series(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, float | None]]:
        """Every half-hour from `start` to `end` with its price, None where unknown."""
        return [(slot, self._prices.get(slot)) for slot in slots_between(start, end)]

    def complete(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Every half-hour between `start` and `end` has a price."""
        return all(slot in self._prices for slot in slots_between(start, end))

    def known_until(self, moment: dt.datetime) -> dt.datetime | None:
        """End of the unbroken run of known slots from `moment`'s; None if it is unknown."""
        slot = slot_start(moment)
        if slot not in self._prices:
            return None
        while slot in self._prices:
            slot += SLOT
        return slot

    def stats(self, start: dt.datetime, end: dt.datetime) -> PriceStats | None:
        """Min, mean and max of the known slots between `start` and `end`; None if none."""
        series = self.series(start, end)
        values = [value for _, value in series if value is not None]
        if not values:
            return None
        return PriceStats(
            minimum=min(values),
            mean=math.fsum(values) / len(values),
            maximum=max(values),
            known=len(values),
            expected=len(series),
        )

    def today_stats(self, now: dt.datetime) -> PriceStats | None:
        """Today's figures (UK calendar day, midnight to midnight)."""
        return self.stats(*uk_day(as_utc(now).astimezone(UK).date()))

    def tomorrow_stats(self, now: dt.datetime) -> PriceStats | None:
        """Tomorrow's figures (UK calendar day); its last hour comes a day later."""
        tomorrow = as_utc(now).astimezone(UK).date() + dt.timedelta(days=1)
        return self.stats(*uk_day(tomorrow))

    def tomorrow_complete(self, now: dt.datetime) -> bool:
        """Whether the set published this afternoon (23:00 to 23:00 UK) is all here."""
        return self.complete(*tomorrow_window(now))

    def prune(self, before: dt.datetime) -> int:
        """Forget slots that start before `before`; how many went."""
        cutoff = as_utc(before)
        old = [start for start in self._prices if start < cutoff]
        for start in old:
            del self._prices[start]
        return len(old)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for persistence (`from_dict` reads it back)."""
        return {
            "version": STORE_VERSION,
            "prices": {
                iso_z(start): value for start, value in sorted(self._prices.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prices:
        """Read what `as_dict` wrote; entries that do not parse are skipped."""
        prices = cls()
        stored = data.get("prices")
        if data.get("version") != STORE_VERSION or not isinstance(stored, Mapping):
            return prices
        for key, value in stored.items():
            if not isinstance(key, str) or isinstance(value, bool):
                continue
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue
            try:
                prices._prices[slot_start(parse_time(key))] = float(value)
            except ValueError:
                continue
        return prices


def parse_unit_rates(
    results: Iterable[Any],
    period_from: dt.datetime | None = None,
    period_to: dt.datetime | None = None,
) -> list[PriceSlot]:
    """Half-hour slots from a unit-rates `results` list, oldest first.

    An entry without a price is skipped (unknown, never 0). A rate valid for
    longer than a half-hour (a fixed tariff) is split into half-hours within
    the period asked for; one without an end (`valid_to: null`) runs to
    `period_to`, or covers its first half-hour when no end was asked for.
    """
    slots: dict[dt.datetime, PriceSlot] = {}
    lower = None if period_from is None else slot_start(period_from)
    upper = None if period_to is None else as_utc(period_to)
    for entry in results:
        if not isinstance(entry, Mapping):
            raise DeviceConnectionError(f"unexpected unit-rate entry: {entry!r}")
        value = entry.get("value_inc_vat")
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        exc = entry.get("value_exc_vat")
        exc_value = (
            float(exc)
            if isinstance(exc, int | float) and not isinstance(exc, bool)
            else None
        )
        try:
            start = parse_time(str(entry["valid_from"]))
            raw_end = entry.get("valid_to")
            end = parse_time(str(raw_end)) if raw_end else None
        except (KeyError, ValueError) as err:
            raise DeviceConnectionError(
                f"unexpected unit-rate entry: {entry!r}"
            ) from err
        if end is None:
            end = upper if upper is not None and upper > start else start + SLOT
        first = start if lower is None else max(start, lower)
        last = end if upper is None else min(end, upper)
        for moment in slots_between(first, last):
            if moment >= start:
                slots[moment] = PriceSlot(
                    moment, moment + SLOT, float(value), exc_value
                )
    return [slots[start] for start in sorted(slots)]


# The client -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgileProducts:
    """Agile products on sale now, newest first: import and export (Agile Outgoing)."""

    imports: tuple[str, ...]
    exports: tuple[str, ...]


def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class OctopusClient:
    """Read Octopus's public REST API on a session the caller owns (and closes).

    `api_key` is optional: it is sent as HTTP basic auth (the key as user
    name, empty password), and only to `base_url`'s host. Errors are Energy
    Hub's: 401/403 `DeviceAuthError`, 429 `DeviceRateLimitedError` (with the
    server's `Retry-After`), 400/404 `DeviceRejectedError` (unknown product,
    tariff or postcode), anything else `DeviceConnectionError`.
    """

    def __init__(
        self,
        session: ClientSession,
        *,
        api_key: str | None = None,
        base_url: str = BASE_URL,
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self._session = session
        self._base = URL(base_url.rstrip("/"))
        self._headers = (
            {"Authorization": encode_basic_auth(api_key, "")} if api_key else {}
        )
        self._timeout = ClientTimeout(total=timeout_s)
        self.requests = 0  # HTTP requests made, pages included

    async def unit_rates(
        self,
        product: str,
        region: str,
        period_from: dt.datetime | None = None,
        period_to: dt.datetime | None = None,
    ) -> list[PriceSlot]:
        """Unit rates of `E-1R-{product}-{region}` in the period, oldest first."""
        return await self.tariff_unit_rates(
            product, tariff_code(product, region), period_from, period_to
        )

    async def tariff_unit_rates(
        self,
        product: str,
        tariff: str,
        period_from: dt.datetime | None = None,
        period_to: dt.datetime | None = None,
    ) -> list[PriceSlot]:
        """Unit rates of any electricity tariff, all pages, oldest first."""
        params: dict[str, str] = {}
        if period_from is not None:
            params["period_from"] = iso_z(period_from)
        if period_to is not None:
            params["period_to"] = iso_z(period_to)
        url = (
            self._base
            / "products"
            / product
            / "electricity-tariffs"
            / tariff
            / "standard-unit-rates"
            / ""
        )
        results = await self._all_pages(url.with_query(params))
        return parse_unit_rates(results, period_from, period_to)

    async def agile_products(self) -> AgileProducts:
        """The Agile import and Agile Outgoing products on sale now, newest first."""
        now = dt.datetime.now(dt.UTC)
        url = (self._base / "products" / "").with_query({"is_variable": "true"})
        found: list[tuple[str, str, bool]] = []
        for entry in await self._all_pages(url):
            if not isinstance(entry, Mapping):
                continue
            code = entry.get("code")
            if not isinstance(code, str) or not code.upper().startswith("AGILE"):
                continue
            available_to = entry.get("available_to")
            if available_to:
                try:
                    if parse_time(str(available_to)) <= now:
                        continue
                except ValueError:
                    continue
            direction = str(entry.get("direction") or "").upper()
            export = direction == "EXPORT" or "OUTGOING" in code.upper()
            found.append((str(entry.get("available_from") or ""), code, export))
        found.sort(reverse=True)  # newest first: ISO times sort as text
        return AgileProducts(
            imports=tuple(code for _, code, export in found if not export),
            exports=tuple(code for _, code, export in found if export),
        )

    async def region(self, postcode: str) -> str:
        """The region letter (grid supply point group) of a UK postcode."""
        url = (self._base / "industry" / "grid-supply-points" / "").with_query(
            {"postcode": normalise_postcode(postcode)}
        )
        for entry in await self._all_pages(url):
            group = entry.get("group_id") if isinstance(entry, Mapping) else None
            if isinstance(group, str):
                letter = group.strip().lstrip("_").upper()
                if len(letter) == 1 and letter in REGIONS:
                    return letter
        raise DeviceRejectedError(f"no region found for postcode {postcode!r}")

    async def _all_pages(self, url: URL) -> list[Any]:
        results: list[Any] = []
        seen: set[str] = set()
        next_url: URL | None = url
        while next_url is not None:
            if len(seen) >= MAX_PAGES or str(next_url) in seen:
                raise DeviceConnectionError(f"pagination does not end at {next_url}")
            seen.add(str(next_url))
            body = await self._get(next_url)
            page = body.get("results")
            if not isinstance(page, list):
                raise DeviceConnectionError(f"no results list in the answer of {url}")
            results.extend(page)
            next_url = self._next_url(body.get("next"))
        return results

    def _next_url(self, value: object) -> URL | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise DeviceConnectionError(f"unexpected next link {value!r}")
        target = self._base.join(URL(value))
        if target.origin() != self._base.origin():
            # Never follow (and send a key) to another host.
            raise DeviceConnectionError(f"next link leaves {self._base.host}: {value}")
        return target

    async def _get(self, url: URL) -> dict[str, Any]:
        self.requests += 1
        try:
            async with self._session.get(
                url, headers=self._headers, timeout=self._timeout
            ) as response:
                status = response.status
                if status in (401, 403):
                    raise DeviceAuthError(f"Octopus refused the API key ({status})")
                if status == 429:
                    raise DeviceRateLimitedError(
                        "Octopus asked us to slow down (429)",
                        retry_after=_retry_after(response.headers.get("Retry-After")),
                    )
                if status in (400, 404):
                    raise DeviceRejectedError(
                        f"Octopus does not know {url.path} ({status})"
                    )
                if status != 200:
                    raise DeviceConnectionError(
                        f"Octopus answered {status} for {url.path}"
                    )
                body = await response.json(content_type=None)
        except (ClientError, TimeoutError) as err:
            raise DeviceConnectionError(f"cannot reach Octopus: {err!r}") from err
        except ValueError as err:
            raise DeviceConnectionError(f"Octopus answered no JSON: {err}") from err
        if not isinstance(body, dict):
            raise DeviceConnectionError(
                f"unexpected answer from Octopus: {body!r:.200}"
            )
        return body
