"""A Powerwall 3 gateway as pypowerwall's TEDAPI mode sees it (HTTPS, self-signed).

Unmodified `pypowerwall` with a gateway Wi-Fi password (`gw_pwd`) talks to it
as to a real Powerwall 3 on its Wi-Fi network:

- `GET /` answers 403: a Powerwall 3 has no local web portal (pypowerwall
  takes that as "this is a Powerwall 3");
- `GET /tedapi/din` and `POST /tedapi/v1` need HTTP Basic auth as
  `Tesla_Energy_Device` with the gateway Wi-Fi password (wrong → 403);
  `/tedapi/v1` takes and answers protobuf `Message`s of pypowerwall's own
  `tedapi_pb2` (the wire format): a `config.json` read, a firmware request,
  and the GraphQL queries `DeviceControllerQuery` (basic and full) and
  `ComponentsQuery`, answered with JSON text in `payload.recv.text`;
- of the parent simulator's local API only what Powerwall 3 firmware still
  serves is left: `/api/status`, the customer login (its password is the last
  5 characters of the Wi-Fi password) and, behind it, `/api/meters/aggregates`
  (the only source of the lifetime energy counters); the rest answers 404.

Both views read the same evolving model (powers, counters, pack energy) of
`PowerwallGatewaySimulator`, and share its faults (`faults.*`,
`set_offline`, `faults.extra["rate_limited"]` → 429, `"missing_meter"`,
`"zero_counters"`) and `set_grid(False)`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any, override

from aiohttp import web
from pypowerwall.tedapi.protobuf.V2024_06 import tedapi_pb2

from .base import DemoEntry
from .powerwall import PowerwallGatewaySimulator

PW3_DIN = "1707000-11-J--TG1234567890AB"
EXPANSION_DIN = "1807000-20-B--TG9876543210CD"
WIFI_PASSWORD = "QWERTY2K7M"  # from the QR sticker behind the Powerwall 3's cover
PW3_FIRMWARE = "25.26.1"
PW3_GITHASH = b"3aa1f6b5c0d2"
TEDAPI_USER = "Tesla_Energy_Device"
# The local API endpoints (behind the login) a Powerwall 3 still answers.
_PW3_LOCAL_API = frozenset({"/api/meters/aggregates"})
_LOCATIONS = {"site": "SITE", "battery": "BATTERY", "load": "LOAD", "solar": "SOLAR"}


class PowerwallTedapiSimulator(PowerwallGatewaySimulator):
    """A Powerwall 3 (with one DC expansion pack) reached over its Wi-Fi TEDAPI."""

    name = "powerwall_tedapi"

    def __init__(self) -> None:
        super().__init__()
        self.din = PW3_DIN
        self.wifi_password = WIFI_PASSWORD
        self.password = WIFI_PASSWORD[-5:]  # the local API's customer password
        self.queries: list[str] = []  # what each /tedapi/v1 request asked for

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        super().setup_routes(router)
        router.add_get("/", self._no_portal)
        router.add_get("/tedapi/din", self._tedapi_din)
        router.add_post("/tedapi/v1", self._tedapi_v1)

    # --- HTTP --------------------------------------------------------------------

    @override
    def _authenticated(self, path: str, handler: Any) -> Any:
        if path not in _PW3_LOCAL_API:
            return self._no_such_endpoint
        return super()._authenticated(path, handler)

    async def _no_such_endpoint(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"code": 404, "error": "Not Found"}, status=404)

    async def _no_portal(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=403, text="")

    def _refusal(self, request: web.Request) -> web.StreamResponse | None:
        """The answer to a TEDAPI request that is not let through, if any."""
        expected = base64.b64encode(
            f"{TEDAPI_USER}:{self.wifi_password}".encode()
        ).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.Response(status=403, text="")
        if self.faults.extra.get("rate_limited"):
            return web.Response(status=429, text="")
        return None

    async def _tedapi_din(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        return web.Response(text=self.din)

    async def _tedapi_v1(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        query = tedapi_pb2.Message()
        try:
            query.ParseFromString(await request.read())
        except Exception:
            return web.Response(status=400, text="")
        envelope = query.message
        if envelope.recipient.din != self.din:
            return web.Response(status=404, text="")
        self._tick()
        answer = tedapi_pb2.Message()
        answer.message.deliveryChannel = envelope.deliveryChannel
        answer.message.sender.din = self.din
        answer.message.recipient.local = envelope.sender.local
        answer.tail.value = query.tail.value
        if envelope.HasField("config"):
            self.queries.append("config")
            answer.message.config.recv.file.name = envelope.config.send.file
            answer.message.config.recv.file.text = json.dumps(self._config())
        elif envelope.HasField("firmware"):
            self.queries.append("firmware")
            self._firmware(answer.message.firmware.system)
        elif envelope.HasField("payload"):
            text = envelope.payload.send.payload.text
            if "ComponentsQuery" in text:
                self.queries.append("components")
                body: dict[str, Any] = self._components()
            elif "DeviceControllerQuery" in text:
                full = "$msaComp" in text
                self.queries.append("controller_full" if full else "controller")
                body = self._controller(full=full)
            else:
                return web.Response(status=400, text="")
            answer.message.payload.recv.text = json.dumps(body)
        else:
            return web.Response(status=400, text="")
        return web.Response(
            body=answer.SerializeToString(), content_type="application/octet-stream"
        )

    # --- the TEDAPI payloads -----------------------------------------------------

    def _config(self) -> dict[str, Any]:
        state = self.state
        return {
            "vin": self.din,
            "default_real_mode": state.real_mode,
            "auto_meter_update": True,
            "battery_blocks": [
                {
                    "vin": self.din,
                    "type": "Powerwall3",
                    "battery_expansions": [{"din": EXPANSION_DIN}],
                }
            ],
            "meters": [],
            "site_info": {
                "backup_reserve_percent": state.backup_reserve_percent,
                "battery_commission_date": "2025-03-14T10:21:07-07:00",
                "nominal_system_energy_ac": 27,
                "nominal_system_power_ac": 11.5,
                "max_site_meter_power_ac": 1_000_000_000,
                "min_site_meter_power_ac": -1_000_000_000,
                "grid_code": "60Hz_240V_s_UL1741SB:2023_California",
                "country": "United States",
                "state": "California",
                "utility": "Pacific Gas & Electric Company",
                "site_name": "Garage",
                "timezone": "America/Los_Angeles",
                "panel_max_current": 200,
            },
        }

    def _firmware(self, system: Any) -> None:
        part, serial = self.din.split("--")
        system.gateway.partNumber = part
        system.gateway.serialNumber = serial
        system.din = self.din
        system.version.text = PW3_FIRMWARE
        system.version.githash = PW3_GITHASH
        system.deviceType = 4  # site controller

    def _controller(self, *, full: bool) -> dict[str, Any]:
        state = self.state
        missing = self.faults.extra.get("missing_meter")
        connected = state.grid_connected
        v1, v2, v3 = state.voltage_v if connected else (0.0, 0.0, 0.0)
        site_w = state.meters["site"].power_w
        half = site_w / 2
        body: dict[str, Any] = {
            "control": {
                "systemStatus": {
                    "nominalFullPackEnergyWh": state.full_pack_wh,
                    "nominalEnergyRemainingWh": state.energy_remaining_wh,
                },
                "islanding": {
                    "customerIslandMode": "Online",
                    "contactorClosed": connected,
                    "microGridOK": True,
                    "gridOK": connected,
                },
                "meterAggregates": [
                    {"location": _LOCATIONS[name], "realPowerW": meter.power_w}
                    for name, meter in state.meters.items()
                    if name != missing and name in _LOCATIONS
                ],
                "alerts": {
                    "active": ["SystemConnectedToGrid", "FWUpdateSucceeded"]
                    if connected
                    else ["GridCodesWrite", "SystemIslandedActive"]
                },
                "siteShutdown": {"isShutDown": False, "reasons": []},
                "batteryBlocks": [{"din": self.din, "disableReasons": None}],
                "pvInverters": [],
            },
            "system": {
                "time": dt.datetime.now(dt.UTC)
                .astimezone()
                .isoformat(timespec="seconds"),
                "sitemanagerStatus": {"isRunning": True},
                "updateUrgencyCheck": None,
            },
            "neurio": {"isDetectingWiredMeters": False, "readings": [], "pairings": []},
            "pw3Can": {"firmwareUpdate": {"isUpdating": False, "progress": None}},
            "esCan": {
                "bus": {
                    "PVAC": [],
                    "PINV": [],
                    "PVS": [],
                    "THC": [],
                    "POD": [],
                    "MSA": None,
                    "SYNC": {
                        "packagePartNumber": "",
                        "packageSerialNumber": "",
                        "SYNC_InfoMsg": {"isMIA": True},
                        "METER_X_AcMeasurements": {
                            "isMIA": False,
                            "isComplete": True,
                            "METER_X_CTA_InstRealPower": half,
                            "METER_X_CTA_I": abs(half / v1) if v1 else 0,
                            "METER_X_VL1N": v1,
                            "METER_X_CTB_InstRealPower": half,
                            "METER_X_CTB_I": abs(half / v2) if v2 else 0,
                            "METER_X_VL2N": v2,
                            "METER_X_CTC_InstRealPower": 0,
                            "METER_X_CTC_I": 0,
                            "METER_X_VL3N": v3,
                        },
                        "METER_Y_AcMeasurements": {"isMIA": True},
                    },
                    "ISLANDER": {
                        "ISLAND_GridConnection": {
                            "ISLAND_GridConnected": "ISLAND_GridConnected_Connected"
                            if connected
                            else "ISLAND_GridConnected_Disconnected",
                            "isComplete": True,
                        },
                        "ISLAND_AcMeasurements": {
                            "ISLAND_VL1N_Main": v1,
                            "ISLAND_FreqL1_Main": 60.0 if connected else 0.0,
                            "ISLAND_VL2N_Main": v2,
                            "ISLAND_FreqL2_Main": 60.0 if connected else 0.0,
                            "ISLAND_VL3N_Main": v3,
                            "ISLAND_FreqL3_Main": 0.0,
                            "ISLAND_VL1N_Load": state.voltage_v[0],
                            "ISLAND_FreqL1_Load": 60.0,
                            "ISLAND_VL2N_Load": state.voltage_v[1],
                            "ISLAND_FreqL2_Load": 60.0,
                            "ISLAND_VL3N_Load": 0.0,
                            "ISLAND_FreqL3_Load": 0.0,
                            "ISLAND_GridState": "ISLAND_GridState_Grid_Compliant"
                            if connected
                            else "ISLAND_GridState_Grid_Down",
                            "isComplete": True,
                            "isMIA": False,
                        },
                    },
                },
                "enumeration": None,
                "firmwareUpdate": {"isUpdating": False},
                "phaseDetection": None,
                "inverterSelfTests": None,
            },
        }
        if full:
            body |= {"components": {"msa": []}, "teslaRemoteMeter": {"meters": []}}
        return body

    def _components(self) -> dict[str, Any]:
        state = self.state
        share_kwh = state.energy_remaining_wh / 2 / 1000
        full_kwh = state.full_pack_wh / 2 / 1000

        def signal(
            name: str, value: Any = None, text: str | None = None
        ) -> dict[str, Any]:
            return {"name": name, "value": value, "textValue": text, "boolValue": None}

        def bms(serial: str) -> dict[str, Any]:
            return {
                "serialNumber": serial,
                "activeAlerts": [],
                "signals": [
                    signal("BMS_nominalEnergyRemaining", share_kwh),
                    signal("BMS_nominalFullPackEnergy", full_kwh),
                ],
            }

        part, serial = self.din.split("--")
        expansion_serial = EXPANSION_DIN.split("--")[1]
        return {
            "components": {
                "pch": [
                    {
                        "partNumber": part,
                        "serialNumber": serial,
                        "activeAlerts": [],
                        "signals": [
                            signal("PCH_AcFrequency", 60.0),
                            signal("PCH_AcVoltageAN", state.voltage_v[0]),
                            signal("PCH_AcVoltageBN", state.voltage_v[1]),
                            signal("PCH_AcVoltageAB", sum(state.voltage_v)),
                            signal("PCH_BatteryPower", state.battery_w),
                            signal("PCH_AcMode", text="AC_Connected"),
                        ],
                    }
                ],
                "bms": [bms(serial), bms(expansion_serial)],
                "hvp": [{"serialNumber": serial}, {"serialNumber": expansion_serial}],
                "pws": [],
                "baggr": [],
            }
        }

    # --- demo ---------------------------------------------------------------------

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """Add the Powerwall 3 through TEDAPI with its Wi-Fi password."""
        return [
            DemoEntry(
                source="powerwall",
                steps=[
                    {
                        "host": self.address,
                        "password": self.wifi_password,
                        "connection_mode": "tedapi",
                    },
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
