"""The Agile coordinator: known prices, the missing-prices repair and the battery plan.

Prices come from Octopus's public API (`OctopusClient`) or from the rate
event entities of the Octopus Energy integration. They are kept in a Store,
so a restart or an API outage loses nothing. The API is asked only when
something is missing: today's prices (a first start), or, from 16:00 UK
time, tomorrow's set until it is complete, at most every `POLL_INTERVAL`.
The coordinator wakes at every slot boundary to re-plan; `docs/agile.md`
describes the rules.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
import datetime as dt
from functools import partial
import math
from typing import Any, Final, override

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..coordinator import EnergyHubCoordinator
from ..errors import DeviceAuthError, DeviceRateLimitedError, EnergyHubError
from ..source import EnergyHubConfigEntry
from .client import (
    SLOT,
    UK,
    OctopusClient,
    Prices,
    as_utc,
    parse_unit_rates,
    publication_time,
    slot_start,
    tomorrow_window,
    uk_day,
    uk_time,
)
from .const import (
    CONF_ALLOW_GRID_EXPORT,
    CONF_BATTERY_ENTRY,
    CONF_CAPACITY_KWH,
    CONF_EFFICIENCY_PERCENT,
    CONF_EXPORT,
    CONF_EXPORT_PRICE,
    CONF_EXPORT_PRODUCT,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_PRICE_SOURCE,
    CONF_PRODUCT,
    CONF_RATE_ENTITIES,
    CONF_REGION,
    CONF_RESERVE_PERCENT,
    CONF_WEAR_COST,
    DEFAULT_CAPACITY_KWH,
    DEFAULT_CHEAP_THRESHOLD,
    DEFAULT_EFFICIENCY_PERCENT,
    DEFAULT_MAX_CHARGE_KW,
    DEFAULT_MAX_DISCHARGE_KW,
    DEFAULT_RESERVE_PERCENT,
    DEFAULT_WEAR_COST,
    ExportTariff,
    PriceSource,
)
from .forecast import forecast_load, forecast_pv, stored_energy_curve
from .history import BatteryReading, Forecaster, read_battery
from .planner import Battery, Plan, PlanOptions, SlotInput, plan
from .schedule import PlanTargets

# Between two API requests while something is missing ("a few times an hour").
POLL_INTERVAL: Final = dt.timedelta(minutes=15)
# Tomorrow's prices still missing at this UK time: a repair issue.
REPAIR_TIME: Final = dt.time(20, 0)
# Wake this long after a slot boundary, so the new slot has begun.
BOUNDARY_DELAY: Final = dt.timedelta(seconds=1)
# A plan covers at most this much (prices are known for up to ~32 hours).
MAX_HORIZON: Final = dt.timedelta(hours=48)
ISSUE_PRICES_MISSING: Final = "agile_prices_missing"


@dataclass(frozen=True, slots=True)
class AgileSettings:
    """What an entry's data and options say; prices in p/kWh."""

    price_source: PriceSource
    product: str | None
    region: str | None
    export: ExportTariff
    export_product: str | None
    fixed_export_price: float | None
    rate_entities: tuple[str, ...]
    battery_entry_id: str | None
    options: Mapping[str, Any]

    @classmethod
    def of(cls, entry: EnergyHubConfigEntry) -> AgileSettings:
        """Read the entry (GBP in the entry, pence here)."""
        data = entry.data
        export = ExportTariff(data.get(CONF_EXPORT, ExportTariff.NONE))
        fixed = data.get(CONF_EXPORT_PRICE)
        return cls(
            price_source=PriceSource(
                data.get(CONF_PRICE_SOURCE, PriceSource.OCTOPUS_API)
            ),
            product=data.get(CONF_PRODUCT),
            region=data.get(CONF_REGION),
            export=export,
            export_product=data.get(CONF_EXPORT_PRODUCT),
            fixed_export_price=(
                float(fixed) * 100
                if export is ExportTariff.FIXED and fixed is not None
                else None
            ),
            rate_entities=tuple(data.get(CONF_RATE_ENTITIES) or ()),
            battery_entry_id=data.get(CONF_BATTERY_ENTRY),
            options=dict(entry.options),
        )

    @property
    def agile_export(self) -> bool:
        """Export prices come from Agile Outgoing (through the API)."""
        return (
            self.export is ExportTariff.AGILE_OUTGOING
            and self.price_source is PriceSource.OCTOPUS_API
            and self.export_product is not None
        )

    def option(self, key: str, reading: float | None, default: float) -> float:
        """An option, else what the battery reports, else the default."""
        value = self.options.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return default if reading is None else reading


@dataclass(frozen=True, slots=True, kw_only=True)
class AgileData:
    """One state of the source: prices (p/kWh) at `now`, the plan, the threshold."""

    now: dt.datetime
    imports: Prices
    exports: Prices | None
    fixed_export_price: float | None
    has_export: bool
    cheap_threshold: float  # GBP/kWh
    plan: Plan | None
    battery: Battery | None
    last_fetch: dt.datetime | None = None
    last_error: str | None = None

    def import_price(self, moment: dt.datetime) -> float | None:
        """Import price (p/kWh) of the slot holding `moment`; None when unknown."""
        return self.imports.price_at(moment)

    def export_price(self, moment: dt.datetime) -> float | None:
        """Export price (p/kWh) of the slot holding `moment`; None when unknown."""
        if self.exports is not None:
            return self.exports.price_at(moment)
        return self.fixed_export_price

    @property
    def price_now(self) -> float | None:
        """The running slot's import price (p/kWh)."""
        return self.import_price(self.now)

    @property
    def tomorrow_complete(self) -> bool:
        """Tomorrow's published set (23:00 to 23:00 UK time) is all known."""
        return self.imports.tomorrow_complete(self.now)

    def as_dict(self) -> dict[str, Any]:
        """Diagnostics: what is known and planned."""
        window = tomorrow_window(self.now)
        return {
            "now": self.now.isoformat(),
            "import_slots": len(self.imports),
            "import_known_until": _iso(self.imports.known_until(self.now)),
            "export_slots": None if self.exports is None else len(self.exports),
            "fixed_export_price": self.fixed_export_price,
            "tomorrow_window": [window[0].isoformat(), window[1].isoformat()],
            "tomorrow_complete": self.tomorrow_complete,
            "cheap_threshold": self.cheap_threshold,
            "last_fetch": _iso(self.last_fetch),
            "last_error": self.last_error,
            "battery": None
            if self.battery is None
            else {
                "capacity_kwh": self.battery.capacity_kwh,
                "soc_kwh": round(self.battery.soc_kwh, 3),
                "floor_kwh": round(self.battery.floor_kwh, 3),
                "max_charge_kwh": self.battery.max_charge_kwh,
                "max_discharge_kwh": self.battery.max_discharge_kwh,
                "charge_efficiency": self.battery.charge_efficiency,
            },
            "plan": None if self.plan is None else self.plan.as_dict(),
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def next_slot_boundary(now: dt.datetime) -> dt.datetime:
    """Start of the slot after the one holding `now`."""
    return slot_start(now) + SLOT


def repair_due(now: dt.datetime) -> dt.datetime:
    """20:00 UK time of the day tomorrow's prices are published on."""
    published = publication_time(now).astimezone(UK).date()
    return uk_time(published, REPAIR_TIME)


def rates_from_attribute(rates: Any) -> list[dict[str, Any]]:
    """The Octopus Energy integration's `rates` (GBP/kWh) as unit-rate entries (p/kWh).

    Each rate has `start`, `end` (datetimes, or ISO text after a restore)
    and `value_inc_vat`; entries that do not read are skipped.
    """
    entries: list[dict[str, Any]] = []
    if not isinstance(rates, Sequence) or isinstance(rates, str):
        return entries
    for rate in rates:
        if not isinstance(rate, Mapping):
            continue
        value = rate.get("value_inc_vat")
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        times = []
        for key in ("start", "end"):
            moment = rate.get(key)
            if isinstance(moment, str):
                moment = dt_util.parse_datetime(moment)
            if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
                break
            times.append(as_utc(moment).isoformat())
        if len(times) != 2:
            continue
        entries.append(
            {
                "valid_from": times[0],
                "valid_to": times[1],
                # GBP to pence, rounded off binary noise (0.2415 * 100).
                "value_inc_vat": round(float(value) * 100, 6),
            }
        )
    return entries


def planning_battery(
    settings: AgileSettings,
    reading: BatteryReading | None,
    soc_kwh: float | None,
) -> Battery:
    """The battery to plan for: options, else the battery's own figures, else defaults."""
    capacity = settings.option(
        CONF_CAPACITY_KWH,
        None if reading is None else reading.capacity_kwh,
        DEFAULT_CAPACITY_KWH,
    )
    capacity = max(capacity, 0.0)
    reserve = settings.option(
        CONF_RESERVE_PERCENT,
        None if reading is None else reading.reserve_percent,
        DEFAULT_RESERVE_PERCENT,
    )
    efficiency = settings.option(
        CONF_EFFICIENCY_PERCENT, None, DEFAULT_EFFICIENCY_PERCENT
    )
    efficiency = min(max(efficiency, 1.0), 100.0) / 100
    floor = capacity * min(max(reserve, 0.0), 100.0) / 100
    if soc_kwh is None and reading is not None:
        soc_kwh = reading.soc_kwh
    soc = floor if soc_kwh is None else min(max(soc_kwh, floor), capacity)
    half_hour = SLOT / dt.timedelta(hours=1)
    return Battery(
        capacity_kwh=capacity,
        soc_kwh=soc,
        floor_kwh=floor,
        max_charge_kwh=max(
            settings.option(CONF_MAX_CHARGE_KW, None, DEFAULT_MAX_CHARGE_KW), 0.0
        )
        * half_hour,
        max_discharge_kwh=max(
            settings.option(CONF_MAX_DISCHARGE_KW, None, DEFAULT_MAX_DISCHARGE_KW),
            0.0,
        )
        * half_hour,
        charge_efficiency=efficiency,
        discharge_efficiency=efficiency,
        wear_cost=max(settings.option(CONF_WEAR_COST, None, DEFAULT_WEAR_COST), 0.0)
        * 100,
    )


def plan_inputs(
    now: dt.datetime,
    imports: Prices,
    export_price: Callable[[dt.datetime], float | None],
    forecaster: Forecaster,
) -> list[SlotInput]:
    """The horizon from the running slot to the last known import price.

    `export_price(moment)` answers p/kWh or None (unknown: the planner
    stops there). The running slot's load and PV are what remains of it.
    """
    start = slot_start(now)
    end = imports.known_until(now)
    if end is None:
        return []
    end = min(end, start + MAX_HORIZON)
    starts = [start + index * SLOT for index in range(int((end - start) / SLOT))]
    load = forecast_load(forecaster.load, starts, now=now)
    pv = forecast_pv(
        forecaster.pv, starts, now=now, solar_forecast=forecaster.solar_forecast
    )
    remaining = (start + SLOT - as_utc(now)) / SLOT
    inputs: list[SlotInput] = []
    for index, moment in enumerate(starts):
        share = remaining if index == 0 else 1.0
        inputs.append(
            SlotInput(
                moment,
                imports.price_at(moment),
                export_price(moment),
                load[index] * share,
                pv[index] * share,
            )
        )
    return inputs


def plan_options(
    inputs: Sequence[SlotInput],
    battery: Battery,
    forecaster: Forecaster,
    *,
    allow_export: bool,
    fields: Mapping[str, Any] | None = None,
) -> PlanOptions:
    """The options of a plan: what energy left at its end is worth, as the benchmark chose.

    The end value repeats the last known day's prices one day on (see
    `forecast.stored_energy_curve`); nothing is planned on them.
    """
    base = PlanOptions(allow_export=allow_export, **(fields or {}))
    known = [slot for slot in inputs if slot.import_price is not None]
    if not known or battery.capacity_kwh <= 0:
        return base
    end = known[-1].end
    last_day = [
        slot
        for slot in known
        if slot.start >= end - dt.timedelta(days=1) and slot.export_price is not None
    ]
    if not last_day:
        return base
    after = [slot.start + dt.timedelta(days=1) for slot in last_day]
    load = forecast_load(forecaster.load, after)
    pv = forecast_pv(forecaster.pv, after, solar_forecast=forecaster.solar_forecast)
    full_slots = [
        SlotInput(slot.start, slot.import_price, slot.export_price, 0.0, 0.0)
        for slot in last_day
    ]
    curve = stored_energy_curve(
        full_slots, load, pv, battery, PlanOptions(allow_export=allow_export)
    )
    return replace(base, end_curve=curve)


def make_plan(
    now: dt.datetime,
    inputs: Sequence[SlotInput],
    battery: Battery,
    forecaster: Forecaster,
    previous: Plan | None,
    *,
    allow_export: bool,
    fields: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan for the known slots (run in the executor: numpy, tens of ms).

    `fields`: further `PlanOptions` (a target SoC by a time, a price cap).
    """
    options = plan_options(
        inputs, battery, forecaster, allow_export=allow_export, fields=fields
    )
    return plan(inputs, battery, options, now=now, previous=previous)


class AgileCoordinator(EnergyHubCoordinator[AgileData]):
    """Keep the prices, poll only for what is missing, re-plan every slot."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: OctopusClient | None,
        store: Store[dict[str, Any]],
        forecaster: Forecaster,
    ) -> None:
        """Set up for one entry; `client` is None when prices come from entities."""
        super().__init__(
            hass, entry, name="Octopus Agile", update_interval=dt.timedelta(minutes=1)
        )
        self.settings = AgileSettings.of(entry)
        self.client = client
        self.store = store
        self.forecaster = forecaster
        self.imports = Prices()
        self.exports: Prices | None = Prices() if self.settings.agile_export else None
        self.cheap_threshold = DEFAULT_CHEAP_THRESHOLD
        self.plan: Plan | None = None
        self._battery: Battery | None = None
        self.last_attempt: dt.datetime | None = None
        self.last_fetch: dt.datetime | None = None
        self.last_error: str | None = None
        self._not_before: dt.datetime | None = None
        # The user's targets (set by the entry's runner, part 2): re-planned on change.
        self.targets: PlanTargets | None = None
        self._planned_at: tuple[dt.datetime, int, PlanTargets | None] | None = None
        self._prices_version = 0
        self.issue_id = f"{ISSUE_PRICES_MISSING}_{entry.entry_id}"

    # Set-up ------------------------------------------------------------------------

    @override
    async def _async_setup_device(self) -> None:
        """Load the stored prices and threshold; follow the rate entities."""
        stored = await self.store.async_load() or {}
        self.imports = Prices.from_dict(stored.get("imports") or {})
        if self.exports is not None:
            self.exports = Prices.from_dict(stored.get("exports") or {})
        threshold = stored.get("cheap_threshold")
        if (
            isinstance(threshold, int | float)
            and not isinstance(threshold, bool)
            and math.isfinite(threshold)
        ):
            self.cheap_threshold = float(threshold)
        if self.settings.price_source is PriceSource.OCTOPUS_ENERGY:
            self.config_entry.async_on_unload(
                async_track_state_change_event(
                    self.hass, list(self.settings.rate_entities), self._rates_changed
                )
            )

    @callback
    def _rates_changed(self, event: Event[EventStateChangedData]) -> None:
        self.config_entry.async_create_task(self.hass, self.async_request_refresh())

    # Each update ----------------------------------------------------------------------

    @override
    async def _async_fetch(self) -> AgileData:
        now = dt_util.utcnow()
        changed = self._prune(now)
        try:
            if self.settings.price_source is PriceSource.OCTOPUS_ENERGY:
                changed += self._read_rate_entities()
            elif self.fetch_due(now):
                changed += await self._fetch(now)
        finally:
            if changed:
                self._prices_version += 1
                await self.save()
            self.update_interval = self.next_wakeup(now)
        self._update_repair(now)
        await self._replan(now)
        return self._data(now)

    def _data(self, now: dt.datetime) -> AgileData:
        return AgileData(
            now=now,
            imports=self.imports,
            exports=self.exports,
            fixed_export_price=self.settings.fixed_export_price,
            has_export=self.settings.export is not ExportTariff.NONE,
            cheap_threshold=self.cheap_threshold,
            plan=self.plan,
            battery=self._battery,
            last_fetch=self.last_fetch,
            last_error=self.last_error,
        )

    def _prune(self, now: dt.datetime) -> int:
        """Forget what is older than today (UK time)."""
        today = uk_day(as_utc(now).astimezone(UK).date())[0]
        pruned = self.imports.prune(today)
        if self.exports is not None:
            pruned += self.exports.prune(today)
        return pruned

    def missing(self, now: dt.datetime) -> bool:
        """Something the API should have is not here yet.

        The rest of today's set; from 16:00 UK time, tomorrow's set.
        """
        window = tomorrow_window(now)
        published = now >= publication_time(now)
        for prices in (self.imports, self.exports):
            if prices is None:
                continue
            if not prices.complete(slot_start(now), window[0]):
                return True
            if published and not prices.complete(*window):
                return True
        return False

    def fetch_due(self, now: dt.datetime) -> bool:
        """Ask the API now: something is missing and the last request is old enough."""
        if self._not_before is not None and now < self._not_before:
            return False
        if self.last_attempt is not None and now - self.last_attempt < POLL_INTERVAL:
            return False
        return self.missing(now)

    def next_wakeup(self, now: dt.datetime) -> dt.timedelta:
        """Until the next slot boundary, poll or publication, whichever comes first."""
        moments = [next_slot_boundary(now) + BOUNDARY_DELAY]
        if self.settings.price_source is PriceSource.OCTOPUS_API:
            if self.missing(now) and self.last_attempt is not None:
                moments.append(self.last_attempt + POLL_INTERVAL)
            publication = publication_time(now)
            if now < publication:
                moments.append(publication + BOUNDARY_DELAY)
            if self._not_before is not None and self._not_before > now:
                moments = [max(moment, self._not_before) for moment in moments]
        return max(min(moments) - now, dt.timedelta(seconds=1))

    async def _fetch(self, now: dt.datetime) -> int:
        """Ask the API for what is missing; keep what is known on failure."""
        settings = self.settings
        if self.client is None or settings.product is None or settings.region is None:
            return 0
        window = tomorrow_window(now)
        today = uk_day(as_utc(now).astimezone(UK).date())[0]
        self.last_attempt = now
        changed = 0
        client = self.client
        try:
            for prices, product in (
                (self.imports, settings.product),
                (self.exports, settings.export_product),
            ):
                if prices is None or product is None:
                    continue
                start = today if not prices.complete(today, window[0]) else window[0]
                slots = await client.unit_rates(
                    product, settings.region, start, window[1]
                )
                changed += prices.update(slots)
        except EnergyHubError as err:
            first_failure = self.last_error is None
            self.last_error = str(err)
            if isinstance(err, DeviceRateLimitedError) and err.retry_after:
                self._not_before = now + dt.timedelta(seconds=err.retry_after)
            if isinstance(err, DeviceAuthError) or self.imports.price_at(now) is None:
                raise
            if first_failure:
                LOGGER.warning(
                    "Octopus Agile: cannot read prices (%s); the known prices"
                    " (until %s) stay in use, retrying in %s",
                    err,
                    self.imports.known_until(now),
                    POLL_INTERVAL,
                )
            return changed
        if self.last_error is not None:
            LOGGER.info("Octopus Agile: prices readable again")
        self.last_error = None
        self.last_fetch = now
        self._not_before = None
        return changed

    def _read_rate_entities(self) -> int:
        """Prices from the Octopus Energy integration's rate event entities."""
        changed = 0
        for entity_id in self.settings.rate_entities:
            state = self.hass.states.get(entity_id)
            if state is None:
                continue
            entries = rates_from_attribute(state.attributes.get("rates"))
            changed += self.imports.update(parse_unit_rates(entries))
        return changed

    async def save(self) -> None:
        """Write what is known now (after each change: a restart loses nothing)."""
        data: dict[str, Any] = {
            "imports": self.imports.as_dict(),
            "cheap_threshold": self.cheap_threshold,
        }
        if self.exports is not None:
            data["exports"] = self.exports.as_dict()
        await self.store.async_save(data)

    async def async_set_cheap_threshold(self, value: float) -> None:
        """The "cheap slot now" threshold (GBP/kWh), kept in the Store."""
        self.cheap_threshold = value
        await self.save()

    # The repair ------------------------------------------------------------------------

    def _update_repair(self, now: dt.datetime) -> None:
        """Tomorrow's prices still missing at 20:00 UK time: say so, until they come."""
        if now >= repair_due(now) and not self.imports.tomorrow_complete(now):
            start, _ = tomorrow_window(now)
            known_until = self.imports.known_until(now)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_PRICES_MISSING,
                translation_placeholders={
                    "entry": self.config_entry.title,
                    "from": start.astimezone(UK).strftime("%Y-%m-%d %H:%M"),
                    "known_until": "-"
                    if known_until is None
                    else known_until.astimezone(UK).strftime("%Y-%m-%d %H:%M"),
                },
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    # The plan ----------------------------------------------------------------------------

    def _export_price(self, moment: dt.datetime) -> float | None:
        if self.exports is not None:
            return self.exports.price_at(moment)
        if self.settings.fixed_export_price is not None:
            return self.settings.fixed_export_price
        if self.settings.export is ExportTariff.AGILE_OUTGOING:
            return None  # not readable here (no API): unknown, never 0
        return 0.0

    async def _replan(self, now: dt.datetime) -> None:
        """A new plan at each slot boundary and when prices change."""
        key = (slot_start(now), self._prices_version, self.targets)
        if self._planned_at == key and self.plan is not None:
            return
        reading = read_battery(self.hass, self.settings.battery_entry_id)
        soc: float | None = None
        if reading is None or reading.soc_kwh is None:
            # Without a battery reading, the plan's own SoC for this moment.
            soc = None if self.plan is None else _planned_soc(self.plan, now)
        battery = planning_battery(self.settings, reading, soc)
        self._battery = battery
        await self.forecaster.async_refresh(now)
        inputs = plan_inputs(now, self.imports, self._export_price, self.forecaster)
        previous = self.plan
        if previous is not None and previous.slot_at(slot_start(now)) is None:
            previous = None
        if self._planned_at is not None and self._planned_at[2] != self.targets:
            previous = None  # new targets: the previous plan was made for others
        fields = (
            None
            if self.targets is None
            else self.targets.plan_fields(now, battery.capacity_kwh, UK)
        )
        self.plan = await self.hass.async_add_executor_job(
            partial(
                make_plan,
                now,
                inputs,
                battery,
                self.forecaster,
                previous,
                allow_export=bool(self.settings.options.get(CONF_ALLOW_GRID_EXPORT)),
                fields=fields,
            )
        )
        self._planned_at = key

    async def async_unload(self) -> None:
        """Stop, and withdraw the repair (it belongs to a running entry)."""
        await self.async_shutdown()
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)


def _planned_soc(previous: Plan, now: dt.datetime) -> float | None:
    slot = previous.slot_at(slot_start(now))
    return None if slot is None else slot.soc_start_kwh
