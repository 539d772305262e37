"""The simulators `python -m simulators` and `scripts/develop` know by name.

Each simulator module adds itself here with one line.
"""

from __future__ import annotations

from .base import Simulator
from .ct_board import CtBoardSimulator
from .meter_camera import MeterCameraSimulator
from .modbus import MeterSimulator, SungrowSimulator
from .octopus import OctopusSimulator
from .p1 import P1MeterSimulator
from .powerwall import PowerwallGatewaySimulator
from .powerwall_tedapi import PowerwallTedapiSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    "p1": P1MeterSimulator,
    "sungrow": SungrowSimulator,
    "modbus_meter": MeterSimulator,
    "ct_board": CtBoardSimulator,
    "powerwall": PowerwallGatewaySimulator,
    "powerwall_tedapi": PowerwallTedapiSimulator,
    "octopus": OctopusSimulator,
    "meter_camera": MeterCameraSimulator,
}
