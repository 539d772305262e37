"""Coordinator of a HomeWizard P1 meter: one poll per tick, capacity figures."""

from dataclasses import asdict, dataclass
import datetime as dt
import time
from typing import Any, override

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homewizard_energy.models import Device, ExternalDevice, Measurement, System

from ..const import DOMAIN
from ..coordinator import EnergyHubCoordinator
from ..source import EnergyHubConfigEntry
from .capacity import CapacitySnapshot, CapacityTracker
from .client import P1Client
from .const import DEFAULT_PEAK_LIMIT_KW, SYSTEM_REFRESH_S

STORAGE_VERSION = 1


@dataclass(frozen=True, slots=True)
class ExternalReading:
    """What a gas or water meter last reported, with the meter's own time."""

    value: float
    measured_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class P1Data:
    """Everything the P1 entities show after one tick."""

    device: Device
    measurement: Measurement
    system: System | None
    gas: ExternalReading | None
    water: ExternalReading | None
    capacity: CapacitySnapshot
    peak_limit_kw: float

    @property
    def wifi_strength_pct(self) -> int | None:
        """Wi-Fi strength: /api/system on v2, the measurement on v1."""
        if self.system is not None and self.system.wifi_strength_pct is not None:
            return self.system.wifi_strength_pct
        return self.measurement.wifi_strength

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        # Not the models' to_dict(): it fails on external meters' ids.
        measurement = asdict(self.measurement)
        if (external := measurement.get("external_devices")) is not None:
            # Keyed by "<type>_<meter id>": a list keeps the ids redactable.
            measurement["external_devices"] = list(external.values())
        return {
            "device": asdict(self.device),
            "measurement": measurement,
            "system": None if self.system is None else asdict(self.system),
            "gas": None if self.gas is None else asdict(self.gas),
            "water": None if self.water is None else asdict(self.water),
            "capacity": asdict(self.capacity),
            "peak_limit_kw": self.peak_limit_kw,
        }


def meter_time(value: dt.datetime | None) -> dt.datetime | None:
    """The meter's timestamps are wall-clock times without a zone: make them local."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt_util.get_default_time_zone())


class P1Coordinator(EnergyHubCoordinator[P1Data]):
    """Poll the meter; follow the capacity tariff; keep the peak limit."""

    # Product, serial and firmware: read once, before the first poll.
    device: Device

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: P1Client,
        *,
        poll_interval: dt.timedelta,
        capacity_rate: float,
    ) -> None:
        """Set up polling of one meter."""
        super().__init__(hass, entry, name="P1 meter", update_interval=poll_interval)
        self.client = client
        self.capacity = CapacityTracker(capacity_rate)
        self.peak_limit_kw = DEFAULT_PEAK_LIMIT_KW
        self._store: Store[dict[str, float]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.p1_{entry.entry_id}"
        )
        self._system: System | None = None
        self._system_read_at = -float("inf")
        self._external: dict[ExternalDevice.DeviceType, ExternalReading] = {}

    @override
    async def _async_setup_device(self) -> None:
        """Read the meter's identity; restore the peak limit the user set last time."""
        self.device = await self.client.device()
        if (stored := await self._store.async_load()) is not None:
            self.peak_limit_kw = float(stored.get("peak_limit_kw", self.peak_limit_kw))

    async def async_set_peak_limit(self, limit_kw: float) -> None:
        """Keep a new peak limit (stored locally; the meter knows nothing of it)."""
        self.peak_limit_kw = limit_kw
        await self._store.async_save({"peak_limit_kw": limit_kw})

    @override
    async def _async_fetch(self) -> P1Data:
        measurement = await self.client.measurement()
        if time.monotonic() - self._system_read_at >= SYSTEM_REFRESH_S:
            self._system = await self.client.system()
            self._system_read_at = time.monotonic()
        now = dt_util.now()
        # A Belgian meter sends 0 W and no time until the month's first
        # quarter closes: the peak so far is 0 kW, its time unknown.
        meter_peak_w = measurement.monthly_power_peak_w
        meter_peak_at = meter_time(measurement.monthly_power_peak_timestamp)
        snapshot = self.capacity.update(
            now,
            measurement.energy_import_kwh,
            measurement.power_w,
            self.peak_limit_kw,
            meter_peak_kw=None if meter_peak_w is None else meter_peak_w / 1000,
            meter_peak_at=meter_peak_at,
        )
        self._read_external(measurement)
        return P1Data(
            device=self.device,
            measurement=measurement,
            system=self._system,
            gas=self._external.get(ExternalDevice.DeviceType.GAS_METER),
            water=self._external.get(ExternalDevice.DeviceType.WATER_METER),
            capacity=snapshot,
            peak_limit_kw=self.peak_limit_kw,
        )

    def _read_external(self, measurement: Measurement) -> None:
        # A gas or water value counts only when the meter's own timestamp
        # moves on: the same value re-sent, or a value without a time that is
        # newer than what we hold, is not a new reading.
        for external in (measurement.external_devices or {}).values():
            if external.type not in (
                ExternalDevice.DeviceType.GAS_METER,
                ExternalDevice.DeviceType.WATER_METER,
            ):
                continue
            measured_at = meter_time(external.timestamp)
            previous = self._external.get(external.type)
            if (
                previous is not None
                and previous.measured_at is not None
                and (measured_at is None or measured_at <= previous.measured_at)
            ):
                continue
            self._external[external.type] = ExternalReading(
                float(external.value), measured_at
            )
