"""The Tesla FleetAPI control channel for a Powerwall; Home-Assistant-free.

Goes through pypowerwall's own `FleetAPI` class, fed the fields its setup
(`python -m pypowerwall fleetapi`) writes: the app's client id and secret,
the regional base URL (`AUDIENCE`), the OAuth tokens and the energy site id.
pypowerwall reads them from its JSON config file and writes refreshed tokens
back to it, so the caller persists `credentials` after every call.

Settings are read from `site_info` (reserve, mode, grid charging, exports)
and `live_status` (charge, grid status); writes go to `backup`, `operation`
and `grid_import_export`, each read back with a forced fresh `site_info`.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
import json
import os
from pathlib import Path
from typing import Any, Final

from pypowerwall.fleetapi.fleetapi import FleetAPI
import requests

from ..errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    EnergyHubError,
    WriteVerifyError,
)
from .const import (
    CONF_FLEET_ACCESS_TOKEN,
    CONF_FLEET_AUDIENCE,
    CONF_FLEET_CLIENT_ID,
    CONF_FLEET_CLIENT_SECRET,
    CONF_FLEET_REFRESH_TOKEN,
    CONF_FLEET_SITE_ID,
)
from .netzero import ControlSettings, check_settings

# pypowerwall's regions (its setup offers these as AUDIENCE).
REGION_URLS: Final = (
    "https://fleet-api.prd.na.vn.cloud.tesla.com",
    "https://fleet-api.prd.eu.vn.cloud.tesla.com",
    "https://fleet-api.prd.cn.vn.cloud.tesla.cn",
)
CONFIG_FILE_NAME: Final = "fleetapi.json"
# pypowerwall holds back every call for Tesla's Retry-After, capped at this.
MAX_RETRY_AFTER_S: Final = 60.0
PROBE_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class FleetApiCredentials:
    """The fields of pypowerwall's FleetAPI config file that it needs to run."""

    client_id: str
    client_secret: str
    audience: str
    access_token: str
    refresh_token: str
    site_id: str

    def config_file(self) -> dict[str, Any]:
        """Pypowerwall's config-file layout."""
        return {
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "DOMAIN": "",
            "REDIRECT_URI": "",
            "AUDIENCE": self.audience.rstrip("/"),
            "partner_token": "",
            "partner_account": {},
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "site_id": self.site_id,
        }

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> FleetApiCredentials | None:
        """The credentials in a config entry's options, if all are there."""
        values: dict[str, str] = {}
        for key, option in _OPTION_KEYS.items():
            value = options.get(option)
            if not isinstance(value, str) or not value:
                return None
            values[key] = value
        return cls(**values)

    def as_options(self) -> dict[str, str]:
        """The credentials as config-entry options."""
        return {option: getattr(self, key) for key, option in _OPTION_KEYS.items()}


_OPTION_KEYS: Final = {
    "client_id": CONF_FLEET_CLIENT_ID,
    "client_secret": CONF_FLEET_CLIENT_SECRET,
    "audience": CONF_FLEET_AUDIENCE,
    "access_token": CONF_FLEET_ACCESS_TOKEN,
    "refresh_token": CONF_FLEET_REFRESH_TOKEN,
    "site_id": CONF_FLEET_SITE_ID,
}


class FleetApiClient:
    """Read and write one site's settings through pypowerwall's FleetAPI.

    pypowerwall blocks (requests/httpx), so every call runs in the loop's
    default executor, one at a time.
    """

    def __init__(
        self,
        credentials: FleetApiCredentials,
        config_dir: Path,
        on_new_tokens: Callable[[FleetApiCredentials], None] | None = None,
    ) -> None:
        """Keep pypowerwall's config file in `config_dir`; report token refreshes."""
        self._credentials = credentials
        self._config_path = config_dir / CONFIG_FILE_NAME
        self._on_new_tokens = on_new_tokens
        self._fleet: FleetAPI | None = None
        self._lock = asyncio.Lock()

    @property
    def credentials(self) -> FleetApiCredentials:
        """The credentials, with the tokens of the latest refresh."""
        return self._credentials

    async def read(self) -> ControlSettings:
        """Read the current settings."""
        return await self._call(self._read)

    async def write(self, **changes: Any) -> ControlSettings:
        """Write settings, then read them back; raise unless they all took."""
        check_settings(changes)
        return await self._call(lambda: self._write(changes))

    async def _call[T](self, job: Callable[[], T]) -> T:
        async with self._lock:
            try:
                return await asyncio.get_running_loop().run_in_executor(None, job)
            except (OSError, ValueError) as err:
                # requests' errors are OSErrors; a body that is not JSON, ValueError.
                raise DeviceConnectionError(
                    f"FleetAPI did not answer properly: {type(err).__name__}"
                ) from err
            finally:
                self._take_new_tokens()

    def _take_new_tokens(self) -> None:
        fleet = self._fleet
        if fleet is None:
            return
        if (fleet.access_token, fleet.refresh_token) == (
            self._credentials.access_token,
            self._credentials.refresh_token,
        ):
            return
        self._credentials = replace(
            self._credentials,
            access_token=fleet.access_token,
            refresh_token=fleet.refresh_token,
        )
        if self._on_new_tokens is not None:
            self._on_new_tokens(self._credentials)

    def _api(self) -> FleetAPI:
        if self._fleet is None:
            self._config_path.parent.mkdir(parents=True, exist_ok=True)
            # The file holds the secret and tokens: owner-only, as pypowerwall makes it.
            descriptor = os.open(
                self._config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
            )
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(self._credentials.config_file(), file)
            self._fleet = FleetAPI(
                configfile=str(self._config_path),
                site_id=self._credentials.site_id,
                # No answer cache: after a 401 whose token refresh Tesla refuses,
                # pypowerwall's retry would hand back the previous answer as new.
                pwcacheexpire=0,
            )
        return self._fleet

    def _failed(self, what: str) -> EnergyHubError:
        # pypowerwall answers None for every failure; its armed back-off
        # window (Tesla's Retry-After, capped) is the only sign of a 429.
        fleet = self._fleet
        backoff = 0.0 if fleet is None else fleet._rate_backoff_remaining()  # noqa: SLF001
        if backoff > 0:
            return DeviceRateLimitedError(
                f"FleetAPI asked to slow down ({what})",
                retry_after=min(float(backoff), MAX_RETRY_AFTER_S),
            )
        if self._token_refused():
            return DeviceAuthError("Tesla refused the FleetAPI token")
        return DeviceConnectionError(f"FleetAPI did not answer ({what})")

    def _token_refused(self) -> bool:
        """Whether Tesla refuses the current access token (after a failure).

        pypowerwall answers None for a refused token too, after trying a
        refresh; one `site_info` request of ours with the token it holds now
        tells a refused token (401/403) from an outage.
        """
        fleet = self._fleet
        if fleet is None:
            return False
        url = (
            f"{self._credentials.audience.rstrip('/')}/api/1/energy_sites/"
            f"{self._credentials.site_id}/site_info"
        )
        try:
            answer = requests.get(
                url,
                headers={"Authorization": f"Bearer {fleet.access_token}"},
                timeout=PROBE_TIMEOUT_S,
            )
        except requests.RequestException:
            return False
        return answer.status_code in {401, 403}

    def _read(self) -> ControlSettings:
        fleet = self._api()
        info = fleet.get_site_info(force=True)
        if not isinstance(info, dict):
            raise self._failed("site_info")
        live = fleet.get_live_status(force=True)
        return settings_from(info, live if isinstance(live, dict) else {})

    def _write(self, changes: dict[str, Any]) -> ControlSettings:
        fleet = self._api()
        writers: dict[str, Callable[[Any], Any]] = {
            "backup_reserve_percent": lambda v: fleet.set_battery_reserve(round(v)),
            "operational_mode": fleet.set_operating_mode,
            "grid_charging": fleet.set_grid_charging,
            "energy_exports": fleet.set_grid_export,
        }
        for key, value in changes.items():
            if not _accepted(writers[key](value)):
                raise self._failed(f"writing {key}")
        confirmed = self._read()
        for key, wanted in changes.items():
            got = getattr(confirmed, key)
            if got != wanted:
                raise WriteVerifyError(f"{key} reads {got!r} after writing {wanted!r}")
        return confirmed


def _accepted(payload: Any) -> bool:
    """Whether a FleetAPI command answer says the command was taken."""
    if not isinstance(payload, dict):
        return False  # None (HTTP error) or False (refused by pypowerwall)
    response = payload.get("response")
    code = response.get("code") if isinstance(response, dict) else None
    return code is None or (isinstance(code, int) and 200 <= code < 300)


def settings_from(info: dict[str, Any], live: dict[str, Any]) -> ControlSettings:
    """The control settings in a `site_info` and a `live_status` answer."""
    components = info.get("components")
    components = components if isinstance(components, dict) else {}
    if components.get("non_export_configured") is True:
        exports: Any = "never"
    else:
        # FleetAPI leaves the rule out when it is the default, battery_ok.
        exports = components.get("customer_preferred_export_rule", "battery_ok")
    disallow = components.get("disallow_charge_from_grid_with_solar_installed", False)
    return ControlSettings.from_body(
        {
            "backup_reserve_percent": info.get("backup_reserve_percent"),
            "operational_mode": info.get("default_real_mode"),
            "energy_exports": exports,
            "grid_charging": (not disallow) if isinstance(disallow, bool) else None,
            "percentage_charged": live.get("percentage_charged"),
            "grid_status": live.get("grid_status"),
        }
    )
