"""The battery controller interface the scheduler and peak shaving drive.

Home-Assistant-free. A source that can steer a battery (Powerwall through its
control channel, Sungrow through its EMS registers) implements it, so the
Agile scheduler and the capacity-tariff peak shaver never know which channel
is behind it. Every `apply_*` is temporary: `restore` puts back the settings
that `read_settings` captured before.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class BatterySettings:
    """A snapshot of a battery's control settings, opaque to the caller."""

    values: Mapping[str, Any] = field(default_factory=dict)


class BatteryController(Protocol):
    """Steer one battery, always able to put it back as it was."""

    async def read_settings(self) -> BatterySettings:
        """Read the battery's current control settings."""

    async def apply_charge(self, power_w: float | None = None) -> None:
        """Charge from the grid now (at `power_w` where the channel allows it)."""

    async def apply_discharge(self, power_w: float | None = None) -> None:
        """Discharge now (at `power_w` where the channel allows it)."""

    async def restore(self, settings: BatterySettings) -> None:
        """Put back the settings captured by `read_settings`."""
