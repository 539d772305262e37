"""Reading a measurement body where python-homewizard-energy cannot (HA-free)."""

import datetime as dt
import json
import logging
from typing import Any

from homewizard_energy.models import ExternalDevice, Measurement
import pytest

from custom_components.energy_hub.homewizard.model import (
    normalise_unit,
    parse_external,
    parse_reading,
    parse_timestamp,
)
from simulators.p1 import (
    INVALID_EXTERNAL_ENTRIES,
    EnergyMeterSimulator,
    P1MeterSimulator,
    WaterMeterSimulator,
)

from .conftest import ManualClock

MONDAY = dt.datetime(2026, 11, 23, 8, 0, 30)


def _p1(**kwargs: Any) -> P1MeterSimulator:
    return P1MeterSimulator(clock=ManualClock(MONDAY), **kwargs)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (261123080010, dt.datetime(2026, 11, 23, 8, 0, 10)),
        ("261123080010", dt.datetime(2026, 11, 23, 8, 0, 10)),
        (90101000000, dt.datetime(2009, 1, 1)),  # 2009 lost its leading zero
        ("2026-11-23T08:00:10", dt.datetime(2026, 11, 23, 8, 0, 10)),
        ("2026-11-23T08:00:10+01:00", dt.datetime(2026, 11, 23, 8, 0, 10)),
        (None, None),
        (0, None),
        (True, None),
        (231399250000, None),  # month 13
        ("not a time", None),
        (2.5, None),
        ("", None),
    ],
)
def test_timestamps(value: Any, expected: dt.datetime | None) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("m3", "m³"),
        ("m³", "m³"),
        ("M3", "m³"),
        ("l", "L"),
        ("GJ", "GJ"),
        ("gj", "GJ"),
        ("kWh", "kWh"),
        ("MWh", "MWh"),
        ("MJ", "MJ"),
        (",3", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_units(unit: Any, expected: str | None) -> None:
    assert normalise_unit(unit) == expected


def test_every_invalid_entry_says_why() -> None:
    reasons = [parse_external(entry) for entry in INVALID_EXTERNAL_ENTRIES]
    assert [getattr(r, "reason", None) for r in reasons] == [
        "no id",
        "unknown type",
        "no value",
        "bad value",
        "no unit",
        "unknown unit",
        "bad timestamp",
        "bad timestamp",
        "no timestamp",
    ]
    assert parse_external("a string").reason == "not an object"  # type: ignore[union-attr]
    assert parse_external({"unique_id": "01"}).reason == "no type"  # type: ignore[union-attr]


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_bad_entries_do_not_break_the_measurement(
    api: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The library fails the whole measurement on a bad timestamp; we skip the entry."""
    meter = _p1(api=api, gas=True, water=True, heat=True)
    meter.faults.extra["invalid_external"] = True
    body = meter.v1_data_body() if api == "v1" else meter.v2_measurement_body()
    text = json.dumps(body)
    with pytest.raises(ValueError):
        Measurement.from_json(text)

    # Without the bad timestamps the library still logs an ERROR per entry.
    readable = dict(body)
    readable["external"] = [
        entry
        for entry in body["external"]
        if not isinstance(entry.get("value"), str)
        and ("timestamp" not in entry or parse_timestamp(entry["timestamp"]))
    ]
    with caplog.at_level(logging.ERROR, logger="homewizard_energy"):
        Measurement.from_json(json.dumps(readable))
    assert len(caplog.records) >= 3
    caplog.clear()

    with caplog.at_level(logging.DEBUG):
        reading = parse_reading(text)
    assert not caplog.records
    assert [report.kind for report in reading.external] == [
        ExternalDevice.DeviceType.GAS_METER,
        ExternalDevice.DeviceType.WATER_METER,
        ExternalDevice.DeviceType.HEAT_METER,
    ]
    heat = reading.external[2]
    assert heat.unit == "GJ"
    assert heat.measured_at == dt.datetime(2026, 11, 23, 8, 0)
    assert len(reading.skipped) == len(INVALID_EXTERNAL_ENTRIES) + (api == "v1")
    assert reading.measurement.power_w == 910
    assert reading.measurement.external_devices is None


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_timestamps_of_the_measurement_are_read_leniently(api: str) -> None:
    meter = _p1(api=api)
    body = meter.v1_data_body() if api == "v1" else meter.v2_measurement_body()
    reading = parse_reading(json.dumps(body))
    assert reading.measurement.monthly_power_peak_timestamp == dt.datetime(
        2026, 11, 22, 18, 45
    )
    if api == "v2":
        assert reading.measurement.timestamp == MONDAY
    # A meter that sends a peak time no calendar has: the rest still reads.
    key = (
        "montly_power_peak_timestamp" if api == "v1" else "monthly_power_peak_timestamp"
    )
    body[key] = 261399250000 if api == "v1" else "2026-13-99T25:00:00"
    with pytest.raises(ValueError):
        Measurement.from_json(json.dumps(body))
    reading = parse_reading(json.dumps(body))
    assert reading.measurement.monthly_power_peak_timestamp is None
    assert reading.measurement.monthly_power_peak_w == 3412.0


def test_legacy_gas_fields() -> None:
    meter = _p1(firmware="legacy")
    body = meter.v1_data_body()
    assert {"total_gas_m3", "gas_timestamp", "gas_unique_id"} <= set(body)
    reading = parse_reading(json.dumps(body))
    [gas] = reading.external
    assert gas.kind is ExternalDevice.DeviceType.GAS_METER
    assert gas.legacy
    assert gas.value == 2569.646
    assert gas.unit == "m³"
    assert gas.measured_at == dt.datetime(2026, 11, 23, 8, 0)
    # HomeWizard's table spells the id `unique_gas_id`.
    body["unique_gas_id"] = body.pop("gas_unique_id")
    assert parse_reading(json.dumps(body)).external[0].unique_id == gas.unique_id
    # Without a usable time there is no reading to follow.
    body["gas_timestamp"] = None
    assert parse_reading(json.dumps(body)).external == ()


def test_current_firmware_prefers_external() -> None:
    body = _p1().v1_data_body()
    body["total_gas_m3"] = 1.0  # would be a misread if it were used
    [gas] = parse_reading(json.dumps(body)).external
    assert not gas.legacy
    assert gas.value == 2569.646


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_kwh_meter_currents_the_library_drops(api: str) -> None:
    meter = EnergyMeterSimulator(
        product_type="HWE-KWH3", api=api, clock=ManualClock(MONDAY)
    )
    body = meter.v1_data_body() if api == "v1" else meter.v2_measurement_body()
    reading = parse_reading(json.dumps(body))
    assert set(reading.extra) == {
        f"{quantity}_current{phase}_a"
        for quantity in ("apparent", "reactive")
        for phase in ("", "_l1", "_l2", "_l3")
    }
    assert reading.measurement.power_factor_l2 == 0.97
    assert reading.measurement.energy_export_kwh == 4321.087
    assert reading.measurement.voltage_l3_v == 231.1


def test_water_meter_body() -> None:
    meter = WaterMeterSimulator(clock=ManualClock(MONDAY))
    reading = parse_reading(json.dumps(meter.v1_data_body()))
    assert reading.measurement.total_liter_m3 == 123.456
    assert reading.measurement.active_liter_lpm == 7.2
    assert reading.measurement.wifi_strength == 76


@pytest.mark.parametrize("text", ["[]", '"text"', "{", "null"])
def test_a_body_that_is_no_measurement_raises(text: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_reading(text)
