"""Coordinator of a HomeWizard device: one poll per tick; the P1's capacity figures."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
import datetime as dt
import logging
import math
import time
from typing import Any, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homewizard_energy.models import Batteries, Device, Measurement, State, System

from ..const import DOMAIN, LOGGER
from ..coordinator import EnergyHubCoordinator
from ..lifetime_total import LifetimeTotal
from ..source import EnergyHubConfigEntry
from .capacity import CapacitySnapshot, CapacityTracker
from .client import ApiVersion, HomeWizardClient
from .const import (
    DEFAULT_PEAK_LIMIT_KW,
    ENERGY_SOCKET,
    MAX_GRID_KWH_PER_HOUR,
    P1_METER,
    PEAK_LIMIT_MAX_KW,
    PEAK_LIMIT_MIN_KW,
    SYSTEM_REFRESH_S,
)
from .model import ExternalKind, ExternalReport, Reading, SkippedEntry

STORAGE_VERSION = 1
# A device's uptime moves with every read; its start time stays put unless it
# restarted (or the clocks drift by more than this).
BOOT_TIME_TOLERANCE = dt.timedelta(seconds=60)


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where a P1 entry keeps its peak limit (the only thing the source writes).

    The key predates the package's rename and stays, so stored limits stay.
    """
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.p1_{entry_id}")


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's store when the entry is deleted."""
    await _store(hass, entry_id).async_remove()


def _valid_peak_limit(value: Any) -> float | None:
    """A peak limit as stored or asked for: a finite number in range, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    limit_kw = float(value)
    if not math.isfinite(limit_kw) or not (
        PEAK_LIMIT_MIN_KW <= limit_kw <= PEAK_LIMIT_MAX_KW
    ):
        return None
    return limit_kw


@dataclass(frozen=True, slots=True)
class ExternalReading:
    """What a meter on the P1 port (gas, water, heat, …) last reported.

    `measured_at` is the meter's own time. `new` is true on the one poll that
    brought this reading; the P1 meter sends the same reading again on every
    poll until the meter reports (every 5 minutes on DSMR 5, every hour on
    DSMR 4), and those repeats are not readings of their own.
    """

    value: float
    unit: str
    measured_at: dt.datetime
    unique_id: str
    new: bool = True


@dataclass(frozen=True, slots=True)
class HomeWizardData:
    """Everything a HomeWizard device's entities show after one tick."""

    device: Device
    measurement: Measurement
    system: System | None
    capacity: CapacitySnapshot
    peak_limit_kw: float
    external: Mapping[ExternalKind, ExternalReading] = field(default_factory=dict)
    # Fields the library's model has no place for (apparent/reactive current).
    extra: Mapping[str, float] = field(default_factory=dict)
    state: State | None = None
    batteries: Batteries | None = None
    booted_at: dt.datetime | None = None

    @property
    def wifi_strength_pct(self) -> int | None:
        """Wi-Fi strength: /api/system on v2, the measurement on v1."""
        if self.system is not None and self.system.wifi_strength_pct is not None:
            return self.system.wifi_strength_pct
        return self.measurement.wifi_strength

    @property
    def wifi_ssid(self) -> str | None:
        """The Wi-Fi network: /api/system on v2, the measurement on v1."""
        if self.system is not None and self.system.wifi_ssid is not None:
            return self.system.wifi_ssid
        return self.measurement.wifi_ssid

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        # Not the models' to_dict(): it leaves out what is None.
        return {
            "device": asdict(self.device),
            "measurement": asdict(self.measurement),
            "extra": dict(self.extra),
            "system": None if self.system is None else asdict(self.system),
            "state": None if self.state is None else asdict(self.state),
            "batteries": None if self.batteries is None else asdict(self.batteries),
            # A list keeps the meters' ids (`unique_id`) redactable.
            "external": [
                {"type": str(kind), **asdict(reading)}
                for kind, reading in self.external.items()
            ],
            "capacity": asdict(self.capacity),
            "peak_limit_kw": self.peak_limit_kw,
        }


def meter_time(value: dt.datetime | None) -> dt.datetime | None:
    """The meter's timestamps are wall-clock times without a zone: make them local."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt_util.get_default_time_zone())


class HomeWizardCoordinator(EnergyHubCoordinator[HomeWizardData]):
    """Poll the device; on a P1 meter follow the capacity tariff and its peak limit."""

    # Product, serial and firmware: read once, before the first poll.
    device: Device

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: HomeWizardClient,
        *,
        poll_interval: dt.timedelta,
        capacity_rate: float,
    ) -> None:
        """Set up polling of one device."""
        super().__init__(hass, entry, name=entry.title, update_interval=poll_interval)
        self.client = client
        self.capacity = CapacityTracker(capacity_rate)
        # The capacity figures follow the import counter through the same
        # guard as the Energy dashboard's total: a misread is withheld, a
        # replaced meter rebased (the tracker would take its lower count for
        # a glitch for good).
        self._import_total = LifetimeTotal(MAX_GRID_KWH_PER_HOUR)
        self.peak_limit_kw = DEFAULT_PEAK_LIMIT_KW
        self._store = _store(hass, entry.entry_id)
        self._system: System | None = None
        self._system_read_at = -float("inf")
        self._booted_at: dt.datetime | None = None
        self._external: dict[ExternalKind, ExternalReading] = {}
        # External entries already logged as unreadable: said once, not per poll.
        self._told: set[SkippedEntry] = set()
        # (kind, unit) of the external meters the entry's entities describe;
        # set by the source. A meter that turns up later reloads the entry once.
        self.described_external: frozenset[tuple[ExternalKind, str]] | None = None
        self._reload_asked = False
        # v2 meters that steer Plug-In Batteries: asked until the device says
        # it has no battery group (v1, other products, older firmware).
        self._batteries_offered = True

    @property
    def is_p1(self) -> bool:
        """A P1 meter (capacity tariff, external meters)."""
        return self.device.product_type == P1_METER

    @override
    async def _async_setup_device(self) -> None:
        """Read the device's identity; restore the P1's peak limit."""
        self.device = await self.client.device()
        if not self.is_p1:
            return
        stored = await self._store.async_load()
        if stored is None:
            return
        saved = stored.get("peak_limit_kw") if isinstance(stored, dict) else stored
        if (limit_kw := _valid_peak_limit(saved)) is None:
            # A store edited by hand or written by an older version (a NaN
            # is saved as null): not a limit to act on.
            LOGGER.warning(
                "P1 meter: the stored capacity peak limit %r is not a number from"
                " %g to %g kW; using %g kW",
                saved,
                PEAK_LIMIT_MIN_KW,
                PEAK_LIMIT_MAX_KW,
                DEFAULT_PEAK_LIMIT_KW,
            )
            return
        self.peak_limit_kw = limit_kw

    async def async_set_peak_limit(self, limit_kw: float) -> None:
        """Keep a new peak limit (stored locally; the meter knows nothing of it)."""
        if (valid := _valid_peak_limit(limit_kw)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="value_out_of_range",
                translation_placeholders={
                    "value": str(limit_kw),
                    "min": f"{PEAK_LIMIT_MIN_KW:g}",
                    "max": f"{PEAK_LIMIT_MAX_KW:g}",
                },
            )
        self.peak_limit_kw = valid
        await self._store.async_save({"peak_limit_kw": valid})

    # Controls (the entities refresh after each) ------------------------------

    async def async_set_power_on(self, on: bool) -> None:
        """Switch a socket's relay."""
        await self.client.set_state(power_on=on)

    async def async_set_switch_lock(self, locked: bool) -> None:
        """Lock a socket on (its button and the app cannot switch it off)."""
        await self.client.set_state(switch_lock=locked)

    async def async_set_cloud(self, enabled: bool) -> None:
        """Connect the device to HomeWizard's cloud, or keep it local only."""
        await self.client.set_system(cloud_enabled=enabled)
        self._system_read_at = -float("inf")  # show it at the next read

    async def async_set_battery_mode(self, option: str) -> None:
        """The Plug-In Battery group's mode."""
        await self.client.set_battery_mode(Batteries.Mode(option))

    async def async_set_brightness(self, percent: float) -> None:
        """The status light (v2) or a v1 socket's LED ring, in percent."""
        if (
            self.device.product_type == ENERGY_SOCKET
            and self.client.api is ApiVersion.V1
        ):
            await self.client.set_state(brightness=round(percent * 255 / 100))
        else:
            await self.client.set_system(status_led_brightness_pct=round(percent))
            self._system_read_at = -float("inf")

    # Polling ------------------------------------------------------------------

    @override
    async def _async_fetch(self) -> HomeWizardData:
        reading = await self.client.measurement()
        measurement = reading.measurement
        if time.monotonic() - self._system_read_at >= SYSTEM_REFRESH_S:
            self._system = await self.client.system()
            self._system_read_at = time.monotonic()
        state = (
            await self.client.state()
            if self.device.product_type == ENERGY_SOCKET
            else None
        )
        batteries = None
        if self._batteries_offered:
            batteries = await self.client.batteries()
            self._batteries_offered = batteries is not None
        now = dt_util.now()
        snapshot = CapacitySnapshot()
        if self.is_p1:
            snapshot = self._follow_capacity(measurement, now)
            self._read_external(reading)
        return HomeWizardData(
            device=self.device,
            measurement=measurement,
            system=self._system,
            capacity=snapshot,
            peak_limit_kw=self.peak_limit_kw,
            external=dict(self._external),
            extra=reading.extra,
            state=state,
            batteries=batteries,
            booted_at=self._boot_time(now),
        )

    def _follow_capacity(
        self, measurement: Measurement, now: dt.datetime
    ) -> CapacitySnapshot:
        # A Belgian meter sends 0 W and no time until the month's first
        # quarter closes: the peak so far is 0 kW, its time unknown.
        meter_peak_w = measurement.monthly_power_peak_w
        meter_peak_at = meter_time(measurement.monthly_power_peak_timestamp)
        import_kwh = measurement.energy_import_kwh
        if import_kwh is not None:
            self._import_total.accept(float(import_kwh), now.timestamp())
            import_kwh = self._import_total.published
        return self.capacity.update(
            now,
            import_kwh,
            measurement.power_w,
            self.peak_limit_kw,
            meter_peak_kw=None if meter_peak_w is None else meter_peak_w / 1000,
            meter_peak_at=meter_peak_at,
        )

    def _boot_time(self, now: dt.datetime) -> dt.datetime | None:
        uptime_s = None if self._system is None else self._system.uptime_s
        if uptime_s is None:
            return self._booted_at
        booted_at = now - dt.timedelta(seconds=uptime_s)
        if (
            self._booted_at is None
            or abs(booted_at - self._booted_at) > BOOT_TIME_TOLERANCE
        ):
            self._booted_at = booted_at.replace(microsecond=0)
        return self._booted_at

    def _read_external(self, reading: Reading) -> None:
        # A value counts only when the meter's own timestamp moves on: the
        # same value re-sent is not a new reading.
        self._external = {
            kind: replace(previous, new=False)
            for kind, previous in self._external.items()
        }
        zone = dt_util.get_default_time_zone()
        for report in self._pick_reports(reading.external):
            measured_at = report.measured_at.replace(tzinfo=zone)
            previous = self._external.get(report.kind)
            if (
                previous is not None
                and report.unit == previous.unit
                and measured_at <= previous.measured_at
            ):
                continue
            self._external[report.kind] = ExternalReading(
                report.value, report.unit, measured_at, report.unique_id
            )
        self._tell_skipped(reading.skipped)
        self._reload_for_new_meters()

    def _pick_reports(
        self, reports: tuple[ExternalReport, ...]
    ) -> list[ExternalReport]:
        """One report per kind: the meter followed so far, else the first one."""
        picked: dict[ExternalKind, ExternalReport] = {}
        for report in reports:
            followed = self._external.get(report.kind)
            if report.kind not in picked or (
                followed is not None and report.unique_id == followed.unique_id
            ):
                picked[report.kind] = report
        return list(picked.values())

    def _tell_skipped(self, skipped: tuple[SkippedEntry, ...]) -> None:
        for entry in skipped:
            if entry in self._told:
                continue
            self._told.add(entry)
            # An untyped or unknown device is no meter to show; a meter whose
            # entry cannot be read is worth one line.
            LOGGER.log(
                logging.WARNING if entry.is_meter else logging.DEBUG,
                "%s: skipped an entry of the external meters (type %s): %s",
                self.name,
                entry.kind,
                entry.reason,
            )

    def _reload_for_new_meters(self) -> None:
        if self.described_external is None or self._reload_asked:
            return
        present = {(kind, reading.unit) for kind, reading in self._external.items()}
        if present <= self.described_external:
            return
        self._reload_asked = True
        LOGGER.info(
            "%s: a meter on the P1 port started reporting (%s); reloading to add it",
            self.name,
            ", ".join(
                sorted(str(kind) for kind, _ in present - self.described_external)
            ),
        )
        self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
