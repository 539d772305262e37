"""A NetZero-style Powerwall control API (the cloud channel for owner settings).

`GET`/`POST /api/v1/{site_id}/config` with `Authorization: Bearer <token>`.
A POST takes any subset of `backup_reserve_percent` (0-100),
`operational_mode` (`autonomous` | `self_consumption`), `energy_exports`
(`pv_only` | `battery_ok` | `never`) and `grid_charging` (bool); both answer
the whole config plus `percentage_charged` and `grid_status`. A wrong token
answers 401, an unknown site 404, a bad value 400 with `{"error": ...}`.

When given a gateway simulator, the settings land on that gateway (its
`/api/operation` shows the new reserve and mode; with `follow_settings` the
battery acts on them after its lag) and the state of charge (on the app's
scale, as the reserve) and grid status come from it, as they do on a real
site. Faults: the generic
`faults.*`, and `faults.extra["ignore_writes"]` (the API answers 200 but
the site keeps its old settings, as when the command never reaches it).
"""

from __future__ import annotations

from typing import Any, override

from aiohttp import web

from .http import HttpSimulator
from .powerwall import PowerwallGatewaySimulator, app_percent

SITE_ID = "2252179856"
TOKEN = "nz-test-token-4f1c2e"
OPERATIONAL_MODES = ("autonomous", "self_consumption")
EXPORT_RULES = ("pv_only", "battery_ok", "never")
# The gateway's raw reserve runs on its own scale; the app's 0-100 maps onto 5-100.
_GATEWAY_MODE = {"autonomous": "autonomous", "self_consumption": "self_consumption"}


class NetZeroSimulator(HttpSimulator):
    """The NetZero control API for one Powerwall site."""

    name = "netzero"

    def __init__(self, gateway: PowerwallGatewaySimulator | None = None) -> None:
        super().__init__()
        self.gateway = gateway
        self.token = TOKEN
        self.site_id = SITE_ID
        self.config: dict[str, Any] = {
            "backup_reserve_percent": 20,
            "operational_mode": "self_consumption",
            "energy_exports": "pv_only",
            "grid_charging": False,
        }
        self.writes: list[dict[str, Any]] = []  # accepted POST bodies, in order
        self._push_to_gateway(at_once=True)

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/api/v1/{site_id}/config", self._get_config)
        router.add_post("/api/v1/{site_id}/config", self._post_config)

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "invalid token"}, status=401)
        if request.match_info["site_id"] != self.site_id:
            return web.json_response({"error": "site not found"}, status=404)
        return None

    def _body(self) -> dict[str, Any]:
        percentage = 69.2
        grid_status = "Active"
        if self.gateway is not None:
            self.gateway.advance(0.0)  # the charge as of now
            state = self.gateway.state
            percentage = round(
                app_percent(state.energy_remaining_wh, state.full_pack_wh), 1
            )
            grid_status = "Active" if state.grid_connected else "Inactive"
        return self.config | {
            "percentage_charged": percentage,
            "grid_status": grid_status,
        }

    async def _get_config(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        return web.json_response(self._body())

    async def _post_config(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        try:
            update = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(update, dict) or (error := _invalid(update)) is not None:
            return web.json_response(
                {"error": error or "body must be an object"}, status=400
            )
        if not self.faults.extra.get("ignore_writes"):
            self.writes.append(update)
            self.config |= update
            self._push_to_gateway()
        return web.json_response(self._body())

    def _push_to_gateway(self, *, at_once: bool = False) -> None:
        if self.gateway is None:
            return
        state = self.gateway.state
        # The gateway keeps the reserve on its raw scale (app 0-100 → raw 5-100).
        state.backup_reserve_percent = 5 + 0.95 * self.config["backup_reserve_percent"]
        state.real_mode = _GATEWAY_MODE[self.config["operational_mode"]]
        state.grid_charging = self.config["grid_charging"]
        state.energy_exports = self.config["energy_exports"]
        self.gateway.settings_changed(at_once=at_once)


def _invalid(update: dict[str, Any]) -> str | None:
    """Why `update` is not an acceptable config change, or None."""
    checks: dict[str, Any] = {
        "backup_reserve_percent": lambda v: (
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100
        ),
        "operational_mode": lambda v: v in OPERATIONAL_MODES,
        "energy_exports": lambda v: v in EXPORT_RULES,
        "grid_charging": lambda v: isinstance(v, bool),
    }
    if not update:
        return "nothing to change"
    for key, value in update.items():
        if key not in checks:
            return f"unknown field {key}"
        if not checks[key](value):
            return f"invalid value for {key}"
    return None
