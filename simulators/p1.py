"""HomeWizard device simulators: API v1 (HTTP) and API v2 (HTTPS, token pairing).

`P1MeterSimulator` is a P1 meter (HWE-P1). It integrates its per-phase power
into import/export counters on the meter's own clock (injectable), splits
them by tariff, keeps the running quarter-hour average and the month's peak
the way Belgian meters do, and reports the meters on its port (gas, water,
warm water, heat, inlet heat) only at the moments they report. Bodies follow
the real device, quirks included (`montly_power_peak_w`, YYMMDDhhmmss
integers in v1, `null` for L2/L3 on single-phase meters, `external` entries
missing keys, the legacy top-level gas fields; `firmware="legacy"` is a
meter from before `external`).

`EnergyMeterSimulator` is a kWh meter (HWE-KWH1, HWE-KWH3, SDM230-wifi,
SDM630-wifi) or an Energy Socket (HWE-SKT, with its relay, switch lock and
LED ring); `WaterMeterSimulator` the water meter (HWE-WTR, on USB power).

Over v2 a device serves a certificate named `appliance/<kind>/<serial>` (as
HomeWizard's devices do, `p1dongle` for a P1 meter), signed by a throw-away CA.
"""

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
# External meters report every 5 minutes on DSMR 5, every hour on DSMR 4.
GAS_INTERVAL = dt.timedelta(minutes=5)
DSMR4_GAS_INTERVAL = dt.timedelta(hours=1)
PAIRING_WINDOW = dt.timedelta(seconds=30)
NOMINAL_VOLTAGE = 230.0
# The month's peak before the simulator started: a winter evening's cooking.
REGISTERED_PEAK_W = 3_412.0

# The kind of device a certificate names (python-homewizard-energy's MODEL_TO_ID).
CERTIFICATE_KINDS = {
    "HWE-P1": "p1dongle",
    "HWE-SKT": "energysocket",
    "HWE-WTR": "watermeter",
    "HWE-KWH1": "energymeter",
    "HWE-KWH3": "energymeter",
    "SDM230-wifi": "energymeter",
    "SDM630-wifi": "energymeter",
    "HWE-DSP": "display",
    "HWE-BAT": "battery",
}
PRODUCT_NAMES = {
    "HWE-P1": "P1 meter",
    "HWE-SKT": "Energy Socket",
    "HWE-WTR": "Watermeter",
    "HWE-KWH1": "kWh meter",
    "HWE-KWH3": "kWh meter",
    "SDM230-wifi": "kWh meter",
    "SDM630-wifi": "kWh meter",
    "HWE-DSP": "Energy Display",
    "HWE-BAT": "Plug-In Battery",
}
THREE_PHASE_METERS = ("HWE-KWH3", "SDM630-wifi")

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


def certificate_name(serial: str, product_type: str = "HWE-P1") -> str:
    """The name on a device's certificate (HomeWizard's `appliance/<kind>/<serial>`)."""
    return f"appliance/{CERTIFICATE_KINDS[product_type]}/{serial}"


@dataclass
class ExternalMeter:
    """A meter on the P1 port (gas, water, heat, …), reporting every `interval`.

    `reporting = False`: the meter fell silent (a flat battery, out of radio
    range); the P1 meter keeps sending its last report.
    """

    unique_id: str
    meter_type: str
    unit: str
    rate_per_hour: float  # consumption while the simulator runs
    value: float
    interval: dt.timedelta = GAS_INTERVAL
    reported_value: float = 0.0
    reported_at: dt.datetime | None = None
    reporting: bool = True

    def replace(self, value: float) -> None:
        """A new meter is fitted: its count starts at `value` (reported at its next mark)."""
        self.value = value


# Entries of `external` that real meters send or that break the library's
# parsing: each must be skipped on its own, the rest of the body still read.
INVALID_EXTERNAL_ENTRIES: tuple[dict[str, Any], ...] = (
    # No id (an M-Bus device that did not identify itself).
    {"type": "gas_meter", "timestamp": 230101000000, "value": 1.0, "unit": "m3"},
    # A type the API documents nowhere.
    {
        "unique_id": "0A",
        "type": "catfish",
        "timestamp": 230101000000,
        "value": 1.0,
        "unit": "m3",
    },
    # No value, a value that is no number, no unit, a unit nobody knows.
    {"unique_id": "0B", "type": "heat_meter", "timestamp": 230101000000, "unit": "GJ"},
    {
        "unique_id": "0C",
        "type": "water_meter",
        "timestamp": 230101000000,
        "value": "n/a",
        "unit": "m3",
    },
    {"unique_id": "0D", "type": "gas_meter", "timestamp": 230101000000, "value": 2.0},
    {
        "unique_id": "0E",
        "type": "warm_water_meter",
        "timestamp": 230101000000,
        "value": 2.0,
        "unit": ",3",
    },
    # Timestamps the library cannot parse (the whole measurement fails there).
    {
        "unique_id": "0F",
        "type": "gas_meter",
        "timestamp": 231399250000,
        "value": 3.0,
        "unit": "m3",
    },
    {
        "unique_id": "10",
        "type": "water_meter",
        "timestamp": "not a time",
        "value": 3.0,
        "unit": "m3",
    },
    {"unique_id": "11", "type": "gas_meter", "value": 3.0, "unit": "m3"},
)


class HomeWizardSimulator(HttpSimulator):
    """What every HomeWizard device shares: identity, API switch, v2 pairing, system.

    `api` is "v1" (plain HTTP) or "v2" (HTTPS with a throw-away CA whose PEM
    is `certificate.ca_pem`; a client must trust it). Faults besides the
    shared ones (`faults`, `set_offline`): `api_enabled = False` (v1 "Local
    API" off: 403), `revoke_tokens()` (v2: 401 from then on),
    `certificate_serial` (v2: serve a certificate naming another device).
    Pairing: `press_button()` opens `POST /api/user` for 30 s.
    """

    def __init__(
        self,
        *,
        api: str,
        product_type: str,
        product_name: str | None,
        serial: str,
        clock: Clock | None,
        certificate_serial: str | None,
    ) -> None:
        if api not in ("v1", "v2"):
            raise ValueError(f"unknown API version {api!r}")
        self.api = api
        self.certificate: ServerCertificate | None = (
            make_server_certificate(
                certificate_name(certificate_serial or serial, product_type)
            )
            if api == "v2"
            else None
        )
        super().__init__(
            self.certificate.server_context() if self.certificate else None
        )
        self.clock: Clock = clock or _local_now
        self.serial = serial
        self.product_type = product_type
        self.product_name = product_name or PRODUCT_NAMES.get(product_type, "")
        self.wifi_ssid = "Energy Hub Lab"
        self.wifi_rssi_db = -62
        self.cloud_enabled = True
        self.status_led_brightness_pct = 100
        # Up for ten hours when the simulator starts; `reboot()` restarts it.
        self.booted_at = self.clock() - dt.timedelta(seconds=35_812)
        self.api_enabled = True  # v1 "Local API" switch in the HomeWizard app
        self.tokens: dict[str, str] = {}  # token -> user name (v2)
        self.button_pressed_at: dt.datetime | None = None

    @property
    def wifi_strength(self) -> int:
        """v1's Wi-Fi strength in percent, from the RSSI as v2's clients compute it."""
        return max(0, min(100, 2 * (self.wifi_rssi_db + 100)))

    @property
    def uptime_s(self) -> int:
        """Seconds since the device started, on its clock."""
        return int((self.clock() - self.booted_at).total_seconds())

    def reboot(self) -> None:
        """The device restarts (its uptime starts again from 0)."""
        self.booted_at = self.clock()

    def press_button(self) -> None:
        """Press the device's button: pairing (`POST /api/user`) is open for 30 s."""
        self.button_pressed_at = self.clock()

    def revoke_tokens(self) -> None:
        """Forget every token (a factory reset or the user removing the pairing)."""
        self.tokens.clear()

    # Bodies -------------------------------------------------------------------

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
        """`GET /api/v1/data`."""
        raise NotImplementedError

    def v2_measurement_body(self) -> dict[str, Any]:
        """`GET /api/measurement`."""
        raise NotImplementedError

    def v2_system_body(self) -> dict[str, Any]:
        """`GET /api/system`."""
        return {
            "wifi_ssid": self.wifi_ssid,
            "wifi_rssi_db": self.wifi_rssi_db,
            "cloud_enabled": self.cloud_enabled,
            "uptime_s": self.uptime_s,
            "status_led_brightness_pct": self.status_led_brightness_pct,
            "api_v1_enabled": self.api_enabled,
        }

    def v1_system_body(self) -> dict[str, Any]:
        """`GET /api/v1/system`: the cloud switch only."""
        return {"cloud_enabled": self.cloud_enabled}

    def telegram(self) -> str | None:
        """The smart meter's telegram (P1 meters only)."""
        return None

    # HTTP ---------------------------------------------------------------------

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Both API generations; which one answers depends on `api`."""
        router.add_get("/api", self._get_device)
        router.add_get("/api/v1/data", self._v1(self.v1_data_body))
        router.add_route("*", "/api/v1/system", self._v1_system)
        router.add_route("*", "/api/v1/state", self._v1_state)
        router.add_get("/api/v1/telegram", self._v1_telegram)
        router.add_get("/api/measurement", self._v2(self.v2_measurement_body))
        router.add_route("*", "/api/system", self._v2_system)
        router.add_get("/api/telegram", self._v2_telegram)
        router.add_route("*", "/api/batteries", self._v2_batteries)
        router.add_post("/api/user", self._post_user)

    def _disabled(self) -> web.Response:
        return web.json_response(
            {"error": {"id": 202, "description": "API not enabled"}}, status=403
        )

    def _unauthorized(self) -> web.Response:
        return web.json_response({"error": "user:unauthorized"}, status=401)

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def _refusal(self, request: web.Request, api: str) -> web.Response | None:
        """Why a request of API `api` is not served; None: it is."""
        if self.api != api:
            raise web.HTTPNotFound
        if api == "v1" and not self.api_enabled:
            return self._disabled()
        if api == "v2" and not self._authorized(request):
            return self._unauthorized()
        return None

    async def _get_device(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, self.api)) is not None:
            return refusal
        return web.json_response(self.device_body())

    def _v1(self, body: Callable[[], dict[str, Any]]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if (refusal := self._refusal(request, "v1")) is not None:
                return refusal
            return web.json_response(body())

        return handler

    def _v2(self, body: Callable[[], dict[str, Any]]) -> Any:
        async def handler(request: web.Request) -> web.Response:
            if (refusal := self._refusal(request, "v2")) is not None:
                return refusal
            return web.json_response(body())

        return handler

    async def _json(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest
        return body

    async def _v1_system(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, "v1")) is not None:
            return refusal
        if request.method == "PUT":
            body = await self._json(request)
            if not isinstance(body.get("cloud_enabled"), bool):
                raise web.HTTPBadRequest
            self.cloud_enabled = body["cloud_enabled"]
        return web.json_response(self.v1_system_body())

    async def _v2_system(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, "v2")) is not None:
            return refusal
        if request.method == "PUT":
            body = await self._json(request)
            if isinstance(body.get("cloud_enabled"), bool):
                self.cloud_enabled = body["cloud_enabled"]
            brightness = body.get("status_led_brightness_pct")
            if isinstance(brightness, int) and 0 <= brightness <= 100:
                self.status_led_brightness_pct = brightness
        return web.json_response(self.v2_system_body())

    async def _v1_state(self, request: web.Request) -> web.Response:
        """Only sockets have a state; the others answer 404 (as real devices)."""
        raise web.HTTPNotFound

    def batteries_body(self) -> dict[str, Any] | None:
        """`GET /api/batteries` (v2): the Plug-In Battery group; None: not offered."""
        return None

    def set_battery_mode(self, mode: str, permissions: list[str] | None) -> bool:
        """`PUT /api/batteries`; False: refused."""
        return False

    async def _v2_batteries(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, "v2")) is not None:
            return refusal
        if self.batteries_body() is None:
            raise web.HTTPNotFound
        if request.method == "PUT":
            body = await self._json(request)
            permissions = body.get("permissions")
            if not isinstance(body.get("mode"), str) or not self.set_battery_mode(
                body["mode"], permissions if isinstance(permissions, list) else None
            ):
                return web.json_response({"error": "request:invalid-value"}, status=400)
        return web.json_response(self.batteries_body())

    async def _v1_telegram(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, "v1")) is not None:
            return refusal
        if (telegram := self.telegram()) is None:
            raise web.HTTPNotFound
        return web.Response(text=telegram)

    async def _v2_telegram(self, request: web.Request) -> web.Response:
        if (refusal := self._refusal(request, "v2")) is not None:
            return refusal
        if (telegram := self.telegram()) is None:
            raise web.HTTPNotFound
        return web.Response(text=telegram)

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


class P1MeterSimulator(HomeWizardSimulator):
    """A HomeWizard P1 meter (HWE-P1) on 127.0.0.1.

    Set `phase_power_w` to drive the meter (positive = import, negative =
    export per phase); the counters follow on the meter's clock. Meters on its
    port: `gas`, `water` (m³), `warm_water` (m³), `heat` (GJ), `inlet_heat`
    (m³, a heat meter counting its water). `firmware="legacy"`: a meter from
    before `external`, which reports gas only in `total_gas_m3`,
    `gas_timestamp` and `gas_unique_id` (current v1 firmware still sends
    those next to `external`). `tariffs=4`: a meter with four tariff
    registers.

    Faults besides the shared ones: `faults.extra["external_without_value"]`
    (an external entry the library drops), `faults.extra["invalid_external"]`
    (every kind of unreadable entry, `INVALID_EXTERNAL_ENTRIES`),
    `faults.extra["import_kwh_misread"]` (the total import reads this value,
    e.g. 429496729.5, while set; the counters themselves go on).
    `replace_meter()` fits a new electricity meter (counters restart small);
    `ExternalMeter.replace()` a new gas or water meter. `batteries=2`: over v2
    the meter steers two Plug-In Batteries (`/api/batteries`).

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
        warm_water: bool = False,
        heat: bool = False,
        inlet_heat: bool = False,
        firmware: str = "current",
        tariffs: int = 2,
        batteries: int = 0,
        clock: Clock | None = None,
        serial: str = "3c39e7aabbcc",
        product_type: str = "HWE-P1",
        product_name: str = "P1 meter",
        live_load: bool = False,
        fresh_month: bool = False,
        gas_interval: dt.timedelta = GAS_INTERVAL,
        certificate_serial: str | None = None,
    ) -> None:
        if firmware not in ("current", "legacy"):
            raise ValueError(f"unknown firmware {firmware!r}")
        super().__init__(
            api=api,
            product_type=product_type,
            product_name=product_name,
            serial=serial,
            clock=clock,
            certificate_serial=certificate_serial,
        )
        self.firmware = firmware
        # Plug-In Batteries the meter steers (API v2): their group's mode.
        self.battery_count = batteries
        self.battery_mode = "zero"
        self.battery_permissions: list[str] | None = [
            "charge_allowed",
            "discharge_allowed",
        ]
        self.three_phase = three_phase
        self.meter_model = "ISKRA 2M550T-1012" if three_phase else "Sagemcom T211"
        self.smr_version = 50
        self.tariff_fn: Callable[[dt.datetime], int] = default_tariff
        # A load that moves every second, as a real home's does (demo, bench).
        self.live_load = live_load
        self._load_step = 0
        self.phase_power_w: list[float] = (
            [420.0, 310.0, 180.0] if three_phase else [910.0]
        )
        self.voltage_v: list[float] = [231.2, 229.8, 230.4][: len(self.phase_power_w)]
        self.frequency_hz = 50.0
        # Counters in kWh per tariff (index 0 = T1, 1 = T2); T3 and T4 of a
        # four-tariff meter stand still (no time of day uses them here).
        self.import_kwh = [10830.511, 2948.827]
        self.export_kwh = [1422.004, 3110.250]
        self.extra_tariffs_kwh: dict[str, float] = (
            {
                "import_t3": 120.5,
                "import_t4": 80.25,
                "export_t3": 10.125,
                "export_t4": 4.5,
            }
            if tariffs == 4
            else {}
        )
        self.any_power_fail_count = 4
        self.long_power_fail_count = 1
        self.voltage_sag_count = [1, 0, 0]
        self.voltage_swell_count = [0, 0, 0]
        self.external: list[ExternalMeter] = []
        for present, meter in (
            (
                gas,
                ExternalMeter(
                    "4730303339303031383838303434",
                    "gas_meter",
                    "m3",
                    0.3,
                    2569.646,
                    interval=gas_interval,
                ),
            ),
            (
                water,
                ExternalMeter(
                    "4730303339303031363532303530", "water_meter", "m3", 0.02, 123.456
                ),
            ),
            (
                warm_water,
                ExternalMeter(
                    "4730303339303031373739383231",
                    "warm_water_meter",
                    "m3",
                    0.01,
                    45.678,
                ),
            ),
            (
                heat,
                ExternalMeter(
                    "4730303339303031393132333435", "heat_meter", "GJ", 0.018, 98.765
                ),
            ),
            (
                inlet_heat,
                ExternalMeter(
                    "4730303339303031393132333436",
                    "inlet_heat_meter",
                    "m3",
                    0.05,
                    321.5,
                ),
            ),
        ):
            if present:
                self.external.append(meter)
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

    def replace_meter(
        self, import_kwh: tuple[float, float], export_kwh: tuple[float, float]
    ) -> None:
        """The grid operator fits a new meter: its counters (T1, T2) start here."""
        self.advance()
        self.import_kwh = list(import_kwh)
        self.export_kwh = list(export_kwh)
        self._quarter_import_start = sum(self.import_kwh)

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
            if meter.reported_at is None or (
                meter.reporting and now - meter.reported_at >= meter.interval
            ):
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
        # External meters report on their marks (every 5 minutes or on the
        # hour) with the mark as timestamp.
        step = max(1, int(meter.interval.total_seconds() // 60))
        minutes = now.hour * 60 + now.minute
        mark = now.replace(
            hour=(minutes - minutes % step) // 60 % 24,
            minute=(minutes - minutes % step) % 60,
            second=0,
            microsecond=0,
        )
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

    def _import_total(self) -> float:
        misread = self.faults.extra.get("import_kwh_misread")
        if misread is not None:
            return float(misread)
        return round(sum(self.import_kwh), 3)

    def _external_entries(self, timestamp: Callable[[dt.datetime], Any]) -> list[Any]:
        entries: list[Any] = [
            {
                "unique_id": meter.unique_id,
                "type": meter.meter_type,
                "timestamp": timestamp(meter.reported_at)
                if meter.reported_at
                else None,
                "value": meter.reported_value,
                "unit": meter.unit,
            }
            for meter in self.external
        ]
        if self.faults.extra.get("invalid_external"):
            entries += [dict(entry) for entry in INVALID_EXTERNAL_ENTRIES]
        return entries

    def _gas_meter(self) -> ExternalMeter | None:
        return next((m for m in self.external if m.meter_type == "gas_meter"), None)

    @override
    def v1_data_body(self) -> dict[str, Any]:
        """`GET /api/v1/data`, as a v1 P1 meter sends it."""
        self.advance()
        power = self.phase_power_w
        currents = self._currents()
        body: dict[str, Any] = {
            "wifi_ssid": self.wifi_ssid,
            "wifi_strength": self.wifi_strength,
            "smr_version": self.smr_version,
            "meter_model": self.meter_model,
            "unique_id": "4530303434303037313331363130",
            "active_tariff": self.tariff_fn(self.clock()),
            "total_power_import_kwh": self._import_total(),
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
        }
        for name, kwh in self.extra_tariffs_kwh.items():
            direction, tariff = name.split("_")
            body[f"total_power_{direction}_{tariff}_kwh"] = kwh
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
        if (gas := self._gas_meter()) is not None:
            # The first gas meter, as firmware before `external` reported it
            # (still sent next to `external`).
            body["total_gas_m3"] = gas.reported_value
            body["gas_timestamp"] = (
                v1_timestamp(gas.reported_at) if gas.reported_at else None
            )
            body["gas_unique_id"] = gas.unique_id
        if self.firmware == "legacy":
            return body
        body["external"] = self._external_entries(v1_timestamp)
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

    @override
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
            "energy_import_kwh": self._import_total(),
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
            "external": self._external_entries(v2_timestamp),
        }
        for name, kwh in self.extra_tariffs_kwh.items():
            direction, tariff = name.split("_")
            body[f"energy_{direction}_{tariff}_kwh"] = kwh
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

    @override
    def batteries_body(self) -> dict[str, Any] | None:
        if not self.battery_count:
            return None
        body: dict[str, Any] = {
            "mode": self.battery_mode,
            "power_w": -404,
            "target_power_w": -400,
            "max_consumption_w": 800 * self.battery_count,
            "max_production_w": 800 * self.battery_count,
            "battery_count": self.battery_count,
        }
        if self.battery_permissions is not None:
            body["permissions"] = self.battery_permissions
        return body

    @override
    def set_battery_mode(self, mode: str, permissions: list[str] | None) -> bool:
        if mode not in ("zero", "to_full", "standby", "predictive"):
            return False
        self.battery_mode = mode
        self.battery_permissions = permissions
        return True

    @override
    def telegram(self) -> str:
        self.advance()
        return (
            "/ISK5\\2M550T-1012\r\n\r\n"
            f"1-0:1.8.1({self.import_kwh[0]:010.3f}*kWh)\r\n"
            f"1-0:1.8.2({self.import_kwh[1]:010.3f}*kWh)\r\n!\r\n"
        )

    # Demo ---------------------------------------------------------------------

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """A v1 meter is added with its address; v2 needs a person at the button."""
        if self.api != "v1":
            return []
        return [
            DemoEntry(
                source="homewizard",
                steps=[{"host": self.address}],
                energy={
                    "grid_import": "energy_import",
                    "grid_export": "energy_export",
                    "gas": "gas",
                    "grid_power": "power",
                },
            )
        ]


class EnergyMeterSimulator(HomeWizardSimulator):
    """A HomeWizard kWh meter (HWE-KWH1/3, SDM230/630-wifi) or Energy Socket (HWE-SKT).

    Set `phase_power_w` (one value for 1-phase products; positive = import,
    i.e. drawn by what the meter measures, negative = exported, e.g. by a PV
    inverter); the import and export counters follow on the meter's clock. A
    socket switched off draws nothing; locked (`switch_lock`) it cannot be
    switched off; `brightness` is its LED ring (0-255).
    """

    name = "homewizard_kwh"

    def __init__(
        self,
        *,
        product_type: str = "HWE-KWH3",
        api: str = "v1",
        clock: Clock | None = None,
        serial: str = "5c2fafaa1234",
        product_name: str | None = None,
        certificate_serial: str | None = None,
    ) -> None:
        if product_type not in (
            "HWE-KWH1",
            "HWE-KWH3",
            "SDM230-wifi",
            "SDM630-wifi",
            "HWE-SKT",
        ):
            raise ValueError(f"not a kWh meter or socket: {product_type!r}")
        super().__init__(
            api=api,
            product_type=product_type,
            product_name=product_name,
            serial=serial,
            clock=clock,
            certificate_serial=certificate_serial,
        )
        self.three_phase = product_type in THREE_PHASE_METERS
        self.is_socket = product_type == "HWE-SKT"
        # A PV inverter delivering 2.4 kW (3-phase: spread over the phases).
        self.phase_power_w: list[float] = (
            [-800.0, -810.0, -790.0] if self.three_phase else [-2400.0]
        )
        if self.is_socket:
            self.phase_power_w = [543.3]
        self.voltage_v: list[float] = [230.8, 229.4, 231.1][: len(self.phase_power_w)]
        self.frequency_hz = 49.98
        self.power_factor = 0.97
        self.import_kwh = 12.345
        self.export_kwh = 4321.087
        self.power_on = True
        self.switch_lock = False
        self.brightness = 255
        self._last_advance = self.clock()

    @property
    def _drawn_w(self) -> list[float]:
        if self.is_socket and not self.power_on:
            return [0.0 for _ in self.phase_power_w]
        return self.phase_power_w

    @property
    def power_w(self) -> float:
        """Net active power (positive = import)."""
        return sum(self._drawn_w)

    def set_power(self, *phase_power_w: float) -> None:
        """Change the power from now on (counters are brought up to date first)."""
        if len(phase_power_w) != len(self.phase_power_w):
            raise ValueError(f"this meter has {len(self.phase_power_w)} phase(s)")
        self.advance()
        self.phase_power_w = list(phase_power_w)

    def advance(self) -> None:
        """Bring the counters up to the meter's clock."""
        now = self.clock()
        hours = (now - self._last_advance).total_seconds() / 3600
        self._last_advance = now
        if hours <= 0:
            return
        net_kw = self.power_w / 1000
        if net_kw >= 0:
            self.import_kwh += net_kw * hours
        else:
            self.export_kwh += -net_kw * hours

    def _phases(self) -> list[dict[str, float]]:
        """Per phase: power, voltage, current, apparent and reactive figures."""
        phases = []
        for power, voltage in zip(self._drawn_w, self.voltage_v, strict=True):
            apparent = abs(power) / self.power_factor
            reactive = math.sqrt(max(apparent**2 - power**2, 0.0))
            phases.append(
                {
                    "power_w": round(power, 3),
                    "voltage_v": voltage,
                    "current_a": round(power / voltage, 3),
                    "apparent_current_a": round(apparent / voltage, 3),
                    "reactive_current_a": round(reactive / voltage, 3),
                    "apparent_power_va": round(apparent, 3),
                    "reactive_power_var": round(-reactive, 3),
                    "power_factor": self.power_factor,
                }
            )
        return phases

    def _measurement(self, v1: bool) -> dict[str, Any]:
        """The body in v2's names; v1 prefixes most with `active_`."""
        self.advance()
        phases = self._phases()
        body: dict[str, Any] = {
            "energy_import_kwh": round(self.import_kwh, 3),
            "energy_export_kwh": round(self.export_kwh, 3),
            "power_w": round(self.power_w, 3),
            "frequency_hz": self.frequency_hz,
        }
        for name in (
            "current_a",
            "apparent_current_a",
            "reactive_current_a",
            "apparent_power_va",
            "reactive_power_var",
        ):
            body[name] = round(sum(phase[name] for phase in phases), 3)
        if self.three_phase:
            for index, phase in enumerate(phases, start=1):
                for name, value in phase.items():
                    quantity, _, unit = name.rpartition("_")
                    if name == "power_factor":
                        body[f"power_factor_l{index}"] = value
                    else:
                        body[f"{quantity}_l{index}_{unit}"] = value
        else:
            body["voltage_v"] = phases[0]["voltage_v"]
            body["power_factor"] = phases[0]["power_factor"]
            body["power_l1_w"] = body["power_w"]
        if not v1:
            return body
        renamed: dict[str, Any] = {}
        for name, value in body.items():
            if name.startswith("energy_"):
                direction = name.split("_")[1]
                renamed[f"total_power_{direction}_kwh"] = value
                renamed[f"total_power_{direction}_t1_kwh"] = value
            else:
                renamed[f"active_{name}"] = value
        return {
            "wifi_ssid": self.wifi_ssid,
            "wifi_strength": self.wifi_strength,
            **renamed,
        }

    @override
    def v1_data_body(self) -> dict[str, Any]:
        """`GET /api/v1/data`, as the kWh meter or socket sends it."""
        return self._measurement(v1=True)

    @override
    def v2_measurement_body(self) -> dict[str, Any]:
        """`GET /api/measurement`."""
        return self._measurement(v1=False)

    def state_body(self) -> dict[str, Any]:
        """`GET /api/v1/state` of a socket."""
        return {
            "power_on": self.power_on,
            "switch_lock": self.switch_lock,
            "brightness": self.brightness,
        }

    @override
    async def _v1_state(self, request: web.Request) -> web.Response:
        if not self.is_socket:
            raise web.HTTPNotFound
        if (refusal := self._refusal(request, "v1")) is not None:
            return refusal
        if request.method == "PUT":
            body = await self._json(request)
            self.advance()
            if isinstance(body.get("switch_lock"), bool):
                self.switch_lock = body["switch_lock"]
            if isinstance(body.get("power_on"), bool) and not (
                self.switch_lock and not body["power_on"]
            ):
                self.power_on = body["power_on"]
            brightness = body.get("brightness")
            if isinstance(brightness, int) and 0 <= brightness <= 255:
                self.brightness = brightness
        return web.json_response(self.state_body())


class WaterMeterSimulator(HomeWizardSimulator):
    """A HomeWizard water meter (HWE-WTR) on USB power (its API is then on).

    Set `flow_lpm`; the total follows on the meter's clock.
    """

    name = "homewizard_water"

    def __init__(
        self,
        *,
        api: str = "v1",
        clock: Clock | None = None,
        serial: str = "5c2fafaa5678",
        certificate_serial: str | None = None,
    ) -> None:
        super().__init__(
            api=api,
            product_type="HWE-WTR",
            product_name="Watermeter",
            serial=serial,
            clock=clock,
            certificate_serial=certificate_serial,
        )
        self.flow_lpm = 7.2
        self.total_m3 = 123.456
        self._last_advance = self.clock()

    def advance(self) -> None:
        """Bring the total up to the meter's clock."""
        now = self.clock()
        minutes = (now - self._last_advance).total_seconds() / 60
        self._last_advance = now
        if minutes > 0:
            self.total_m3 += self.flow_lpm * minutes / 1000

    @override
    def v1_data_body(self) -> dict[str, Any]:
        """`GET /api/v1/data`, as the water meter sends it."""
        self.advance()
        return {
            "wifi_ssid": self.wifi_ssid,
            "wifi_strength": self.wifi_strength,
            "total_liter_m3": round(self.total_m3, 3),
            "active_liter_lpm": self.flow_lpm,
            "total_liter_offset_m3": 0,
        }
