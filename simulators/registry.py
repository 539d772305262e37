"""The simulators `python -m simulators` and `scripts/develop` know by name.

Each simulator module adds itself here with one line.
"""

from __future__ import annotations

from .base import Simulator

SIMULATORS: dict[str, type[Simulator]] = {
    # "powerwall": PowerwallGatewaySimulator,
}
