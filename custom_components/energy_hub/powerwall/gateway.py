"""Read a Powerwall gateway through pypowerwall; Home-Assistant-free.

pypowerwall is synchronous (requests) and swallows most failures, returning
None after logging them. This wrapper runs one pypowerwall session per
gateway (call it from an executor thread), bypasses pypowerwall's answer
cache so every poll is fresh, and turns its outcomes into the errors of
`errors.py`:

- a rejected login (pypowerwall's `LoginError`, raised when a 401 answer
  makes it log in again and the gateway refuses) → `DeviceAuthError`;
- a 429 (pypowerwall then pauses every call for five minutes by itself,
  answering None without touching the network) → `DeviceRateLimitedError`
  for as long as that pause lasts, with the time left as `retry_after`: a
  back-off, not a retry loop;
- no answer, a 5xx, a timeout or a body that is not JSON →
  `DeviceConnectionError`.

An expired session needs nothing from us: pypowerwall logs in again on the
401 and repeats the call.

Powerwall 3 gateways are read through pypowerwall's TEDAPI mode instead
(`tedapi=True`): the gateway Wi-Fi password authenticates protobuf queries
to `/tedapi/v1`, and pypowerwall logs in to the local API with its last 5
characters for the lifetime energy counters only. That mode does not tell a
refused password from an unreachable gateway, so after a failure one
`GET /tedapi/din` of our own tells them apart.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
import hashlib
import http.client
import json
import logging
import math
import os
from pathlib import Path
import re
import ssl
import tempfile
import threading
import time
from typing import Any, NoReturn, override

import pypowerwall
from pypowerwall.local.exceptions import LoginError
import requests

from ..errors import DeviceAuthError, DeviceConnectionError, DeviceRateLimitedError

DEFAULT_HOST = "192.168.91.1"
DEFAULT_TIMEOUT_S = 5.0
TEDAPI_USER = "Tesla_Energy_Device"
TEDAPI_SNAPSHOT_S = 60
# The meters every gateway reports; some list more (`busway`, `frequency`,
# `generator`, …), each with the same fields.
METER_NAMES = ("site", "load", "solar", "battery")
# What a meter's name may be to become part of an entity's key.
_METER_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")

# How long pypowerwall pauses after a 429, and how long a gateway that refuses
# logins (too many attempts) is left alone.
RATE_LIMIT_PAUSE_S = 300.0

# The Tesla app hides the bottom 5 % of the pack: app = (raw - 5) / 0.95.
APP_RESERVED_PERCENT = 5.0


class _DemoteToDebug(logging.Filter):
    """Log pypowerwall's own failure messages at debug level.

    pypowerwall logs an error for every failed call, every poll; the
    coordinator already reports a failure once (and its recovery), so the
    library's lines are kept for debug logging only.
    """

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)
        # The logger let the record through at its original level; handlers
        # would print it as DEBUG even with debug logging off.
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def pypowerwall_logger_names() -> set[str]:
    """Every logger pypowerwall logs to: its root and one per module.

    A logger's filters only see what is logged on that very logger, not what
    its children pass up, so each sub-logger (`pypowerwall.fleetapi.fleetapi`,
    `pypowerwall.tedapi.tedapi_v1r`, …) needs the filter too. The names come
    from the package's files (modules not imported yet included) and from the
    loggers that already exist.
    """
    package = Path(pypowerwall.__file__).parent
    names = {"pypowerwall"}
    for module in package.rglob("*.py"):
        parts = module.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(("pypowerwall", *parts)))
    names.update(
        name
        for name in logging.root.manager.loggerDict
        if name.startswith("pypowerwall.")
    )
    return names


def demote_pypowerwall_logs() -> None:
    """Put the debug filter on every pypowerwall logger (idempotent)."""
    for name in pypowerwall_logger_names():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DemoteToDebug) for f in logger.filters):
            logger.addFilter(_DemoteToDebug())


demote_pypowerwall_logs()


def app_scaled(raw_percent: float | None) -> float | None:
    """Convert a raw gateway percentage to the Tesla app's scale (0-100).

    Rounded to 0.01 %: the division would otherwise publish float noise
    (24 % raw is 20.000000000000004 % unrounded).
    """
    if raw_percent is None:
        return None
    scaled = (raw_percent - APP_RESERVED_PERCENT) / 0.95
    return round(min(max(scaled, 0.0), 100.0), 2)


@dataclass(frozen=True, slots=True)
class PackIdentity:
    """Who a battery pack is: `key` names its device and prefixes its unique ids.

    `key` is the pack's serial when that serial is its own; published gateway
    captures show two packs reporting one serial, and packs without one, so
    a serial that is missing or repeated falls back to the pack's position
    (`<DIN>_pack_<position>`). `serial` is what the pack reported, if anything.
    """

    key: str
    position: int
    serial: str | None


def pack_identities(
    din: str, serials: Sequence[str | None]
) -> tuple[PackIdentity, ...]:
    """The identities of the packs that reported `serials`, in this order."""
    cleaned = [
        serial.strip() if isinstance(serial, str) and serial.strip() else None
        for serial in serials
    ]
    counts = Counter(serial for serial in cleaned if serial is not None)
    return tuple(
        PackIdentity(
            key=serial
            if serial is not None and counts[serial] == 1
            else f"{din}_pack_{position}",
            position=position,
            serial=serial,
        )
        for position, serial in enumerate(cleaned, start=1)
    )


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """What identifies a gateway: read once at setup.

    `certificate_sha256` is the SHA-256 fingerprint (hex) of the TLS
    certificate the gateway presented.
    """

    din: str
    firmware: str | None
    site_name: str | None
    packs: tuple[PackIdentity, ...] = ()
    part_number: str | None = None
    certificate_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayProbe:
    """What an address answers without a login: its DIN and its certificate."""

    din: str
    certificate_sha256: str


def split_host(host: str) -> tuple[str, int | None]:
    """`host[:port]` (IPv6 in brackets) as name and port (None: the default)."""
    host = host.strip()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest.removeprefix(":")
        return name, int(port) if port.isdigit() else None
    if host.count(":") == 1:
        name, _, port = host.partition(":")
        return name, int(port) if port.isdigit() else None
    return host, None


def with_port(address: str, port: int | None) -> str:
    """`address` with `port` (as the entry's host field writes it)."""
    if port is None:
        return address
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def probe_gateway(host: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> GatewayProbe:
    """Ask `host` for its DIN (`/api/status`, no login) and note its certificate.

    Both come from one TLS connection, so the DIN is the one the holder of
    that certificate reports. The gateway's certificate is self-signed, so it
    is not verified here: it is what gets compared.
    """
    name, port = split_host(host)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(
        name, port or 443, timeout=timeout_s, context=context
    )
    try:
        connection.connect()
        sock = connection.sock
        certificate = (
            sock.getpeercert(binary_form=True)
            if isinstance(sock, ssl.SSLSocket)
            else None
        )
        connection.request("GET", "/api/status", headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read(65536)
    except (OSError, http.client.HTTPException) as err:
        raise DeviceConnectionError(
            f"cannot reach {host}: {type(err).__name__}"
        ) from err
    finally:
        connection.close()
    if response.status != 200 or not certificate:
        raise DeviceConnectionError(f"{host} answered HTTP {response.status}")
    try:
        status = json.loads(body)
    except ValueError as err:
        raise DeviceConnectionError(f"{host} answered something unexpected") from err
    din = status.get("din") if isinstance(status, dict) else None
    if not isinstance(din, str) or not din:
        raise DeviceConnectionError(f"{host} did not report a DIN")
    return GatewayProbe(din, hashlib.sha256(certificate).hexdigest())


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One aggregate meter: power (W) and lifetime counters (Wh) as reported."""

    power_w: float | None
    imported_wh: float | None
    exported_wh: float | None


@dataclass(frozen=True, slots=True)
class PackReading:
    """One battery pack (a `battery_blocks` entry)."""

    power_w: float | None
    energy_remaining_wh: float | None
    full_pack_wh: float | None


@dataclass(frozen=True, slots=True)
class PowerwallReading:
    """One poll of the gateway; None where the gateway did not report a value.

    Signs are the gateway's, which are also what Home Assistant's Energy
    dashboard expects: site + = importing from the grid, battery + =
    discharging.
    """

    meters: Mapping[str, MeterReading] = field(default_factory=dict)
    frequency_hz: float | None = None
    soe_percent: float | None = None  # raw gateway figure
    energy_remaining_wh: float | None = None
    full_pack_wh: float | None = None
    backup_reserve_percent: float | None = None  # raw gateway figure
    operation_mode: str | None = None
    grid_status: str | None = None
    sitemaster_running: bool | None = None
    connected_to_tesla: bool | None = None
    phase_voltage_v: tuple[float | None, ...] = (None, None, None)
    phase_current_a: tuple[float | None, ...] = (None, None, None)
    packs: Mapping[str, PackReading] = field(default_factory=dict)

    def meter(self, name: str) -> MeterReading:
        """The named meter, or one with nothing reported when it is missing."""
        return self.meters.get(name) or MeterReading(None, None, None)

    def as_dict(self) -> dict[str, Any]:
        """The reading as plain data (diagnostics)."""
        return asdict(self) | {
            "meters": {name: asdict(m) for name, m in self.meters.items()},
            "packs": [asdict(p) for p in self.packs.values()],  # serials left out
        }


def number(value: Any) -> float | None:
    """A finite number from a JSON value, else None (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def cache_file(cache_dir: Path, entry_id: str) -> Path:
    """Where pypowerwall keeps the session cookies of the entry `entry_id`."""
    return cache_dir / f"powerwall-{entry_id}.json"


def legacy_cache_file(cache_dir: Path, host: str, password: str) -> Path:
    """The cookie file of earlier versions (named from host and password)."""
    digest = hashlib.sha256(f"{host}\0{password}".encode()).hexdigest()[:16]
    return cache_dir / f"powerwall-{digest}.json"


class PowerwallGateway:
    """One pypowerwall session with one gateway; blocking, call from a thread."""

    def __init__(
        self,
        host: str,
        password: str,
        *,
        email: str | None,
        cache_file: Path | None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        tedapi: bool = False,
    ) -> None:
        """Remember the settings; nothing is sent before `connect`.

        `cache_file` keeps the session cookies between starts (one per entry);
        None keeps them in a folder of their own that `close` deletes, so a
        check (config flows) always logs in with the password it was given.
        With `tedapi`, `password` is the gateway Wi-Fi password of a
        Powerwall 3 and pypowerwall runs in its TEDAPI mode.
        """
        self.host = host
        self.tedapi = tedapi
        self.password = password
        self._email = email or "nobody@nowhere.com"  # pypowerwall's own default
        self._cache_file = cache_file
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self._timeout_s = timeout_s
        self._powerwall: pypowerwall.Powerwall | None = None
        self._din = ""
        self._lock = threading.Lock()

    def _session_file(self) -> Path:
        """The cookie file for this session (created folder included)."""
        if self._cache_file is not None:
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            return self._cache_file
        if self._temporary is None:
            self._temporary = tempfile.TemporaryDirectory(
                prefix="energy-hub-powerwall-"
            )
        return Path(self._temporary.name) / "session.json"

    def connect(self) -> GatewayInfo:
        """Log in and read the gateway's identity; raise an `EnergyHubError`."""
        if self.tedapi:
            return self._connect_tedapi()
        with self._lock:
            self._powerwall = pypowerwall.Powerwall(
                host=self.host,
                password=self.password,
                email=self._email,
                timeout=self._timeout_s,
                # No answer cache: after a re-login pypowerwall repeats the call
                # without `force` and would hand back the previous answer.
                pwcacheexpire=0,
                cachefile=str(self._session_file()),
                failover=False,  # never fall back to Tesla's cloud on a failed login
            )
            status = self._get("/api/status")
            # site_info needs a session: this is where the password is checked.
            site_info = self._get("/api/site_info")
            try:
                powerwalls = self._get("/api/powerwalls")
            except DeviceConnectionError:
                powerwalls = {}  # Powerwall 3 gateways answer 404 here
        packs = powerwalls.get("powerwalls") if isinstance(powerwalls, dict) else None
        serials = [
            pack.get("PackageSerialNumber")
            for pack in (packs if isinstance(packs, list) else ())
            if isinstance(pack, dict)
        ]
        return self._identified(_gateway_info(status, site_info, serials))

    def _identified(self, info: GatewayInfo) -> GatewayInfo:
        """`info` with the gateway's certificate; remember its DIN."""
        self._din = info.din
        probe = probe_gateway(self.host, self._timeout_s)
        return replace(info, certificate_sha256=probe.certificate_sha256)

    def _connect_tedapi(self) -> GatewayInfo:
        with self._lock:
            self._powerwall = pypowerwall.Powerwall(
                host=self.host,
                password="",  # no customer password: pypowerwall's full TEDAPI mode
                gw_pwd=self.password,
                timeout=self._timeout_s,
                # Long enough to hold one poll's answers; each poll starts afresh.
                pwcacheexpire=TEDAPI_SNAPSHOT_S,
                failover=False,
                # No pooled adapter: its urllib3 retries (5, with up to 30 s of
                # back-off) would hold a poll long past the poll interval; the
                # coordinator tries again at the next poll.
                poolmaxsize=0,
            )
            if self._powerwall.client is None:
                self._raise_tedapi_failure()
            status = self._get("/api/status")
            site_info = self._get("/api/site_info")
        # Powerwall 3 packs are not listed through TEDAPI the way /api/powerwalls
        # lists them (pypowerwall answers that endpoint with canned data).
        return self._identified(_gateway_info(status, site_info, ()))

    def read(self) -> PowerwallReading:
        """Poll the live endpoints once; raise an `EnergyHubError` on failure."""
        if self.tedapi:
            return self._read_tedapi()
        with self._lock:
            try:
                aggregates = self._get("/api/meters/aggregates")
            except DeviceConnectionError:
                # While the controller is stopped the live endpoints answer 502
                # but sitemaster still says so; if it does not answer either,
                # the gateway is gone.
                return self._read_stopped()
            sitemaster = self._optional("/api/sitemaster")
            soe = self._optional("/api/system_status/soe")
            system_status = self._optional("/api/system_status")
            grid = self._optional("/api/system_status/grid_status")
            operation = self._optional("/api/operation")
            site_meters = self._optional("/api/meters/site")
        return _reading(
            aggregates,
            sitemaster,
            soe,
            system_status,
            grid,
            operation,
            site_meters,
            din=self._din,
        )

    def _read_tedapi(self) -> PowerwallReading:
        """Poll a Powerwall 3 through TEDAPI.

        Only what TEDAPI really reports is read: pypowerwall answers
        `/api/sitemaster`, `/api/meters/site` and `/api/powerwalls` in this
        mode with canned data, so the Tesla connection, the phase values and
        the packs stay unreported.
        """
        with self._lock:
            # During pypowerwall's pause after a 429 its queries answer None;
            # no failure probe (or forced counter read) may reach the gateway.
            if (pause := self._cooldown_remaining()) > 0:
                raise DeviceRateLimitedError(
                    f"the gateway answered 429; pausing for {pause:.0f} s",
                    retry_after=pause,
                )
            self._start_tedapi_snapshot()
            try:
                aggregates = self._get("/api/meters/aggregates")
            except DeviceConnectionError:
                self._raise_tedapi_failure()
            soe = self._optional("/api/system_status/soe")
            grid = self._optional("/api/system_status/grid_status")
            operation = self._optional("/api/operation")
            status = self._tedapi_status()
            counters = self._tedapi_counters()
        reading = _reading(
            _with_counters(aggregates, counters), None, soe, None, grid, operation, None
        )
        system_status = status.get("control", {}).get("systemStatus") or {}
        sitemanager = status.get("system", {}).get("sitemanagerStatus") or {}
        return replace(
            reading,
            energy_remaining_wh=number(system_status.get("nominalEnergyRemainingWh")),
            full_pack_wh=number(system_status.get("nominalFullPackEnergyWh")),
            sitemaster_running=_bool(sitemanager.get("isRunning")),
        )

    def _tedapi(self) -> Any:
        """Pypowerwall's TEDAPI transport, or None."""
        client = self._powerwall.client if self._powerwall is not None else None
        return getattr(client, "tedapi", None)

    def _start_tedapi_snapshot(self) -> None:
        """Forget pypowerwall's TEDAPI answers from the previous poll.

        Within a poll its answers are reused: each mapped endpoint repeats the
        same few queries (forcing every call sent 17 requests a poll, caching
        within the poll sends 5). The last poll's answer of the local API's
        counters goes too, so that it is never handed out as a new one.
        """
        if (tedapi := self._tedapi()) is not None:
            tedapi.pwcachetime.clear()
            tedapi.pwcache.pop("native_meters_aggregates", None)

    def _tedapi_counters(self) -> Any:
        """The local API's aggregates (the lifetime counters), or None.

        Read (or not) while pypowerwall mapped this poll's aggregates: after a
        failure it leaves the endpoint alone for 5 minutes, and it is left so.
        Forcing a read every poll would repeat a refused customer login every
        poll, and repeated bad logins lock the owner out of the gateway.
        """
        tedapi = self._tedapi()
        return tedapi.get_native_meters_aggregates() if tedapi is not None else None

    def _tedapi_status(self) -> dict[str, Any]:
        """TEDAPI's own status query (pack energy, site manager); {} if none."""
        tedapi = self._tedapi()
        status = tedapi.get_status() if tedapi is not None else None
        if not isinstance(status, dict):
            return {}
        return {key: value for key, value in status.items() if isinstance(value, dict)}

    def _raise_tedapi_failure(self) -> NoReturn:
        """Tell a refused Wi-Fi password from a gateway that does not answer."""
        try:
            answer = requests.get(
                f"https://{self.host}/tedapi/din",
                auth=(TEDAPI_USER, self.password),
                timeout=self._timeout_s,
                verify=False,  # noqa: S501 - the gateway's certificate is self-signed
            )
        except requests.RequestException as err:
            raise DeviceConnectionError(f"cannot reach the gateway: {err}") from err
        if answer.status_code in {401, 403}:
            raise DeviceAuthError("the gateway refused the Wi-Fi password")
        if answer.status_code == 429:
            raise DeviceRateLimitedError(
                "the gateway refuses requests for a while",
                retry_after=RATE_LIMIT_PAUSE_S,
            )
        if answer.ok and (bundle := _ca_bundle_variable()):
            # pypowerwall disables certificate checks on its TEDAPI session only,
            # and requests lets a CA bundle from the environment override that.
            raise DeviceConnectionError(
                f"{bundle} is set, so pypowerwall's TEDAPI mode checks the "
                "gateway's self-signed certificate and refuses it"
            )
        raise DeviceConnectionError(
            f"no valid TEDAPI answer from the gateway (HTTP {answer.status_code})"
        )

    def close(self) -> None:
        """Drop the pooled connections; the cached session stays for next time.

        A session kept only for this object (no `cache_file`) is deleted.
        """
        with self._lock:
            if self._temporary is not None:
                self._temporary.cleanup()
                self._temporary = None
            if self._powerwall is not None:
                client = self._powerwall.client
                if self.tedapi and client is not None:
                    client.close_session()
                    # pypowerwall leaves the local API's session (counters) open.
                    local_api = getattr(self._tedapi(), "api_session", None)
                    if local_api is not None:
                        local_api.close()
                session = getattr(client, "session", None)
                if hasattr(session, "close") and session is not None:
                    session.close()
                self._powerwall = None

    def _read_stopped(self) -> PowerwallReading:
        sitemaster = self._get("/api/sitemaster")
        if not isinstance(sitemaster, dict) or sitemaster.get("running") is not False:
            raise DeviceConnectionError("the gateway sent no meter readings")
        return PowerwallReading(
            sitemaster_running=False,
            connected_to_tesla=_bool(sitemaster.get("connected_to_tesla")),
        )

    def _optional(self, api: str) -> Any:
        """An endpoint whose failure only leaves its values unreported."""
        try:
            return self._get(api)
        except DeviceConnectionError:
            return None

    def _get(self, api: str) -> Any:
        powerwall = self._powerwall
        if powerwall is None:
            raise DeviceConnectionError("not connected")
        try:
            # force: pypowerwall would otherwise answer from its cache, and keep
            # answering None for minutes after a single 503.
            # (TEDAPI mode reuses one poll's answers; see _start_tedapi_snapshot.)
            payload = powerwall.poll(api, force=not self.tedapi)
        except LoginError as err:
            if "HTTP 429" in str(err):
                raise DeviceRateLimitedError(
                    "the gateway refuses logins for a while (too many attempts)",
                    retry_after=RATE_LIMIT_PAUSE_S,
                ) from err
            if "Invalid Powerwall Login" in str(err):
                raise DeviceAuthError("the gateway refused the password") from err
            raise DeviceConnectionError(f"login failed: {err}") from err
        except OSError as err:  # pypowerwall raises ConnectionError on login
            raise DeviceConnectionError(f"cannot reach the gateway: {err}") from err
        if isinstance(payload, (dict, list)):
            return payload
        if (pause := self._cooldown_remaining()) > 0:
            raise DeviceRateLimitedError(
                f"the gateway answered 429; pausing for {pause:.0f} s",
                retry_after=pause,
            )
        raise DeviceConnectionError(f"no valid answer from {api}")

    def _cooldown_remaining(self) -> float:
        """Seconds left of pypowerwall's pause after a 429 (0 when none)."""
        client = self._powerwall.client if self._powerwall is not None else None
        # TEDAPI keeps its pause on its own transport object.
        cooldown_until = max(
            getattr(client, "pwcooldown", 0),
            getattr(getattr(client, "tedapi", None), "pwcooldown", 0),
        )
        return max(cooldown_until - time.perf_counter(), 0.0)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _ca_bundle_variable() -> str | None:
    """The environment variable naming a CA bundle for requests, if one is set."""
    return next(
        (
            name
            for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
            if os.environ.get(name)
        ),
        None,
    )


def _with_counters(aggregates: Any, counters: Any) -> Any:
    """`aggregates` with the counters of the local API's own aggregates.

    Without those, TEDAPI's aggregates carry 0 Wh placeholders: no counter
    is reported then.
    """
    if not isinstance(aggregates, dict):
        return aggregates
    merged = dict(aggregates)
    for name in METER_NAMES:
        section = aggregates.get(name)
        native = counters.get(name) if isinstance(counters, dict) else None
        if isinstance(section, dict):
            merged[name] = section | {
                key: native.get(key) if isinstance(native, dict) else None
                for key in ("energy_imported", "energy_exported")
            }
    # Meters TEDAPI does not map (busway, generator, …) come from the local
    # API's own answer, when it gave one this poll.
    if isinstance(counters, dict):
        for name, native in counters.items():
            if name not in merged and isinstance(native, dict):
                merged[name] = native
    return merged


def _gateway_info(
    status: Any, site_info: Any, pack_serials: Sequence[Any]
) -> GatewayInfo:
    if not isinstance(status, dict) or not isinstance(site_info, dict):
        raise DeviceConnectionError("the gateway answered something unexpected")
    din = status.get("din")
    if not isinstance(din, str) or not din:
        raise DeviceConnectionError("the gateway did not report its DIN")
    firmware = status.get("version")
    site_name = site_info.get("site_name")
    return GatewayInfo(
        din=din,
        firmware=firmware.split(" ")[0] if isinstance(firmware, str) else None,
        site_name=site_name if isinstance(site_name, str) else None,
        packs=pack_identities(
            din,
            [serial if isinstance(serial, str) else None for serial in pack_serials],
        ),
        part_number=din.split("--")[0] if "--" in din else None,
    )


def extra_meter_names(meters: Mapping[str, MeterReading]) -> list[str]:
    """The meters in `meters` besides the four every gateway has, sorted."""
    return sorted(name for name in meters if name not in METER_NAMES)


def _meters(aggregates: Any) -> dict[str, MeterReading]:
    """Every meter of the aggregates answer, by name.

    The four usual meters are taken as they come; any other (a busway,
    frequency or generator meter) only when it carries a counter and its name
    is plain enough to become part of an entity's key.
    """
    meters: dict[str, MeterReading] = {}
    if not isinstance(aggregates, dict):
        return meters
    for name, meter in aggregates.items():
        if not isinstance(meter, dict):
            continue
        reading = MeterReading(
            power_w=number(meter.get("instant_power")),
            imported_wh=number(meter.get("energy_imported")),
            exported_wh=number(meter.get("energy_exported")),
        )
        if name in METER_NAMES or (
            isinstance(name, str)
            and _METER_NAME.fullmatch(name)
            and (reading.imported_wh is not None or reading.exported_wh is not None)
        ):
            meters[name] = reading
    return meters


def _packs(system_status: Any, din: str) -> dict[str, PackReading]:
    """The packs' readings by their identity's key (serial, else position)."""
    blocks = (
        system_status.get("battery_blocks") if isinstance(system_status, dict) else None
    )
    blocks = (
        [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []
    )
    serials = [block.get("PackageSerialNumber") for block in blocks]
    identities = pack_identities(
        din, [serial if isinstance(serial, str) else None for serial in serials]
    )
    return {
        identity.key: PackReading(
            power_w=number(block.get("p_out")),
            energy_remaining_wh=number(block.get("nominal_energy_remaining")),
            full_pack_wh=number(block.get("nominal_full_pack_energy")),
        )
        for identity, block in zip(identities, blocks, strict=True)
    }


def _phases(
    site_meters: Any,
) -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    readings: Any = None
    if (
        isinstance(site_meters, list)
        and site_meters
        and isinstance(site_meters[0], dict)
    ):
        readings = site_meters[0].get("Cached_readings")
    if not isinstance(readings, dict):
        return (None, None, None), (None, None, None)
    # An unused leg (split phase's L3) reads 0 V: not a value to show.
    voltages = tuple(
        v if (v := number(readings.get(key))) else None
        for key in ("v_l1n", "v_l2n", "v_l3n")
    )
    currents = tuple(
        number(readings.get(key)) if voltages[i] is not None else None
        for i, key in enumerate(("i_a_current", "i_b_current", "i_c_current"))
    )
    return voltages, currents


def _reading(  # noqa: PLR0917 - one argument per endpoint, in poll order
    aggregates: Any,
    sitemaster: Any,
    soe: Any,
    system_status: Any,
    grid: Any,
    operation: Any,
    site_meters: Any,
    *,
    din: str = "",
) -> PowerwallReading:
    def field_of(body: Any, key: str) -> Any:
        return body.get(key) if isinstance(body, dict) else None

    meters = _meters(aggregates)
    site = aggregates.get("site") if isinstance(aggregates, dict) else None
    # Newer firmware reports 0 Hz: no reading rather than a real 0.
    frequency = number(field_of(site, "frequency")) or None
    mode = field_of(operation, "real_mode")
    grid_status = field_of(grid, "grid_status")
    voltages, currents = _phases(site_meters)
    return PowerwallReading(
        meters=meters,
        frequency_hz=frequency,
        soe_percent=number(field_of(soe, "percentage")),
        energy_remaining_wh=number(field_of(system_status, "nominal_energy_remaining")),
        full_pack_wh=number(field_of(system_status, "nominal_full_pack_energy")),
        backup_reserve_percent=number(field_of(operation, "backup_reserve_percent")),
        operation_mode=mode if isinstance(mode, str) else None,
        grid_status=grid_status if isinstance(grid_status, str) else None,
        sitemaster_running=_bool(field_of(sitemaster, "running")),
        connected_to_tesla=_bool(field_of(sitemaster, "connected_to_tesla")),
        phase_voltage_v=voltages,
        phase_current_a=currents,
        packs=_packs(system_status, din),
    )
