"""A Tesla Powerwall 2 / Backup Gateway 2 simulator (HTTPS, self-signed).

Unmodified `pypowerwall` talks to it as to a real gateway: it logs in at
`/api/login/Basic` (form body from pypowerwall, JSON with `force_sm_off` from
the tesla_powerwall library), gets the `AuthCookie`/`UserRecord` cookies and a
bearer token, and reads the same endpoints with the same field names, signs
and quirks as a real gateway:

- battery and site power are negative while charging / exporting; solar reads
  a few negative watts at night; energy counters are Wh floats that grow with
  the power values as time passes (`advance()` moves the clock in tests);
- `soe.percentage` is the raw gateway figure (the Tesla app shows
  (raw - 5) / 0.95); `/api/status` answers without a login, the rest need one;
- while the controller is stopped the live endpoints answer 502 with an empty
  body; `frequency` is 0 on newer firmware.

Like a real gateway it serves a self-signed certificate of its own, made
fresh for each instance: two instances never present the same certificate
(`certificate_sha256` is its fingerprint), which is how a gateway is told
from another device claiming its DHCP name.

Faults (besides the generic `faults.*` and `set_offline`): a wrong password
answers 401 and, after `MAX_FAILED_LOGINS` in a row, every login answers 429
for `LOCKOUT_S` seconds; `expire_sessions()`; `faults.extra` keys
`"rate_limited"` (every authenticated call answers 429), `"missing_meter"`
(a meter name left out of the aggregates), `"zero_counters"` (the aggregates
report 0 Wh counters, a glitch real gateways show after a meter resync),
`"misread_wh"` (every counter reads this value, as a garbled answer would)
(`"missing_meter"` can name `busway` too: the extra meter the aggregates
list besides site, load, solar and battery; `add_meter()` lists more)
and `"stopped"` (502 while the controller is stopped); `set_grid(False)`
islands the house. `pack_serials` lists the packs (None: a pack that reports
no serial); `PACK_MODES` holds the shapes published captures show: two packs
with the same serial, a pack without one.

Battery control: the NetZero and FleetAPI simulators write the owner
settings (reserve, mode, grid charging, exports) onto the gateway. With
`follow_settings = True` the battery's power follows them as a Powerwall's
does, each change acting `settings_lag_s` (120 s) after it was written:
below the reserve it fills (from the grid at 5 kW with grid charging on),
at the reserve it only stores a solar surplus, above it covers the house, or
discharges at 10 kW with time-based control and battery exports. Off (the
default), tests set the powers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import hashlib
import ipaddress
import math
from pathlib import Path
import secrets
import ssl
import tempfile
import time
from typing import Any, override

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .base import DemoEntry
from .http import HttpSimulator

GATEWAY_DIN = "1232100-10-J--TG123456789ABC"
PACK_SERIALS = ("TG122345678ABC", "TG122345678ABD")
# Pack lists seen in published gateway captures, besides the normal one.
PACK_MODES: dict[str, tuple[str | None, ...]] = {
    "normal": PACK_SERIALS,
    "same_serial": (PACK_SERIALS[0], PACK_SERIALS[0]),
    "missing_serial": (PACK_SERIALS[0], None),
}
PASSWORD = "9ABC5"  # the default customer password: the last 5 characters of the serial
FIRMWARE = "25.10.4 8bd8cb5e"
MAX_FAILED_LOGINS = 5
LOCKOUT_S = 300.0
PACK_FULL_WH = 13_500.0
# How long a settings change takes to reach the Powerwall and act (Tesla's
# cloud passes it on within a minute or two), and the powers it then uses.
SETTINGS_LAG_S = 120.0
GRID_CHARGE_W = 5_000.0
MAX_DISCHARGE_W = 10_000.0
_STEP_S = 5.0
SOLAR_NIGHT_DRAW_W = -3.2  # what a solar inverter draws without sun
_STOPPED_ENDPOINTS = frozenset(
    {
        "/api/meters/aggregates",
        "/api/system_status/soe",
        "/api/system_status/grid_status",
        "/api/system_status",
    }
)
_GRID_STATUS = {
    True: "SystemGridConnected",
    False: "SystemIslandedActive",
}


def app_percent(energy_remaining_wh: float, full_pack_wh: float) -> float:
    """The charge as the Tesla app and cloud show it: (raw - 5) / 0.95, from 0."""
    raw = 100.0 * energy_remaining_wh / full_pack_wh
    return max((raw - 5.0) / 0.95, 0.0)


@dataclass(frozen=True)
class SelfSignedCertificate:
    """A gateway's own certificate (no CA behind it), as PEM files on disk."""

    cert_pem: Path
    key_pem: Path
    der: bytes

    @property
    def sha256(self) -> str:
        """The certificate's SHA-256 fingerprint (hex)."""
        return hashlib.sha256(self.der).hexdigest()

    def server_context(self) -> ssl.SSLContext:
        """An SSL context serving this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_pem, self.key_pem)
        return context


def make_gateway_certificate() -> SelfSignedCertificate:
    """A self-signed certificate as a Tesla gateway makes itself."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "teslapw")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("teslapw"),
                    x509.DNSName("powerwall"),
                    x509.IPAddress(ipaddress.ip_address("192.168.91.1")),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="energy-hub-sim-powerwall-"))
    cert_pem = folder / "cert.pem"
    key_pem = folder / "key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return SelfSignedCertificate(
        cert_pem, key_pem, cert.public_bytes(serialization.Encoding.DER)
    )


@dataclass
class Meter:
    """One aggregate meter: instant power (W) and its Wh counters.

    `positive_imports`: whether positive power counts as energy imported
    (site, load) or exported (battery discharging, solar producing).
    """

    power_w: float
    imported_wh: float
    exported_wh: float
    positive_imports: bool

    def integrate(self, seconds: float) -> None:
        """Add the energy that `power_w` moved in `seconds`."""
        energy_wh = abs(self.power_w) * seconds / 3600.0
        if (self.power_w >= 0) == self.positive_imports:
            self.imported_wh += energy_wh
        else:
            self.exported_wh += energy_wh


@dataclass(frozen=True)
class _ActingSettings:
    """The owner settings the battery acts on (reserve on the gateway's raw scale)."""

    reserve_raw: float
    mode: str
    grid_charging: bool
    exports: str


@dataclass
class GatewayState:
    """What the simulated site is doing; tests change it directly.

    `load_w`, `solar_w` and `battery_w` (+ = discharging) are set; the grid
    (site) meter balances them, so site = load - solar - battery.
    """

    load_w: float = 1450.0
    solar_w: float = 3200.0
    battery_w: float = -1250.0  # charging
    grid_connected: bool = True
    pack_count: int = len(PACK_SERIALS)
    energy_remaining_wh: float = 18_700.0
    backup_reserve_percent: float = 24.0  # raw: 20 % in the app (5 + 0.95 * 20)
    real_mode: str = "self_consumption"
    # The owner settings only the cloud channels show (NetZero, FleetAPI).
    grid_charging: bool = False
    energy_exports: str = "pv_only"
    voltage_v: tuple[float, float, float] = (121.2, 120.9, 0.0)  # split phase
    meters: dict[str, Meter] = field(
        default_factory=lambda: {
            # Real gateways name the solar meter's production "energy_exported"
            # and the load's consumption "energy_imported".
            "site": Meter(0.0, 3_276_432.66, 1_136_916.69, positive_imports=True),
            "battery": Meter(0.0, 2_693_110.0, 2_355_830.0, positive_imports=False),
            "load": Meter(0.0, 5_421_780.25, 0.0, positive_imports=True),
            "solar": Meter(0.0, 812.0, 4_217_330.52, positive_imports=False),
            # Backup Gateway 2 answers list more meters than these four; a
            # busway meter reads no power here, its counters stand still.
            "busway": Meter(0.0, 10_512.0, 7_803.5, positive_imports=True),
        }
    )

    @property
    def full_pack_wh(self) -> float:
        """Full-pack energy of all packs together."""
        return PACK_FULL_WH * self.pack_count

    def site_w(self) -> float:
        """Grid power, + = import; 0 while islanded."""
        if not self.grid_connected:
            return 0.0
        return self.load_w - self.solar_w - self.battery_w


class PowerwallGatewaySimulator(HttpSimulator):
    """The local API of a Powerwall gateway."""

    name = "powerwall"

    def __init__(self) -> None:
        self.certificate = make_gateway_certificate()
        super().__init__(self.certificate.server_context())
        self.password = PASSWORD
        self.din = GATEWAY_DIN
        self.state = GatewayState()
        self.pack_serials: tuple[str | None, ...] = PACK_SERIALS
        self.sessions: set[str] = set()
        self.logins = 0  # successful logins
        self.failed_logins = 0  # failed logins in a row
        self.locked_until = 0.0
        self._clock = time.monotonic()
        self._offset_s = 0.0  # added by advance()
        # Off: tests set the battery's power. On: the battery follows the
        # settings the channels wrote, `settings_lag_s` after each change.
        self.follow_settings = False
        self.settings_lag_s = SETTINGS_LAG_S
        self._acting = self._settings_now()
        self._pending: list[tuple[float, _ActingSettings]] = []
        self._apply_power()

    @override
    async def _close(self) -> None:
        # Going off the network resets open connections: abort them rather than
        # start a TLS close that the client's idle pooled socket never answers
        # (asyncio would keep a 30 s shutdown timer for each).
        server = self._runner.server if self._runner is not None else None
        for handler in list(server.connections if server is not None else ()):
            if handler.transport is not None:
                handler.transport.abort()
        await super()._close()

    # --- the simulated physics -------------------------------------------------

    def now(self) -> float:
        """The simulator's clock (monotonic seconds, moved on by `advance`)."""
        return time.monotonic() + self._offset_s

    def restart_clock(self) -> None:
        """Count from now on, dropping time that passed unseen.

        For tests that freeze time after the simulator started: the frozen
        clock jumps, and the house must not integrate over that jump.
        """
        self._clock = self.now()

    def advance(self, seconds: float) -> None:
        """Move the clock on, as if `seconds` had passed at the current powers."""
        self._offset_s += seconds
        self._tick()

    def set_powers(
        self,
        *,
        load_w: float | None = None,
        solar_w: float | None = None,
        battery_w: float | None = None,
    ) -> None:
        """Change what the house does (counters so far are kept)."""
        self._tick()
        state = self.state
        if load_w is not None:
            state.load_w = load_w
        if solar_w is not None:
            state.solar_w = solar_w
        if battery_w is not None:
            state.battery_w = battery_w
        self._apply_power()

    def set_grid(self, connected: bool) -> None:
        """Cut the grid (the house islands on the battery) or bring it back."""
        self._tick()
        state = self.state
        state.grid_connected = connected
        if not connected:
            # Islanded: the battery carries the house; surplus solar charges it.
            state.battery_w = state.load_w - state.solar_w
        self._apply_power()

    @property
    def certificate_sha256(self) -> str:
        """The fingerprint of the certificate this gateway presents."""
        return self.certificate.sha256

    def set_packs(self, serials: tuple[str | None, ...]) -> None:
        """List these packs from now on (None: a pack without a serial)."""
        self._tick()
        self.pack_serials = serials
        self.state.pack_count = len(serials)
        self.state.energy_remaining_wh = min(
            self.state.energy_remaining_wh, self.state.full_pack_wh
        )

    def add_meter(
        self, name: str, imported_wh: float, exported_wh: float, power_w: float = 0.0
    ) -> None:
        """List one more meter in the aggregates (a generator, another CT, …).

        Its power (+ = importing) is its own: the house's balance leaves it out.
        """
        self._tick()
        self.state.meters[name] = Meter(
            power_w, imported_wh, exported_wh, positive_imports=True
        )

    def expire_sessions(self) -> None:
        """Forget every session, as the gateway does after a while or a reboot."""
        self.sessions.clear()

    def _apply_power(self) -> None:
        state = self.state
        meters = state.meters
        meters["site"].power_w = state.site_w()
        meters["battery"].power_w = state.battery_w
        meters["load"].power_w = state.load_w
        # Without sun the inverter draws a few watts, which the solar meter
        # counts as imported energy.
        meters["solar"].power_w = state.solar_w or SOLAR_NIGHT_DRAW_W

    def settings_changed(self, *, at_once: bool = False) -> None:
        """A channel wrote the owner settings: they act `settings_lag_s` from now.

        `at_once`: they are what the site has always had (a channel starting).
        """
        if at_once:
            self._pending.clear()
            self._acting = self._settings_now()
            return
        self._tick()
        self._pending.append((self.now() + self.settings_lag_s, self._settings_now()))

    @property
    def acting_settings(self) -> _ActingSettings:
        """The settings the battery acts on now (a change acts after the lag)."""
        self._tick()
        return self._acting

    def _settings_now(self) -> _ActingSettings:
        state = self.state
        return _ActingSettings(
            state.backup_reserve_percent,
            state.real_mode,
            state.grid_charging,
            state.energy_exports,
        )

    def _tick(self) -> None:
        now = self.now()
        seconds = max(now - self._clock, 0.0)
        if self.follow_settings and self.state.grid_connected:
            self._follow(seconds)
            self._clock = now
            return
        self._clock = now
        state = self.state
        while seconds > 0:
            # Integrate up to the moment the pack fills or empties, if it does.
            step = min(seconds, self._seconds_to_pack_limit())
            for meter in state.meters.values():
                meter.integrate(step)
            state.energy_remaining_wh = min(
                max(state.energy_remaining_wh - state.battery_w * step / 3600.0, 0.0),
                state.full_pack_wh,
            )
            seconds -= step
            if self._seconds_to_pack_limit() == 0:
                # A full pack stops charging, an empty one discharging: the
                # grid takes up the difference.
                state.battery_w = 0.0
                self._apply_power()

    def _follow(self, seconds: float) -> None:
        """Integrate `seconds` with the battery doing what its acting settings say."""
        state = self.state
        elapsed = 0.0
        while True:
            moment = self._clock + elapsed
            while self._pending and self._pending[0][0] <= moment:
                self._acting = self._pending.pop(0)[1]
            state.battery_w = self._battery_w_for(self._acting)
            self._apply_power()
            if seconds - elapsed <= 1e-9:
                return
            step = min(
                seconds - elapsed,
                _STEP_S,
                self._seconds_to_pack_limit(),
                self._seconds_to_reserve(),
            )
            if self._pending:
                step = min(step, max(self._pending[0][0] - moment, 0.0))
            step = max(step, 1e-3)
            for meter in state.meters.values():
                meter.integrate(step)
            state.energy_remaining_wh = min(
                max(state.energy_remaining_wh - state.battery_w * step / 3600.0, 0.0),
                state.full_pack_wh,
            )
            elapsed += step

    def _battery_w_for(self, acting: _ActingSettings) -> float:
        """What a Powerwall does with these settings, the house's load and solar.

        Below the reserve it fills up (from the grid when grid charging is
        on, else from a solar surplus); at the reserve it only takes a
        surplus; above it, time-based control with battery exports
        discharges at full power, anything else covers the house.
        """
        state = self.state
        soe = 100.0 * state.energy_remaining_wh / state.full_pack_wh
        surplus = max(state.solar_w - state.load_w, 0.0)
        room = state.energy_remaining_wh < state.full_pack_wh - 1e-6
        absorb = -min(surplus, GRID_CHARGE_W) if room else 0.0
        if soe < acting.reserve_raw - 1e-6:
            return -GRID_CHARGE_W if acting.grid_charging and room else absorb
        if soe <= acting.reserve_raw + 1e-6:
            return absorb
        if acting.mode == "autonomous" and acting.exports == "battery_ok":
            return MAX_DISCHARGE_W
        cover = state.load_w - state.solar_w
        return max(min(cover, MAX_DISCHARGE_W), -GRID_CHARGE_W if room else 0.0)

    def _seconds_to_reserve(self) -> float:
        """Seconds until the pack reaches the acting reserve, moving toward it."""
        state = self.state
        reserve_wh = self._acting.reserve_raw / 100.0 * state.full_pack_wh
        gap_wh = state.energy_remaining_wh - reserve_wh
        if abs(gap_wh) < 1e-6 or gap_wh * state.battery_w <= 0:
            return math.inf  # at the reserve, or moving away from it
        return abs(gap_wh) * 3600.0 / abs(state.battery_w)

    def _seconds_to_pack_limit(self) -> float:
        """Seconds until the pack is full (charging) or empty (discharging)."""
        state = self.state
        if state.battery_w < 0:
            room_wh = state.full_pack_wh - state.energy_remaining_wh
        elif state.battery_w > 0:
            room_wh = state.energy_remaining_wh
        else:
            return math.inf
        if room_wh < 1e-6:  # rounding: as good as there
            return 0.0
        return room_wh * 3600.0 / abs(state.battery_w)

    # --- HTTP --------------------------------------------------------------------

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/api/login/Basic", self._login)
        router.add_get("/api/logout", self._logout)
        router.add_get("/api/status", self._status)
        for path, handler in (
            ("/api/meters/aggregates", self._aggregates),
            ("/api/meters/site", self._site_meter),
            ("/api/meters/solar", self._solar_meter),
            ("/api/system_status/soe", self._soe),
            ("/api/system_status", self._system_status),
            ("/api/system_status/grid_status", self._grid_status),
            ("/api/sitemaster", self._sitemaster),
            ("/api/powerwalls", self._powerwalls),
            ("/api/site_info", self._site_info),
            ("/api/site_info/site_name", self._site_name),
            ("/api/operation", self._operation),
        ):
            router.add_get(path, self._authenticated(path, handler))

    def _authenticated(self, path: str, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not self._session_of(request):
                return web.json_response(
                    {"code": 401, "error": "bad credentials", "message": "Login Error"},
                    status=401,
                )
            if self.faults.extra.get("rate_limited"):
                return web.json_response(
                    {"code": 429, "error": "Too many requests"}, status=429
                )
            if self.faults.extra.get("stopped") and path in _STOPPED_ENDPOINTS:
                return web.Response(status=502, text="")
            self._tick()
            body = handler(request)
            if isinstance(body, web.StreamResponse):
                return body
            return web.json_response(body)

        return guarded

    def _session_of(self, request: web.Request) -> bool:
        token = request.cookies.get("AuthCookie")
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ")
        return token is not None and token in self.sessions

    async def _login(self, request: web.Request) -> web.StreamResponse:
        if request.content_type == "application/json":
            form: Any = await request.json()
        else:
            form = await request.post()
        now = self.now()
        if now < self.locked_until:
            return web.json_response(
                {"code": 429, "error": "Too many requests", "message": "Login Error"},
                status=429,
            )
        if form.get("username") != "customer" or form.get("password") != self.password:
            self.failed_logins += 1
            if self.failed_logins >= MAX_FAILED_LOGINS:
                self.locked_until = now + LOCKOUT_S
            return web.json_response(
                {"code": 401, "error": "bad credentials", "message": "Login Error"},
                status=401,
            )
        self.failed_logins = 0
        self.logins += 1
        token = secrets.token_urlsafe(32)
        self.sessions.add(token)
        response = web.json_response(
            {
                "email": form.get("email", ""),
                "firstname": "Tesla",
                "lastname": "Energy",
                "roles": ["Home_Owner"],
                "token": token,
                "provider": "Basic",
                "loginTime": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        response.set_cookie("AuthCookie", token, secure=True, httponly=True)
        response.set_cookie("UserRecord", secrets.token_urlsafe(24), secure=True)
        return response

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        token = request.cookies.get("AuthCookie")
        self.sessions.discard(token or "")
        return web.Response(status=204)

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "din": self.din,
                "start_time": "2026-11-01 06:12:40 +0000",
                "up_time_seconds": "529h11m2.1s",
                "is_new": False,
                "version": FIRMWARE,
                "git_hash": "8bd8cb5e54e3ad4a8ba9c30b4b4f0f3b6a55dd4b",
                "commission_count": 0,
                "device_type": "teg",
                "teg_type": "unknown",
                "sync_type": "v2.1",
                "cellular_disabled": False,
                "can_reboot": True,
            }
        )

    def _meter_body(self, name: str, meter: Meter) -> dict[str, Any]:
        zero = bool(self.faults.extra.get("zero_counters"))
        misread = self.faults.extra.get("misread_wh")
        power = meter.power_w
        voltage = sum(v for v in self.state.voltage_v if v) or 0.0
        return {
            "last_communication_time": dt.datetime.now(dt.UTC).isoformat(),
            "instant_power": power,
            "instant_reactive_power": -138.83,
            "instant_apparent_power": math.hypot(power, 138.83),
            "frequency": 0
            if name != "site" or not self.state.grid_connected
            else 60.01,
            "energy_exported": misread
            if misread is not None
            else 0.0
            if zero
            else meter.exported_wh,
            "energy_imported": misread
            if misread is not None
            else 0.0
            if zero
            else meter.imported_wh,
            "instant_average_voltage": voltage,
            "instant_average_current": round(power / voltage, 3) if voltage else 0,
            "i_a_current": 0,
            "i_b_current": 0,
            "i_c_current": 0,
            "last_phase_voltage_communication_time": "0001-01-01T00:00:00Z",
            "last_phase_power_communication_time": "0001-01-01T00:00:00Z",
            "last_phase_energy_communication_time": "0001-01-01T00:00:00Z",
            "timeout": 1_500_000_000,
            "num_meters_aggregated": 1,
            "instant_total_current": round(abs(power) / voltage, 3) if voltage else 0,
        }

    def _aggregates(self, request: web.Request) -> dict[str, Any]:
        missing = self.faults.extra.get("missing_meter")
        return {
            name: self._meter_body(name, meter)
            for name, meter in self.state.meters.items()
            if name != missing
        }

    def _site_meter(self, request: web.Request) -> list[dict[str, Any]]:
        site = self.state.meters["site"]
        v1, v2, v3 = self.state.voltage_v if self.state.grid_connected else (0, 0, 0)
        # Split-phase: the power divides over the two legs.
        half = site.power_w / 2
        readings = self._meter_body("site", site) | {
            "v_l1n": v1,
            "v_l2n": v2,
            "v_l3n": v3,
            "i_a_current": round(half / v1, 2) if v1 else 0,
            "i_b_current": round(half / v2, 2) if v2 else 0,
            "i_c_current": 0,
            "real_power_a": half,
            "real_power_b": half,
            "real_power_c": 0,
        }
        return [
            {
                "id": 0,
                "location": "site",
                "type": "synchrometerX",
                "cts": [True, True, False, False],
                "inverted": [False, False, False, False],
                "connection": {
                    "short_id": "1232100-10-J--OBB1234567",
                    "device_serial": "OBB1234567",
                    "https_conf": {},
                },
                "Cached_readings": readings,
            }
        ]

    def _solar_meter(self, request: web.Request) -> web.StreamResponse:
        # Sites whose solar is read by the gateway's own CTs have no solar
        # meter device: the body is the JSON literal null.
        return web.Response(text="null", content_type="application/json")

    def _soe(self, request: web.Request) -> dict[str, Any]:
        state = self.state
        return {"percentage": 100.0 * state.energy_remaining_wh / state.full_pack_wh}

    def _system_status(self, request: web.Request) -> dict[str, Any]:
        state = self.state
        share = 1 / max(len(self.pack_serials), 1)
        return {
            "command_source": "Configuration",
            "battery_target_power": state.battery_w,
            "battery_target_reactive_power": 0,
            "nominal_full_pack_energy": state.full_pack_wh,
            "nominal_energy_remaining": state.energy_remaining_wh,
            "max_power_energy_remaining": 0,
            "max_power_energy_to_be_charged": 0,
            "max_charge_power": 10_000,
            "max_discharge_power": 10_000,
            "max_apparent_power": 10_000,
            "instantaneous_max_discharge_power": 14_000,
            "instantaneous_max_charge_power": 14_000,
            "grid_services_power": 0,
            "system_island_state": _GRID_STATUS[state.grid_connected],
            "available_blocks": len(self.pack_serials),
            "battery_blocks": [
                _with_serial(serial)
                | {
                    "Type": "",
                    "PackagePartNumber": "3012170-10-B",
                    "disabled_reasons": [],
                    "pinv_state": "PINV_GridFollowing",
                    "pinv_grid_state": "Grid_Compliant",
                    "nominal_energy_remaining": state.energy_remaining_wh * share,
                    "nominal_full_pack_energy": PACK_FULL_WH,
                    "p_out": state.battery_w * share,
                    "q_out": 0,
                    "v_out": 241.6,
                    "f_out": 60.0,
                    "i_out": round(state.battery_w * share / 241.6, 2),
                    "energy_charged": state.meters["battery"].imported_wh * share,
                    "energy_discharged": state.meters["battery"].exported_wh * share,
                    "off_grid": not state.grid_connected,
                    "vf_mode": not state.grid_connected,
                    "wobble_detected": False,
                    "charge_power_clamped": False,
                    "backup_ready": True,
                    "OpSeqState": "Active",
                    "version": "b3d3c9a5a6b5a1",
                }
                for serial in self.pack_serials
            ],
            "ffr_power_availability_high": 0,
            "ffr_power_availability_low": 0,
            "load_charge_constraint": 0,
            "max_sustained_ramp_rate": 2_500_000,
            "grid_faults": [],
            "can_reboot": "Yes",
            "smart_inv_delta_p": 0,
            "smart_inv_delta_q": 0,
            "last_toggle_timestamp": "2026-11-01T06:14:01.123456Z",
            "solar_real_power_limit": 7_600,
            "score": 10_000,
            "blocks_controlled": len(self.pack_serials),
            "primary": True,
            "auxiliary_load": 0,
            "all_enable_lines_high": True,
            "inverter_nominal_usable_power": 11_500,
            "expected_energy_remaining": 0,
        }

    def _grid_status(self, request: web.Request) -> dict[str, Any]:
        return {
            "grid_status": _GRID_STATUS[self.state.grid_connected],
            "grid_services_active": False,
        }

    def _sitemaster(self, request: web.Request) -> dict[str, Any]:
        stopped = bool(self.faults.extra.get("stopped"))
        return {
            "status": "StatusDown" if stopped else "StatusUp",
            "running": not stopped,
            "connected_to_tesla": True,
            "power_supply_mode": False,
            "can_reboot": "Yes",
        }

    def _powerwalls(self, request: web.Request) -> dict[str, Any]:
        return {
            "enumerating": False,
            "updating": False,
            "checking_if_offgrid": False,
            "running_phase_detection": False,
            "phase_detection_last_error": "no phase information",
            "phase_detection_progress": 0,
            "on_grid_check_error": "on grid check not run",
            "grid_qualifying": False,
            "grid_code_validating": False,
            "phase_detection_not_available": True,
            "powerwalls": [
                _with_serial(serial)
                | {
                    "Type": "",
                    "PackagePartNumber": "3012170-10-B",
                    "type": "SolarPowerwall",
                    "grid_state": "Grid_Compliant",
                    "grid_reconnection_time_seconds": 0,
                    "under_phase_detection": False,
                    "updating": False,
                    "commissioning_diagnostic": {"name": "Commissioning"},
                    "update_diagnostic": {"name": "Firmware Update"},
                    "bc_type": None,
                    "in_config": True,
                }
                for serial in self.pack_serials
            ],
            "gateway_din": self.din,
            "sync": {"updating": False, "commissioning_diagnostic": {}},
            "msa": None,
            "states": None,
        }

    def _site_info(self, request: web.Request) -> dict[str, Any]:
        return {
            "max_system_energy_kWh": 27,
            "max_system_power_kW": 10,
            "site_name": "Home",
            "timezone": "America/Los_Angeles",
            "max_site_meter_power_kW": 1_000_000_000,
            "min_site_meter_power_kW": -1_000_000_000,
            "nominal_system_energy_kWh": 27,
            "nominal_system_power_kW": 10,
            "panel_max_current": 200,
            "grid_code": {
                "grid_code": "60Hz_240V_s_UL1741SA:2019_California",
                "grid_voltage_setting": 240,
                "grid_freq_setting": 60,
                "grid_phase_setting": "Split",
                "country": "United States",
                "state": "California",
                "utility": "Pacific Gas & Electric Company",
            },
        }

    def _site_name(self, request: web.Request) -> dict[str, Any]:
        return {"site_name": "Home", "timezone": "America/Los_Angeles"}

    def _operation(self, request: web.Request) -> dict[str, Any]:
        state = self.state
        return {
            "real_mode": state.real_mode,
            "backup_reserve_percent": state.backup_reserve_percent,
            "freq_shift_load_shed_soe": 0,
            "freq_shift_load_shed_delta_f": 0,
        }

    # --- demo ---------------------------------------------------------------------

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """Add the gateway with its default password, no control channel."""
        return [
            DemoEntry(
                source="powerwall",
                steps=[
                    {"host": self.address, "password": self.password},
                    {},
                ],
                energy={
                    "grid_import": "grid_imported",
                    "grid_export": "grid_exported",
                    "solar": "solar_produced",
                    "battery_in": "battery_charged",
                    "battery_out": "battery_discharged",
                    "grid_power": "grid_power",
                    "solar_power": "solar_power",
                    "battery_power": "battery_power",
                    "battery_soc": "state_of_charge",
                },
            )
        ]


def _with_serial(serial: str | None) -> dict[str, Any]:
    """A pack's serial field; a pack without one leaves it out."""
    return {} if serial is None else {"PackageSerialNumber": serial}
