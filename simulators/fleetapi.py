"""Tesla's FleetAPI for one Powerwall site, as pypowerwall's FleetAPI mode uses it.

HTTPS (a throw-away CA from `tls.py`). Every call needs
`Authorization: Bearer <access token>`; answers are wrapped in
`{"response": ...}` as Tesla does:

- `GET /api/1/products`, `GET /api/1/energy_sites/{id}/site_info` (reserve,
  `default_real_mode`, and under `components` the grid-charging and export
  rules in Tesla's own shape: `disallow_charge_from_grid_with_solar_installed`
  only present when charging is off, `non_export_configured` with "never"),
  `GET .../live_status` (charge, powers, grid status);
- `POST .../backup` `{"backup_reserve_percent"}`, `POST .../operation`
  `{"default_real_mode"}`, `POST .../grid_import_export`
  `{"disallow_charge_from_grid_with_solar_installed"}` or
  `{"customer_preferred_export_rule"}` answer `{"response": {"code": 201,
  "message": "Updated"}}`;
- `POST /oauth2/v3/token` (Tesla's auth server, here on the same host):
  `grant_type=refresh_token` swaps the refresh token for a new pair; the old
  pair stops working, as Tesla rotates them.

Faults: the generic ones (`http_status` 5xx, `offline`, `delay_s`),
`expire_access_token()` (the next call answers 401 until a refresh), and
`faults.extra["rate_limited"] = seconds` (429 with Retry-After). With a
gateway simulator the settings land on it, as the NetZero simulator does, and
`percentage_charged` is the gateway's charge on the app's scale.
"""

from __future__ import annotations

import itertools
from typing import Any, override

from aiohttp import web

from .base import DemoEntry
from .http import HttpSimulator
from .powerwall import PowerwallGatewaySimulator, app_percent
from .tls import make_server_certificate

SITE_ID = "1689409261841374"
CLIENT_ID = "fleet-client-3b1e9a"
CLIENT_SECRET = "fleet-secret-9c07d2"
ACCESS_TOKEN = "fleet-access-0001"
REFRESH_TOKEN = "fleet-refresh-0001"
MODES = ("self_consumption", "autonomous", "backup")
EXPORT_RULES = ("battery_ok", "pv_only", "never")
_UPDATED = {"response": {"code": 201, "message": "Updated"}}


class FleetApiSimulator(HttpSimulator):
    """Tesla's FleetAPI and token endpoint for one energy site."""

    name = "fleetapi"

    def __init__(self, gateway: PowerwallGatewaySimulator | None = None) -> None:
        self.certificate = make_server_certificate("fleet-api")
        super().__init__(self.certificate.server_context())
        self.gateway = gateway
        self.site_id = SITE_ID
        self.client_id = CLIENT_ID
        self.access_token = ACCESS_TOKEN
        self.refresh_token = REFRESH_TOKEN
        self._token_numbers = itertools.count(2)
        self.backup_reserve_percent = 20
        self.default_real_mode = "self_consumption"
        self.grid_charging = True
        self.export_rule = "pv_only"
        self.writes: list[tuple[str, dict[str, Any]]] = []  # accepted commands
        self.refreshes = 0
        self._push_to_gateway(at_once=True)

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/oauth2/v3/token", self._token)
        router.add_get("/api/1/products", self._products)
        site = "/api/1/energy_sites/{site_id}"
        router.add_get(f"{site}/site_info", self._site_info)
        router.add_get(f"{site}/live_status", self._live_status)
        router.add_post(f"{site}/backup", self._backup)
        router.add_post(f"{site}/operation", self._operation)
        router.add_post(f"{site}/grid_import_export", self._grid_import_export)

    def expire_access_token(self) -> None:
        """Make the current access token expire (the refresh token stays good)."""
        self.access_token = f"expired-{self.access_token}"

    def _refusal(self, request: web.Request) -> web.Response | None:
        if (seconds := self.faults.extra.get("rate_limited")) is not None:
            return web.json_response(
                {"error": f"Rate limit exceeded. Retry in {seconds} seconds"},
                status=429,
                headers={"Retry-After": str(seconds)},
            )
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.json_response(
                {"error": "invalid bearer token", "response": None}, status=401
            )
        site_id = request.match_info.get("site_id")
        if site_id is not None and site_id != self.site_id:
            return web.json_response(
                {"error": "energy site not found", "response": None}, status=404
            )
        return None

    async def _token(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("client_id") != self.client_id
            or form.get("refresh_token") != self.refresh_token
        ):
            return web.json_response({"error": "invalid_grant"}, status=401)
        number = next(self._token_numbers)
        self.access_token = f"fleet-access-{number:04d}"
        self.refresh_token = f"fleet-refresh-{number:04d}"
        self.refreshes += 1
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "token_type": "Bearer",
                "expires_in": 28800,
            }
        )

    async def _products(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        product = {"energy_site_id": int(self.site_id), "resource_type": "battery"}
        return web.json_response({"response": [product], "count": 1})

    async def _site_info(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        components: dict[str, Any] = {
            "battery": True,
            "solar": True,
            "grid": True,
            "customer_preferred_export_rule": self.export_rule,
        }
        if self.export_rule == "never":
            components["non_export_configured"] = True
        if not self.grid_charging:
            components["disallow_charge_from_grid_with_solar_installed"] = True
        return web.json_response(
            {
                "response": {
                    "id": "1232100-10-J--TG123456789ABC",
                    "site_name": "Home",
                    "backup_reserve_percent": self.backup_reserve_percent,
                    "default_real_mode": self.default_real_mode,
                    "components": components,
                }
            }
        )

    async def _live_status(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        percentage, grid_status = 69.2, "Active"
        if self.gateway is not None:
            self.gateway.advance(0.0)  # the charge as of now
            state = self.gateway.state
            percentage = app_percent(state.energy_remaining_wh, state.full_pack_wh)
            grid_status = "Active" if state.grid_connected else "Inactive"
        return web.json_response(
            {
                "response": {
                    "percentage_charged": percentage,
                    "grid_status": grid_status,
                    "island_status": "on_grid",
                    "backup_capable": True,
                }
            }
        )

    async def _command(
        self, request: web.Request, fields: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        """The command's body if it is one of `fields` (name → check), else an answer."""
        if (refusal := self._refusal(request)) is not None:
            return None, refusal
        try:
            body = await request.json()
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or len(body) != 1
            or not all(key in fields and fields[key](v) for key, v in body.items())
        ):
            return None, web.json_response(
                {"error": "invalid command", "response": None}, status=400
            )
        self.writes.append((request.path.rsplit("/", 1)[-1], body))
        return body, None

    async def _backup(self, request: web.Request) -> web.StreamResponse:
        body, refusal = await self._command(
            request, {"backup_reserve_percent": _percent}
        )
        if body is None:
            return refusal or web.Response(status=500)
        self.backup_reserve_percent = body["backup_reserve_percent"]
        self._push_to_gateway()
        return web.json_response(_UPDATED)

    async def _operation(self, request: web.Request) -> web.StreamResponse:
        body, refusal = await self._command(
            request, {"default_real_mode": lambda v: v in MODES}
        )
        if body is None:
            return refusal or web.Response(status=500)
        self.default_real_mode = body["default_real_mode"]
        self._push_to_gateway()
        return web.json_response(_UPDATED)

    async def _grid_import_export(self, request: web.Request) -> web.StreamResponse:
        body, refusal = await self._command(
            request,
            {
                "disallow_charge_from_grid_with_solar_installed": lambda v: isinstance(
                    v, bool
                ),
                "customer_preferred_export_rule": lambda v: v in EXPORT_RULES,
            },
        )
        if body is None:
            return refusal or web.Response(status=500)
        if "customer_preferred_export_rule" in body:
            self.export_rule = body["customer_preferred_export_rule"]
        else:
            disallow = body["disallow_charge_from_grid_with_solar_installed"]
            self.grid_charging = not disallow
        self._push_to_gateway()
        return web.json_response(_UPDATED)

    def _push_to_gateway(self, *, at_once: bool = False) -> None:
        if self.gateway is None:
            return
        state = self.gateway.state
        # The gateway keeps the reserve on its raw scale (app 0-100 → raw 5-100).
        state.backup_reserve_percent = 5 + 0.95 * self.backup_reserve_percent
        if self.default_real_mode in ("self_consumption", "autonomous"):
            state.real_mode = self.default_real_mode
        state.grid_charging = self.grid_charging
        state.energy_exports = self.export_rule
        self.gateway.settings_changed(at_once=at_once)

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """None: FleetAPI is a control channel chosen in a Powerwall's options."""
        return []


def _percent(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
