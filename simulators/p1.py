"""HomeWizard P1 meter simulator: API v1 (HTTP) and API v2 (HTTPS, token pairing).

The meter integrates its per-phase power into import/export counters on the
meter's own clock (injectable), splits them by tariff, keeps the running
quarter-hour average and the month's peak the way Belgian meters do, and
reports gas and water only at the moments the external meters report.
Bodies follow the real device, quirks included (`montly_power_peak_w`,
YYMMDDhhmmss integers in v1, `null` for L2/L3 on single-phase meters,
`external` entries missing keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
import math
import secrets
from typing import Any, override

from aiohttp import web

from .base import DemoEntry
from .http import HttpSimulator
from .tls import ServerCertificate, make_server_certificate

QUARTER = dt.timedelta(minutes=15)
GAS_INTERVAL = dt.timedelta(minutes=5)
PAIRING_WINDOW = dt.timedelta(seconds=30)
NOMINAL_VOLTAGE = 230.0
# The month's peak before the simulator started: a winter evening's cooking.
REGISTERED_PEAK_W = 3_412.0

type Clock = Callable[[], dt.datetime]


def _local_now() -> dt.datetime:
    # Looked up at call time so a frozen clock in tests is honoured.
    return dt.datetime.now()


def quarter_start(moment: dt.datetime) -> dt.datetime:
    """Start of the quarter-hour that contains `moment`."""
    return moment.replace(
        minute=moment.minute - moment.minute % 15, second=0, microsecond=0
    )


def registered_peak_at(now: dt.datetime) -> dt.datetime | None:
    """When a meter running since the 1st closed its peak quarter: yesterday 18:45.

    On the month's first day, the quarter that closed last; before the month's
    first quarter closed, none.
    """
    first_close = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_close += QUARTER
    closed_last = quarter_start(now)
    if closed_last < first_close:
        return None
    yesterday_evening = (closed_last - dt.timedelta(days=1)).replace(hour=18, minute=45)
    return yesterday_evening if yesterday_evening >= first_close else closed_last


def v1_timestamp(moment: dt.datetime) -> int:
    """The v1 API's timestamp: an integer YYMMDDhhmmss in the meter's local time."""
    return int(moment.strftime("%y%m%d%H%M%S"))


def v2_timestamp(moment: dt.datetime) -> str:
    """The v2 API's timestamp: ISO 8601 without a zone."""
    return moment.replace(microsecond=0).isoformat()


def default_tariff(moment: dt.datetime) -> int:
    """Dutch convention: tariff 1 (low) at night and at weekends, 2 (normal) otherwise."""
    if moment.weekday() >= 5 or moment.hour >= 22 or moment.hour < 7:
        return 1
    return 2


@dataclass
class ExternalMeter:
    """A gas or water meter on the P1 port, reporting every five minutes."""

    unique_id: str
    meter_type: str
    unit: str
    rate_per_hour: float  # consumption while the simulator runs
    value: float
    reported_value: float = 0.0
    reported_at: dt.datetime | None = None


class P1MeterSimulator(HttpSimulator):
    """A HomeWizard P1 meter (HWE-P1) on 127.0.0.1.

    `api` is "v1" (plain HTTP) or "v2" (HTTPS with a throw-away CA whose PEM
    is `certificate.ca_pem`; a client must trust it). Set `phase_power_w`
    to drive the meter (positive = import, negative = export per phase); the
    counters follow on the meter's clock.

    Faults besides the shared ones (`faults`, `set_offline`): `api_enabled =
    False` (v1 "Local API" off: 403), `revoke_tokens()` (v2: 401 from then on),
    `faults.extra["external_without_value"]` (an external entry the library
    drops). Pairing: `press_button()` opens `POST /api/user` for 30 s.

    Like a meter that has run since the 1st, it starts with this month's peak
    registered (3.4 kW, closed yesterday at 18:45); `fresh_month=True` starts
    with none, as a meter does in the first minutes of a month.
    """

    name = "p1"

    def __init__(
        self,
        *,
        api: str = "v1",
        three_phase: bool = True,
        gas: bool = True,
        water: bool = False,
        clock: Clock | None = None,
        serial: str = "3c39e7aabbcc",
        product_type: str = "HWE-P1",
        product_name: str = "P1 meter",
        live_load: bool = False,
        fresh_month: bool = False,
    ) -> None:
        if api not in ("v1", "v2"):
            raise ValueError(f"unknown API version {api!r}")
        self.api = api
        self.certificate: ServerCertificate | None = (
            make_server_certificate("p1meter") if api == "v2" else None
        )
        super().__init__(
            self.certificate.server_context() if self.certificate else None
        )
        self.clock: Clock = clock or _local_now
        self.serial = serial
        self.product_type = product_type
        self.product_name = product_name
        self.three_phase = three_phase
        self.meter_model = "ISKRA 2M550T-1012" if three_phase else "Sagemcom T211"
        self.smr_version = 50
        self.wifi_ssid = "Energy Hub Lab"
        self.wifi_rssi_db = -62
        self.tariff_fn: Callable[[dt.datetime], int] = default_tariff
        # A load that moves every second, as a real home's does (demo, bench).
        self.live_load = live_load
        self._load_step = 0
        self.phase_power_w: list[float] = (
            [420.0, 310.0, 180.0] if three_phase else [910.0]
        )
        self.voltage_v: list[float] = [231.2, 229.8, 230.4][: len(self.phase_power_w)]
        self.frequency_hz = 50.0
        # Counters in kWh per tariff (index 0 = T1, 1 = T2).
        self.import_kwh = [10830.511, 2948.827]
        self.export_kwh = [1422.004, 3110.250]
        self.any_power_fail_count = 4
        self.long_power_fail_count = 1
        self.voltage_sag_count = [1, 0, 0]
        self.voltage_swell_count = [0, 0, 0]
        self.external: list[ExternalMeter] = []
        if gas:
            self.external.append(
                ExternalMeter(
                    "4730303339303031383838303434", "gas_meter", "m3", 0.3, 2569.646
                )
            )
        if water:
            self.external.append(
                ExternalMeter(
                    "4730303339303031363532303530", "water_meter", "m3", 0.02, 123.456
                )
            )
        self.api_enabled = True  # v1 "Local API" switch in the HomeWizard app
        self.tokens: dict[str, str] = {}  # token -> user name (v2)
        self.button_pressed_at: dt.datetime | None = None
        now = self.clock()
        self._last_advance = now
        self._quarter_start = quarter_start(now)
        self._quarter_import_start = sum(self.import_kwh)
        # A meter that ran since the 1st has a peak registered this month; a
        # fresh month (or a meter started in the month's first quarter) has
        # none: 0 W without a time.
        self.monthly_peak_at: dt.datetime | None = (
            None if fresh_month else registered_peak_at(now)
        )
        self.monthly_peak_w = 0.0 if self.monthly_peak_at is None else REGISTERED_PEAK_W
        self.average_power_15m_w = 0.0
        for meter in self.external:
            self._report_external(meter, now)

    # Driving the meter --------------------------------------------------------

    @property
    def power_w(self) -> float:
        """Net active power (positive = import)."""
        return sum(self.phase_power_w)

    def set_power(self, *phase_power_w: float) -> None:
        """Change the load from now on (counters are brought up to date first)."""
        if len(phase_power_w) != len(self.phase_power_w):
            raise ValueError(f"this meter has {len(self.phase_power_w)} phase(s)")
        self.advance()
        self.phase_power_w = list(phase_power_w)
        self.live_load = False

    def press_button(self) -> None:
        """Press the device's button: pairing (`POST /api/user`) is open for 30 s."""
        self.button_pressed_at = self.clock()

    def revoke_tokens(self) -> None:
        """Forget every token (a factory reset or the user removing the pairing)."""
        self.tokens.clear()

    def advance(self) -> None:
        """Bring counters, averages and external meters up to the meter's clock."""
        now = self.clock()
        while self._last_advance < now:
            boundary = self._quarter_start + QUARTER
            step_end = min(now, boundary)
            self._integrate(self._last_advance, step_end)
            self._last_advance = step_end
            if step_end == boundary:
                self._close_quarter(boundary)
        if self.live_load:
            self._vary_load()
        elapsed_kwh = sum(self.import_kwh) - self._quarter_import_start
        # Like the meter: energy of the quarter so far over the whole quarter,
        # so it climbs during the quarter and ends at the quarter's average.
        self.average_power_15m_w = round(elapsed_kwh / 0.25 * 1000, 3)
        for meter in self.external:
            if meter.reported_at is None or now - meter.reported_at >= GAS_INTERVAL:
                self._report_external(meter, now)

    def _integrate(self, start: dt.datetime, end: dt.datetime) -> None:
        hours = (end - start).total_seconds() / 3600
        if hours <= 0:
            return
        tariff_index = 0 if self.tariff_fn(start) == 1 else 1
        net_kw = self.power_w / 1000
        if net_kw >= 0:
            self.import_kwh[tariff_index] += net_kw * hours
        else:
            self.export_kwh[tariff_index] += -net_kw * hours
        for meter in self.external:
            meter.value += meter.rate_per_hour * hours

    def _vary_load(self) -> None:
        # A new load at every reading, as a DSMR 5 meter shows one each second;
        # deterministic, so runs compare.
        self._load_step += 1
        base = (420.0, 310.0, 180.0) if self.three_phase else (910.0,)
        self.phase_power_w = [
            round(watts * (1 + 0.15 * math.sin(self._load_step / (2 + index))), 1)
            for index, watts in enumerate(base)
        ]

    def _close_quarter(self, boundary: dt.datetime) -> None:
        started = self._quarter_start
        average_w = (sum(self.import_kwh) - self._quarter_import_start) / 0.25 * 1000
        if average_w > self.monthly_peak_w:
            self.monthly_peak_w = round(average_w, 3)
            self.monthly_peak_at = boundary
        if boundary.month != started.month:
            # A new month starts with no peak (the meter keeps one per month).
            self.monthly_peak_w = 0.0
            self.monthly_peak_at = None
        self._quarter_start = boundary
        self._quarter_import_start = sum(self.import_kwh)

    def _report_external(self, meter: ExternalMeter, now: dt.datetime) -> None:
        # External meters report on five-minute marks with the mark as timestamp.
        mark = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
        meter.reported_value = round(meter.value, 3)
        meter.reported_at = mark

    # Bodies -------------------------------------------------------------------

    def _phase(self, values: list[float], index: int) -> float | None:
        return values[index] if index < len(values) else None

    def _currents(self) -> list[float]:
        # Recent firmware signs the current like the power.
        return [
            round(power / voltage, 3)
            for power, voltage in zip(self.phase_power_w, self.voltage_v, strict=True)
        ]

    def device_body(self) -> dict[str, Any]:
        """`GET /api`."""
        return {
            "product_type": self.product_type,
            "product_name": self.product_name,
            "serial": self.serial,
            "firmware_version": "6.0203" if self.api == "v2" else "5.18",
            "api_version": "2.0.0" if self.api == "v2" else "v1",
        }

    def v1_data_body(self) -> dict[str, Any]:
        """`GET /api/v1/data`, as a v1 P1 meter sends it."""
        self.advance()
        power = self.phase_power_w
        currents = self._currents()
        body: dict[str, Any] = {
            "wifi_ssid": self.wifi_ssid,
            "wifi_strength": max(0, min(100, 2 * (self.wifi_rssi_db + 100))),
            "smr_version": self.smr_version,
            "meter_model": self.meter_model,
            "unique_id": "4530303434303037313331363130",
            "active_tariff": self.tariff_fn(self.clock()),
            "total_power_import_kwh": round(sum(self.import_kwh), 3),
            "total_power_import_t1_kwh": round(self.import_kwh[0], 3),
            "total_power_import_t2_kwh": round(self.import_kwh[1], 3),
            "total_power_export_kwh": round(sum(self.export_kwh), 3),
            "total_power_export_t1_kwh": round(self.export_kwh[0], 3),
            "total_power_export_t2_kwh": round(self.export_kwh[1], 3),
            "active_power_w": round(self.power_w),
            "active_power_average_w": self.average_power_15m_w,
            "montly_power_peak_w": self.monthly_peak_w,
            "montly_power_peak_timestamp": (
                v1_timestamp(self.monthly_peak_at) if self.monthly_peak_at else None
            ),
            "any_power_fail_count": self.any_power_fail_count,
            "long_power_fail_count": self.long_power_fail_count,
            "external": [],
        }
        for index, phase in enumerate(("l1", "l2", "l3")):
            # Single-phase meters send null for L2 and L3.
            value = self._phase(power, index)
            body[f"active_power_{phase}_w"] = None if value is None else round(value)
            body[f"active_voltage_{phase}_v"] = self._phase(self.voltage_v, index)
            body[f"active_current_{phase}_a"] = self._phase(currents, index)
            body[f"voltage_sag_{phase}_count"] = (
                self.voltage_sag_count[index] if index < len(power) else None
            )
            body[f"voltage_swell_{phase}_count"] = (
                self.voltage_swell_count[index] if index < len(power) else None
            )
        body["active_current_a"] = round(sum(abs(c) for c in currents), 3)
        if self.three_phase:
            body["active_frequency_hz"] = self.frequency_hz
        for meter in self.external:
            body["external"].append(
                {
                    "unique_id": meter.unique_id,
                    "type": meter.meter_type,
                    "timestamp": v1_timestamp(meter.reported_at)
                    if meter.reported_at
                    else None,
                    "value": meter.reported_value,
                    "unit": meter.unit,
                }
            )
        # Real meters also send entries without a type (an unknown M-Bus
        # device) and, on some firmware, entries without value or unit (the
        # library drops those with an error line, so that one is a fault).
        body["external"].append(
            {"unique_id": "00", "timestamp": 230101000000, "value": 0.0, "unit": "m3"}
        )
        if self.faults.extra.get("external_without_value"):
            body["external"].append(
                {"unique_id": "01", "type": "heat_meter", "timestamp": 230101000000}
            )
        return body

    def v2_measurement_body(self) -> dict[str, Any]:
        """`GET /api/measurement`, as a v2 P1 meter sends it."""
        self.advance()
        currents = self._currents()
        body: dict[str, Any] = {
            "protocol_version": self.smr_version,
            "meter_model": self.meter_model,
            "unique_id": "4530303434303037313331363130",
            "timestamp": v2_timestamp(self.clock()),
            "tariff": self.tariff_fn(self.clock()),
            "energy_import_kwh": round(sum(self.import_kwh), 3),
            "energy_import_t1_kwh": round(self.import_kwh[0], 3),
            "energy_import_t2_kwh": round(self.import_kwh[1], 3),
            "energy_export_kwh": round(sum(self.export_kwh), 3),
            "energy_export_t1_kwh": round(self.export_kwh[0], 3),
            "energy_export_t2_kwh": round(self.export_kwh[1], 3),
            "power_w": round(self.power_w),
            "current_a": round(sum(abs(c) for c in currents), 3),
            "any_power_fail_count": self.any_power_fail_count,
            "long_power_fail_count": self.long_power_fail_count,
            "average_power_15m_w": self.average_power_15m_w,
            "monthly_power_peak_w": self.monthly_peak_w,
            "external": [
                {
                    "unique_id": meter.unique_id,
                    "type": meter.meter_type,
                    "timestamp": v2_timestamp(meter.reported_at)
                    if meter.reported_at
                    else None,
                    "value": meter.reported_value,
                    "unit": meter.unit,
                }
                for meter in self.external
            ],
        }
        if self.monthly_peak_at is not None:
            body["monthly_power_peak_timestamp"] = v2_timestamp(self.monthly_peak_at)
        for index, phase in enumerate(("l1", "l2", "l3")[: len(self.phase_power_w)]):
            # v2 leaves out what a single-phase meter does not have.
            body[f"power_{phase}_w"] = round(self.phase_power_w[index])
            body[f"voltage_{phase}_v"] = self.voltage_v[index]
            body[f"current_{phase}_a"] = currents[index]
            body[f"voltage_sag_{phase}_count"] = self.voltage_sag_count[index]
            body[f"voltage_swell_{phase}_count"] = self.voltage_swell_count[index]
        if self.three_phase:
            body["frequency_hz"] = self.frequency_hz
        return body

    def v2_system_body(self) -> dict[str, Any]:
        """`GET /api/system`."""
        return {
            "wifi_ssid": self.wifi_ssid,
            "wifi_rssi_db": self.wifi_rssi_db,
            "cloud_enabled": True,
            "uptime_s": 35_812,
            "status_led_brightness_pct": 100,
            "api_v1_enabled": self.api_enabled,
        }

    # HTTP ---------------------------------------------------------------------

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Both API generations; which one answers depends on `api`."""
        router.add_get("/api", self._get_device)
        router.add_get("/api/v1/data", self._v1(self.v1_data_body))
        router.add_get("/api/v1/system", self._v1(self._v1_system_body))
        router.add_get("/api/v1/telegram", self._v1_telegram)
        router.add_get("/api/measurement", self._v2(self.v2_measurement_body))
        router.add_get("/api/system", self._v2(self.v2_system_body))
        router.add_get("/api/telegram", self._v2_telegram)
        router.add_post("/api/user", self._post_user)

    def _v1_system_body(self) -> dict[str, Any]:
        return {"cloud_enabled": True}

    def _disabled(self) -> web.Response:
        return web.json_response(
            {"error": {"id": 202, "description": "API not enabled"}}, status=403
        )

    def _unauthorized(self) -> web.Response:
        return web.json_response({"error": "user:unauthorized"}, status=401)

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    async def _get_device(self, request: web.Request) -> web.Response:
        if self.api == "v2":
            if not self._authorized(request):
                return self._unauthorized()
        elif not self.api_enabled:
            return self._disabled()
        return web.json_response(self.device_body())

    def _v1(self, body: Callable[[], dict[str, Any]]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if self.api != "v1":
                raise web.HTTPNotFound
            if not self.api_enabled:
                return self._disabled()
            return web.json_response(body())

        return handler

    def _v2(self, body: Callable[[], dict[str, Any]]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if self.api != "v2":
                raise web.HTTPNotFound
            if not self._authorized(request):
                return self._unauthorized()
            return web.json_response(body())

        return handler

    async def _v1_telegram(self, request: web.Request) -> web.Response:
        if self.api != "v1":
            raise web.HTTPNotFound
        if not self.api_enabled:
            return self._disabled()
        return web.Response(text=self._telegram())

    def _telegram(self) -> str:
        self.advance()
        return (
            "/ISK5\\2M550T-1012\r\n\r\n"
            f"1-0:1.8.1({self.import_kwh[0]:010.3f}*kWh)\r\n"
            f"1-0:1.8.2({self.import_kwh[1]:010.3f}*kWh)\r\n!\r\n"
        )

    async def _v2_telegram(self, request: web.Request) -> web.Response:
        if self.api != "v2":
            raise web.HTTPNotFound
        if not self._authorized(request):
            return self._unauthorized()
        return web.Response(text=self._telegram())

    async def _post_user(self, request: web.Request) -> web.Response:
        if self.api != "v2":
            raise web.HTTPNotFound
        try:
            name = (await request.json()).get("name")
        except ValueError:
            name = None
        if not isinstance(name, str) or not name.startswith("local/"):
            return web.json_response({"error": "request:json-invalid"}, status=400)
        pressed = self.button_pressed_at
        if pressed is None or self.clock() - pressed > PAIRING_WINDOW:
            return web.json_response({"error": "user:creation-not-enabled"}, status=403)
        token = secrets.token_hex(16).upper()
        self.tokens[token] = name
        return web.json_response({"token": token, "name": name})

    # Demo ---------------------------------------------------------------------

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """A v1 meter is added with its address; v2 needs a person at the button."""
        if self.api != "v1":
            return []
        return [
            DemoEntry(
                source="p1",
                steps=[{"host": self.address}],
                energy={
                    "grid_import": "energy_import",
                    "grid_export": "energy_export",
                    "gas": "gas",
                    "grid_power": "power",
                },
            )
        ]
