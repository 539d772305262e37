"""The battery controller interface the Agile executor and peak shaving drive.

Home-Assistant-free. A source that can steer a battery (Powerwall through its
control channel, Sungrow through its EMS registers) implements it, so the
Agile executor and the capacity-tariff peak shaver never know which channel
is behind it. Every `apply_*` and `hold` is temporary: `restore` puts back
the settings that `read_settings` captured before.

Each command answers the settings it wrote, as they read back
(`BatterySettings`); a caller that later reads the settings again tells
with `applied.matches(current)` whether they still hold, or whether the
user (or an automation) has changed them since.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
from typing import Any, Protocol, Self

# Two numeric settings read back within this are the same (register scales).
_TOLERANCE = 1e-6


def _same(first: Any, second: Any) -> bool:
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    if isinstance(first, (int, float)) and isinstance(second, (int, float)):
        return math.isclose(first, second, rel_tol=0.0, abs_tol=_TOLERANCE)
    return bool(first == second)


@dataclass(frozen=True, slots=True)
class BatterySettings:
    """A snapshot of a battery's control settings, opaque to the caller.

    Values are plain JSON types (numbers, strings, bools), so a snapshot
    survives a restart in a store (`as_dict` / `from_dict`).
    """

    values: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, current: BatterySettings) -> bool:
        """Whether `current` still holds every value of these settings.

        Called on the settings a command wrote: keys it did not write are
        not compared.
        """
        return all(
            key in current.values and _same(value, current.values[key])
            for key, value in self.values.items()
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for a store or diagnostics."""
        return dict(self.values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The snapshot `as_dict` made."""
        return cls(values=dict(data))


@dataclass(frozen=True, slots=True)
class BatteryStatus:
    """What the battery does now.

    `soc_percent` on the scale the controller's targets use (the Tesla app's
    for a Powerwall); `power_w` + while discharging, - while charging (the
    Energy dashboard's sign). None where the device did not say.
    """

    soc_percent: float | None
    power_w: float | None


class BatteryController(Protocol):
    """Steer one battery, always able to put it back as it was.

    `response_time_s`: how long the battery may take to act on a command
    (a Powerwall takes minutes; check its power no earlier).
    `check_interval_s`: how often a caller may read settings and status to
    watch a command (cloud channels are rate-limited).
    """

    response_time_s: float
    check_interval_s: float

    async def read_settings(self) -> BatterySettings:
        """Read the battery's current control settings (all that any command changes)."""

    async def read_status(self) -> BatteryStatus:
        """Read the state of charge and the battery's power."""

    async def apply_charge(
        self, target_soc: float, power_w: float | None = None
    ) -> BatterySettings:
        """Charge from the grid toward `target_soc` % (at `power_w` where the channel allows it).

        Whether the battery stops by itself at the target depends on the
        channel; the caller watches the state of charge and calls `hold`.
        """

    async def apply_discharge(self, power_w: float | None = None) -> BatterySettings:
        """Discharge now (at `power_w` where the channel allows it)."""

    async def hold(self) -> BatterySettings:
        """Stop discharging: keep the energy that is in the battery now."""

    async def restore(self, settings: BatterySettings) -> None:
        """Put back the settings captured by `read_settings`."""
