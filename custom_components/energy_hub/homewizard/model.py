"""A HomeWizard measurement body, read the way the library cannot; Home-Assistant-free.

python-homewizard-energy 10.2.0 parses a measurement into its `Measurement`,
but it logs an ERROR for every `external` entry that lacks a key (on every
poll), a bad timestamp anywhere fails the whole measurement, and it drops
what its model has no field for: the legacy gas fields of older P1 firmware
(`total_gas_m3`, `gas_timestamp`, `gas_unique_id`) and the kWh meters'
apparent and reactive currents. Here the library parses the rest of the body;
`external`, the timestamps and those fields are read from the raw JSON, each
invalid external entry skipped on its own (docs/p1-meter.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime as dt
import json
import math
from typing import Any

from homewizard_energy.models import ExternalDevice, Measurement

type ExternalKind = ExternalDevice.DeviceType

# Units as meters send them (lower case) -> the unit Home Assistant knows.
VOLUME_UNITS: Mapping[str, str] = {"m3": "m³", "m³": "m³", "l": "L"}
ENERGY_UNITS: Mapping[str, str] = {
    "gj": "GJ",
    "mj": "MJ",
    "kwh": "kWh",
    "mwh": "MWh",  # no meter counts milliwatt-hours
    "wh": "Wh",
}

# Body fields the library's model has no place for: v2 name -> v1 name.
EXTRA_FIELDS: Mapping[str, str] = {
    f"{quantity}_current{phase}_a": f"active_{quantity}_current{phase}_a"
    for quantity in ("apparent", "reactive")
    for phase in ("", "_l1", "_l2", "_l3")
}
# The legacy top-level gas fields of P1 firmware before `external`
# (`unique_gas_id` in HomeWizard's table, `gas_unique_id` in its example).
LEGACY_GAS_FIELDS = ("total_gas_m3", "gas_timestamp", "gas_unique_id", "unique_gas_id")
_TIMESTAMP_FIELDS = (
    "timestamp",
    "monthly_power_peak_timestamp",
    "montly_power_peak_timestamp",  # v1's spelling
)


@dataclass(frozen=True, slots=True)
class ExternalReport:
    """What one meter on the P1 port (gas, water, heat, …) reported last.

    `measured_at` is the meter's own time of the report, a wall-clock time
    without a zone; `legacy` marks a report read from the old top-level gas
    fields.
    """

    kind: ExternalKind
    unique_id: str
    value: float
    unit: str
    measured_at: dt.datetime
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    """An `external` entry that could not be read, and why (for one log line)."""

    unique_id: str | None
    kind: str | None
    reason: str

    @property
    def is_meter(self) -> bool:
        """A typed entry: a meter we would show (an untyped one is not a meter)."""
        return self.kind in set(ExternalDevice.DeviceType)


@dataclass(slots=True)
class Reading:
    """One measurement: the library's model plus what it could not read."""

    measurement: Measurement
    external: tuple[ExternalReport, ...] = ()
    skipped: tuple[SkippedEntry, ...] = ()
    extra: dict[str, float] = field(default_factory=dict)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """A meter's timestamp: v1 `YYMMDDhhmmss` (number or digits) or v2 ISO 8601.

    None for anything else (absent, 0, out of range, text that is no time).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        if value.isdigit():
            if len(value) not in (11, 12):  # 2000-2009 loses its leading zero
                return None
            return dt.datetime.strptime(value.zfill(12), "%y%m%d%H%M%S")
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def normalise_unit(unit: Any) -> str | None:
    """A meter's unit as Home Assistant writes it; None if it is not one we know."""
    if not isinstance(unit, str):
        return None
    key = unit.strip().lower()
    return VOLUME_UNITS.get(key) or ENERGY_UNITS.get(key)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _kind(value: Any) -> ExternalKind | None:
    if not isinstance(value, str):
        return None
    try:
        return ExternalDevice.DeviceType(value.lower())
    except ValueError:
        return None


def parse_external(entry: Any) -> ExternalReport | SkippedEntry:
    """One `external` entry, or why it cannot be read."""
    if not isinstance(entry, Mapping):
        return SkippedEntry(None, None, "not an object")
    unique_id = entry.get("unique_id")
    unique_id = unique_id if isinstance(unique_id, str) and unique_id else None
    raw_type = entry.get("type")
    type_name = raw_type if isinstance(raw_type, str) else None

    def skipped(reason: str) -> SkippedEntry:
        return SkippedEntry(unique_id, type_name, reason)

    if (kind := _kind(raw_type)) is None:
        return skipped("no type" if raw_type is None else "unknown type")
    if unique_id is None:
        return skipped("no id")
    if (value := _number(entry.get("value"))) is None:
        return skipped("no value" if entry.get("value") is None else "bad value")
    if (unit := normalise_unit(entry.get("unit"))) is None:
        return skipped("no unit" if entry.get("unit") is None else "unknown unit")
    if (measured_at := parse_timestamp(entry.get("timestamp"))) is None:
        return skipped(
            "no timestamp" if entry.get("timestamp") is None else "bad timestamp"
        )
    return ExternalReport(kind, unique_id, value, unit, measured_at)


def legacy_gas(body: Mapping[str, Any]) -> ExternalReport | None:
    """The old top-level gas fields, if the body has a usable set."""
    value = _number(body.get("total_gas_m3"))
    measured_at = parse_timestamp(body.get("gas_timestamp"))
    if value is None or measured_at is None:
        return None
    unique_id = body.get("gas_unique_id") or body.get("unique_gas_id")
    return ExternalReport(
        ExternalDevice.DeviceType.GAS_METER,
        unique_id if isinstance(unique_id, str) else "",
        value,
        "m³",
        measured_at,
        legacy=True,
    )


def parse_reading(text: str) -> Reading:
    """Parse a measurement body (`/api/v1/data` or `/api/measurement`).

    Raises ValueError or TypeError (or the library's parse errors) for a body that is no
    measurement at all; one bad external entry or timestamp is not that.
    """
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise TypeError(f"a measurement is a JSON object, not {type(raw).__name__}")
    body = dict(raw)
    entries = body.pop("external", None)
    timestamps = {
        key: parse_timestamp(body.pop(key, None)) for key in _TIMESTAMP_FIELDS
    }
    for key in LEGACY_GAS_FIELDS:
        body.pop(key, None)
    extra: dict[str, float] = {}
    for v2_name, v1_name in EXTRA_FIELDS.items():
        for name in (v2_name, v1_name):
            if (value := _number(body.pop(name, None))) is not None:
                extra[v2_name] = value
    measurement = Measurement.from_dict(body)
    measurement.timestamp = timestamps["timestamp"]
    measurement.monthly_power_peak_timestamp = (
        timestamps["monthly_power_peak_timestamp"]
        or timestamps["montly_power_peak_timestamp"]
    )
    reports: list[ExternalReport] = []
    skipped: list[SkippedEntry] = []
    for entry in entries if isinstance(entries, list) else ():
        parsed = parse_external(entry)
        if isinstance(parsed, ExternalReport):
            reports.append(parsed)
        else:
            skipped.append(parsed)
    if not any(
        report.kind is ExternalDevice.DeviceType.GAS_METER for report in reports
    ) and (gas := legacy_gas(raw)):
        reports.append(gas)
    return Reading(measurement, tuple(reports), tuple(skipped), extra)
