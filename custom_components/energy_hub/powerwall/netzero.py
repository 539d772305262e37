"""The NetZero control channel for a Powerwall; Home-Assistant-free.

The local gateway does not take settings from most owners, so backup
reserve, operation mode, exports and grid charging go through NetZero's API:
`GET`/`POST {base}/api/v1/{site_id}/config` with a bearer token. Every write
is read back with a fresh GET and must show the value written.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import math
from typing import Any, Final, Protocol

import aiohttp

from ..battery import BatterySettings, BatteryStatus
from ..errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
    WriteVerifyError,
)

DEFAULT_BASE_URL: Final = "https://api.netzeroapp.io"
TIMEOUT_S: Final = 15.0
OPERATIONAL_MODES: Final = ("autonomous", "self_consumption")
EXPORT_RULES: Final = ("pv_only", "battery_ok", "never")
SETTING_KEYS: Final = (
    "backup_reserve_percent",
    "operational_mode",
    "energy_exports",
    "grid_charging",
)


class SiteNotFoundError(DeviceRejectedError):
    """NetZero knows no site with this id (for this token)."""


class InvalidSettingError(DeviceRejectedError, ValueError):
    """A setting or power that no channel may be sent; refused before any call."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_settings(changes: Mapping[str, Any]) -> None:
    """Refuse settings a site cannot take, before anything is sent.

    The reserve must be a finite number from 0 to 100 (a `nan` would go out
    as JSON `NaN` or `null`), the mode and export rule ones the channels
    know, grid charging a bool; unknown keys are refused too.
    """
    unknown = set(changes) - set(SETTING_KEYS)
    if unknown:
        raise InvalidSettingError(f"not a Powerwall setting: {sorted(unknown)}")
    if "backup_reserve_percent" in changes:
        reserve = changes["backup_reserve_percent"]
        if not _is_number(reserve) or not 0 <= reserve <= 100:  # nan fails too
            raise InvalidSettingError(
                f"backup_reserve_percent must be a number from 0 to 100, not {reserve!r}"
            )
    choices = {"operational_mode": OPERATIONAL_MODES, "energy_exports": EXPORT_RULES}
    for key, allowed in choices.items():
        if key in changes and changes[key] not in allowed:
            raise InvalidSettingError(
                f"{key} must be one of {', '.join(allowed)}, not {changes[key]!r}"
            )
    if "grid_charging" in changes and not isinstance(changes["grid_charging"], bool):
        raise InvalidSettingError(
            f"grid_charging must be true or false, not {changes['grid_charging']!r}"
        )


def check_power(power_w: float | None) -> None:
    """Refuse a power that is not a finite positive number (None: unspecified)."""
    if power_w is None:
        return
    if not _is_number(power_w) or not math.isfinite(power_w) or power_w <= 0:
        raise InvalidSettingError(
            f"power_w must be a finite number of watts above 0, not {power_w!r}"
        )


@dataclass(frozen=True, slots=True)
class ControlSettings:
    """The site's control settings as NetZero reports them (app scale)."""

    backup_reserve_percent: float | None
    operational_mode: str | None
    energy_exports: str | None
    grid_charging: bool | None
    percentage_charged: float | None
    grid_status: str | None

    @classmethod
    def from_body(cls, body: Any) -> ControlSettings:
        """Parse a config answer; fields of the wrong type become None."""
        if not isinstance(body, dict):
            raise DeviceConnectionError(
                "NetZero answered something other than a config"
            )

        def number(key: str) -> float | None:
            value = body.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            return float(value)

        def choice(key: str, allowed: tuple[str, ...] | None) -> str | None:
            value = body.get(key)
            if not isinstance(value, str):
                return None
            return value if allowed is None or value in allowed else None

        grid_charging = body.get("grid_charging")
        return cls(
            backup_reserve_percent=number("backup_reserve_percent"),
            operational_mode=choice("operational_mode", OPERATIONAL_MODES),
            energy_exports=choice("energy_exports", EXPORT_RULES),
            grid_charging=grid_charging if isinstance(grid_charging, bool) else None,
            percentage_charged=number("percentage_charged"),
            grid_status=choice("grid_status", None),
        )

    def settings(self) -> dict[str, Any]:
        """The writable settings."""
        return {key: getattr(self, key) for key in SETTING_KEYS}

    def as_dict(self) -> dict[str, Any]:
        """Plain data (diagnostics)."""
        return asdict(self)


class ControlChannel(Protocol):
    """A cloud channel to a site's settings (NetZero or Tesla's FleetAPI)."""

    async def read(self) -> ControlSettings:
        """Read the current settings."""

    async def write(self, **changes: Any) -> ControlSettings:
        """Write settings (`SETTING_KEYS`), read back; raise unless they all took."""


class NetZeroClient:
    """Read and write one site's settings through the NetZero API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str,
        site_id: str,
        base_url: str | None = None,
    ) -> None:
        """Use `session` for every call (the caller owns it)."""
        self._session = session
        self._token = token
        base = (
            base_url or DEFAULT_BASE_URL
        )  # read at call time: tests point it at a simulator
        self._url = f"{base.rstrip('/')}/api/v1/{site_id}/config"

    async def read(self) -> ControlSettings:
        """Read the current settings."""
        return ControlSettings.from_body(await self._request("GET"))

    async def write(self, **changes: Any) -> ControlSettings:
        """Write settings, then read them back; raise unless they all took."""
        check_settings(changes)
        await self._request("POST", changes)
        confirmed = await self.read()
        for key, wanted in changes.items():
            got = getattr(confirmed, key)
            if got != wanted:
                raise WriteVerifyError(f"{key} reads {got!r} after writing {wanted!r}")
        return confirmed

    async def _request(self, method: str, body: dict[str, Any] | None = None) -> Any:
        try:
            async with self._session.request(
                method,
                self._url,
                json=body,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
            ) as response:
                if response.status in (401, 403):
                    raise DeviceAuthError("NetZero refused the token")
                if response.status == 404:
                    raise SiteNotFoundError("NetZero knows no such site")
                if response.status == 429:
                    raise DeviceRateLimitedError(
                        "NetZero asked to slow down",
                        retry_after=retry_after(response.headers.get("Retry-After")),
                    )
                if response.status == 400:
                    raise DeviceRejectedError(await _error_text(response))
                if response.status >= 400:
                    raise DeviceConnectionError(
                        f"NetZero answered HTTP {response.status}"
                    )
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise DeviceConnectionError(
                f"NetZero did not answer properly: {err}"
            ) from err


def retry_after(header: str | None, now: datetime | None = None) -> float | None:
    """The seconds a `Retry-After` header asks for (delay or HTTP date), if any."""
    if not header:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except TypeError, ValueError, IndexError:
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


async def _error_text(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
    except aiohttp.ClientError, ValueError:
        return f"HTTP {response.status}"
    error = body.get("error") if isinstance(body, dict) else None
    return str(error) if error else f"HTTP {response.status}"


def check_target(target_soc: float) -> None:
    """Refuse a target state of charge that is not a finite number from 0 to 100."""
    if not _is_number(target_soc) or not 0 <= target_soc <= 100:  # nan fails too
        raise InvalidSettingError(
            f"target_soc must be a number from 0 to 100, not {target_soc!r}"
        )


def reserve_for(soc_percent: float) -> int:
    """The whole-percent reserve that keeps at least `soc_percent` (FleetAPI takes whole ones)."""
    return min(max(math.ceil(soc_percent - 1e-6), 0), 100)


class PowerwallBatteryController:
    """The `BatteryController` of a Powerwall, over its control channel.

    The cloud channels set modes, not power: `power_w` is checked, then
    ignored. Charging raises the backup reserve to the target with grid
    charging on and time-based control (`autonomous`): the Powerwall fills
    to the reserve from the grid and stops there. Holding sets the reserve
    to the charge now with grid charging off. Discharging means "cover the house and export from
    the battery" (reserve 0 %, battery exports allowed). The state of charge
    is the channel's (the Tesla app's scale, as the reserve); the power
    comes from `battery_power`, the gateway's latest reading (+ discharging).
    """

    # Tesla's cloud passes a change on within a minute or two and the
    # Powerwall then ramps; NetZero and FleetAPI are rate-limited.
    response_time_s = 300.0
    check_interval_s = 120.0

    def __init__(
        self,
        client: ControlChannel,
        battery_power: Callable[[], float | None] | None = None,
    ) -> None:
        """Steer the site behind `client`; `battery_power` reads the gateway's power."""
        self._client = client
        self._battery_power = battery_power
        self._lock = asyncio.Lock()

    async def read_settings(self) -> BatterySettings:
        """Capture the current settings."""
        settings = (await self._client.read()).settings()
        if any(value is None for value in settings.values()):
            raise DeviceConnectionError("the channel did not report every setting")
        return BatterySettings(values=settings)

    async def read_status(self) -> BatteryStatus:
        """The channel's state of charge and the gateway's battery power."""
        settings = await self._client.read()
        power = None if self._battery_power is None else self._battery_power()
        return BatteryStatus(soc_percent=settings.percentage_charged, power_w=power)

    async def apply_charge(
        self, target_soc: float, power_w: float | None = None
    ) -> BatterySettings:
        """Fill to `target_soc` % from the grid (`power_w`, if given, must be a real power)."""
        check_target(target_soc)
        check_power(power_w)
        return await self._write(
            backup_reserve_percent=reserve_for(target_soc),
            grid_charging=True,
            operational_mode="autonomous",
        )

    async def apply_discharge(self, power_w: float | None = None) -> BatterySettings:
        """Discharge now (into the house, then the grid)."""
        check_power(power_w)
        return await self._write(
            backup_reserve_percent=0,
            grid_charging=False,
            operational_mode="autonomous",
            energy_exports="battery_ok",
        )

    async def hold(self) -> BatterySettings:
        """Set the reserve to the charge now, grid charging off.

        Rounded up, the reserve never lets the battery discharge; with grid
        charging off, the bit below it is filled from solar only.
        """
        async with self._lock:
            soc = (await self._client.read()).percentage_charged
            if soc is None:
                raise DeviceConnectionError("the channel did not report the charge")
            changes: dict[str, Any] = {
                "backup_reserve_percent": reserve_for(soc),
                "grid_charging": False,
            }
            confirmed = await self._client.write(**changes)
        return _written(confirmed, changes)

    async def restore(self, settings: BatterySettings) -> None:
        """Put back what `read_settings` captured; refuse an incomplete or bad one."""
        missing = [key for key in SETTING_KEYS if settings.values.get(key) is None]
        if missing:
            raise InvalidSettingError(f"the saved settings lack {', '.join(missing)}")
        values = {key: settings.values[key] for key in SETTING_KEYS}
        check_settings(values)
        await self._write(**values)

    async def _write(self, **changes: Any) -> BatterySettings:
        async with self._lock:
            confirmed = await self._client.write(**changes)
        return _written(confirmed, changes)


def _written(confirmed: ControlSettings, changes: Mapping[str, Any]) -> BatterySettings:
    """The settings a write changed, as they read back."""
    return BatterySettings(values={key: getattr(confirmed, key) for key in changes})
