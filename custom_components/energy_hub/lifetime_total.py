"""Guard for lifetime energy totals; Home-Assistant-free.

Home Assistant's `total_increasing` state class reads any drop as a meter
reset and starts a new cycle, so a single glitch (a 0, a missing meter, a
bad register read) doubles the Energy dashboard's figure. Lifetime totals
therefore only ever move forward: zeros, drops and implausible jumps are
withheld and the last good value is kept.
"""

from __future__ import annotations

import math


class LifetimeTotal:
    """Accept readings of a counter that must never decrease.

    `max_rate` bounds the growth per hour of the counter's unit (for example
    kWh per hour = average kW); a larger step is withheld as a glitch.
    """

    __slots__ = ("last", "last_time", "max_rate")

    def __init__(self, max_rate: float | None = None) -> None:
        self.last: float | None = None
        self.last_time: float | None = None
        self.max_rate = max_rate

    def restore(self, value: float | None, timestamp: float | None = None) -> None:
        """Seed the guard with a value that was good before a restart."""
        if value is not None and value > 0:
            self.last = value
            self.last_time = timestamp

    def accept(self, value: float | None, timestamp: float) -> float | None:
        """Return the value to publish for a reading taken at `timestamp` (seconds)."""
        if value is None or math.isnan(value) or value <= 0:
            return self.last
        if self.last is not None:
            if value < self.last:
                return self.last
            if (
                self.max_rate is not None
                and self.last_time is not None
                and value - self.last
                > self.max_rate * max(timestamp - self.last_time, 1.0) / 3600.0
            ):
                return self.last
        self.last = value
        self.last_time = timestamp
        return value
