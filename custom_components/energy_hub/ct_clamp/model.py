"""CT clamp boards: strict post validation and gap-safe energy; Home-Assistant-free.

A board (ESP32 or Raspberry Pi with SCT-013 clamps on an ADS1115) posts the
RMS current of each clamp about once a minute. Energy Hub computes power
from its own voltage and power factor and integrates energy between posts
with the trapezoidal rule; across a gap longer than the maximum it invents
nothing and counts the gap instead.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
import math
import re
from typing import Any

# A board's clock may run a little ahead of Home Assistant's.
MAX_CLOCK_AHEAD_S = 300.0
# Older readings say nothing about now; a board with an unset clock posts 1970.
MAX_POST_AGE_S = 3600.0
# SCT-013 clamps top out at 100 A; anything far above is a wiring or ADC fault.
MAX_CURRENT_A = 500.0
MAX_CHANNELS = 16
CHANNEL_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# Timestamps closer than this are the same reading's.
_SAME_TIME_TOLERANCE_S = 0.001
_SECONDS_PER_HOUR = 3600.0
_WATTS_PER_KILOWATT = 1000.0
_TOP_LEVEL_FIELDS = frozenset(
    {
        "timestamp",
        "channels",
        "total_amps",
        "estimated_power_watts",
        "method",
        "wifi_rssi",
        "uptime_s",
    }
)
_CHANNEL_FIELDS = frozenset({"current_amps", "voltage_mv"})


class ChannelRole(StrEnum):
    """What a clamp measures: the grid feed, a load or a solar inverter."""

    GRID = "grid"
    LOAD = "load"
    SOLAR = "solar"


class PostRejected(ValueError):
    """A post that is not accepted; `field` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        """The JSON body of the HTTP 400 answer."""
        return {"error": "invalid_post", "field": self.field, "message": self.reason}


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One clamp as configured: the id the board posts, a display name, a role."""

    id: str
    name: str
    role: ChannelRole = ChannelRole.LOAD


@dataclass(frozen=True, slots=True)
class BoardPost:
    """A validated post. `timestamp` is Unix seconds (the receive time if absent)."""

    timestamp: float
    currents: Mapping[str, float]
    wifi_rssi: float | None = None
    uptime_s: float | None = None


def parse_channel_spec(text: str) -> list[tuple[str, str]]:
    """Parse `line_A: Mains, line_B` (commas or new lines) into (id, name) pairs.

    Raises `ValueError` with a reason: `no_channels`, `invalid_channel_id`,
    `duplicate_channel` or `too_many_channels`.
    """
    channels: list[tuple[str, str]] = []
    for item in re.split(r"[,\n]", text):
        if not item.strip():
            continue
        channel_id, _, name = item.partition(":")
        channel_id = channel_id.strip()
        if not CHANNEL_ID.match(channel_id):
            raise ValueError("invalid_channel_id")
        if any(channel_id == known for known, _ in channels):
            raise ValueError("duplicate_channel")
        channels.append((channel_id, name.strip() or channel_id))
    if not channels:
        raise ValueError("no_channels")
    if len(channels) > MAX_CHANNELS:
        raise ValueError("too_many_channels")
    return channels


def format_channel_spec(channels: Sequence[tuple[str, str]]) -> str:
    """The text `parse_channel_spec` reads back as `channels`, one per line."""
    return "\n".join(
        channel_id if name == channel_id else f"{channel_id}: {name}"
        for channel_id, name in channels
    )


def _number(value: Any, field: str, low: float, high: float) -> float:
    # bool is an int in Python, but `true` is no reading.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PostRejected(field, "must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise PostRejected(field, "must be a finite number")
    if not low <= number <= high:
        raise PostRejected(field, f"must be between {low:g} and {high:g}")
    return number


def _channel_field(name: str) -> str:
    # Echo only names that are safe to put in a log line and a JSON answer.
    return f"channels.{name}" if CHANNEL_ID.match(name) else "channels"


def same_time(first: float, second: float | None) -> bool:
    """Whether two post timestamps are the same reading's.

    A timestamp restored from a sensor state may differ from the posted one
    by a float rounding error.
    """
    return second is not None and abs(first - second) < _SAME_TIME_TOLERANCE_S


def parse_post(
    body: Any,
    channels: Collection[str],
    now: float,
    *,
    last_timestamp: float | None = None,
) -> BoardPost:
    """Validate a decoded JSON post strictly; raise `PostRejected` naming the field.

    Accepts the board's full form (`{"timestamp", "channels": {id:
    {"current_amps", "voltage_mv"}}, "total_amps", "estimated_power_watts",
    "method", "wifi_rssi", "uptime_s"}`) and the minimal `{"channels": {id:
    amps}}`. The board's own power estimate is checked but not used.
    A post with `last_timestamp` (the last accepted post's) is not checked
    for age: a board that reboots re-sends its last reading, however old,
    and that is a duplicate, not an error.
    """
    if not isinstance(body, dict):
        raise PostRejected("body", "must be a JSON object")
    for key in body:
        if key not in _TOP_LEVEL_FIELDS:
            shown = key if isinstance(key, str) and CHANNEL_ID.match(key) else "body"
            raise PostRejected(shown, "unknown field")
    raw_channels = body.get("channels")
    if not isinstance(raw_channels, dict) or not raw_channels:
        raise PostRejected("channels", "must be a non-empty object")
    currents: dict[str, float] = {}
    for name, reading in raw_channels.items():
        field_name = _channel_field(name)
        if name not in channels:
            raise PostRejected(field_name, "unknown channel")
        if isinstance(reading, dict):
            for key in reading:
                if key not in _CHANNEL_FIELDS:
                    raise PostRejected(field_name, f"unknown field {key!r}"[:80])
            if "current_amps" not in reading:
                raise PostRejected(f"{field_name}.current_amps", "is required")
            currents[name] = _number(
                reading["current_amps"],
                f"{field_name}.current_amps",
                0.0,
                MAX_CURRENT_A,
            )
            if "voltage_mv" in reading:
                _number(reading["voltage_mv"], f"{field_name}.voltage_mv", 0.0, 1e5)
        else:
            currents[name] = _number(reading, field_name, 0.0, MAX_CURRENT_A)

    timestamp = now
    if "timestamp" in body:
        timestamp = _number(body["timestamp"], "timestamp", 0.0, math.inf)
        if not same_time(timestamp, last_timestamp):
            if timestamp > now + MAX_CLOCK_AHEAD_S:
                raise PostRejected("timestamp", "is in the future")
            if timestamp < now - MAX_POST_AGE_S:
                raise PostRejected("timestamp", "is too far in the past")
    for key in ("total_amps", "estimated_power_watts"):
        if key in body:
            _number(body[key], key, 0.0, math.inf)
    if "method" in body and body["method"] != "ct_clamp":
        raise PostRejected("method", "must be 'ct_clamp'")
    wifi_rssi = (
        _number(body["wifi_rssi"], "wifi_rssi", -127.0, 0.0)
        if "wifi_rssi" in body
        else None
    )
    uptime_s = (
        _number(body["uptime_s"], "uptime_s", 0.0, math.inf)
        if "uptime_s" in body
        else None
    )
    return BoardPost(timestamp, currents, wifi_rssi, uptime_s)


@dataclass(slots=True)
class EnergyIntegrator:
    """Trapezoidal energy between successive power samples, never across a gap.

    A step longer than `max_gap_s` adds no energy: it is counted in `gaps`
    and `gap_seconds`, and integration restarts from the new sample.
    """

    max_gap_s: float
    last_time: float | None = None
    last_power_w: float = 0.0
    gaps: int = 0
    gap_seconds: float = 0.0

    def add(self, timestamp: float, power_w: float) -> float:
        """Take a sample (seconds, watts); return the kWh since the previous one."""
        added = 0.0
        if self.last_time is not None:
            step = timestamp - self.last_time
            if step <= 0:
                return 0.0
            if step > self.max_gap_s:
                self.gaps += 1
                self.gap_seconds += step
            else:
                added = (
                    (self.last_power_w + power_w)
                    / 2.0
                    * step
                    / _SECONDS_PER_HOUR
                    / _WATTS_PER_KILOWATT
                )
        self.last_time = timestamp
        self.last_power_w = power_w
        return added


@dataclass(slots=True)
class ChannelState:
    """The latest reading of one clamp, with calibration applied."""

    config: ChannelConfig
    integrator: EnergyIntegrator
    calibration: float = 1.0
    current_a: float | None = None
    power_w: float | None = None


# Key of the all-channels total beside the roles in `CtBoard.role_energy_kwh`.
TOTAL = "total"


@dataclass
class CtBoard:
    """Everything one board has told us, and the energy integrated from it.

    `channel_energy_kwh` is keyed by channel id, `role_energy_kwh` by role
    (`grid`, `load`, `solar`) and `total`; after a restart each restored
    total is added once.
    """

    channels: dict[str, ChannelState]
    voltage: float
    power_factor: float
    max_gap_s: float
    channel_energy_kwh: dict[str, float] = field(default_factory=dict)
    role_energy_kwh: dict[str, float] = field(default_factory=dict)
    device: EnergyIntegrator = field(init=False)
    last_timestamp: float | None = None
    wifi_rssi: float | None = None
    uptime_s: float | None = None
    posts: int = 0
    duplicates: int = 0
    _restored: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Counts the gaps between posts, whatever channels they carry.
        self.device = EnergyIntegrator(self.max_gap_s)
        for channel_id in self.channels:
            self.channel_energy_kwh.setdefault(channel_id, 0.0)
        for role in [*(role.value for role in self.roles()), TOTAL]:
            self.role_energy_kwh.setdefault(role, 0.0)

    @classmethod
    def create(
        cls,
        channels: Sequence[ChannelConfig],
        *,
        voltage: float,
        power_factor: float,
        max_gap_s: float,
    ) -> CtBoard:
        """A board with no posts yet."""
        return cls(
            {
                channel.id: ChannelState(channel, EnergyIntegrator(max_gap_s))
                for channel in channels
            },
            voltage=voltage,
            power_factor=power_factor,
            max_gap_s=max_gap_s,
        )

    def roles(self) -> list[ChannelRole]:
        """The roles at least one channel has."""
        return sorted({state.config.role for state in self.channels.values()})

    def restore_channel_energy(self, channel_id: str, kwh: float) -> None:
        """Continue a channel's total from its value before a restart (once)."""
        self._restore(self.channel_energy_kwh, ("channel", channel_id), kwh)

    def restore_role_energy(self, role: str, kwh: float) -> None:
        """Continue a role's (or the `total`) total from before a restart (once)."""
        self._restore(self.role_energy_kwh, ("role", role), kwh)

    def _restore(
        self, totals: dict[str, float], restored_key: tuple[str, str], kwh: float
    ) -> None:
        key = restored_key[1]
        if restored_key in self._restored or key not in totals or kwh <= 0:
            return
        self._restored.add(restored_key)
        totals[key] += kwh

    def restore_last_timestamp(self, timestamp: float) -> None:
        """Remember the last post from before a restart, so a re-send is a duplicate.

        Ignored once a post has arrived: that one is newer.
        """
        if self.last_timestamp is None and math.isfinite(timestamp):
            self.last_timestamp = timestamp

    def set_calibration(self, channel_id: str, factor: float) -> None:
        """Scale this channel's current from the next post on."""
        self.channels[channel_id].calibration = factor

    def power(self, channel_id: str) -> float | None:
        """The channel's power by the last post, in W."""
        return self.channels[channel_id].power_w

    def role_power(self, role: str | None = None) -> float | None:
        """Sum of the last power of the channels of `role` (all when None), in W."""
        powers = [
            state.power_w
            for state in self.channels.values()
            if role is None or state.config.role == role
        ]
        known = [power for power in powers if power is not None]
        return sum(known) if known else None

    def accept(self, post: BoardPost, voltage: float | None = None) -> bool:
        """Apply a validated post; False for a duplicate (same timestamp).

        Raises `PostRejected` (before changing anything) for a post older
        than the last one accepted.
        """
        if self.last_timestamp is not None:
            if same_time(post.timestamp, self.last_timestamp):
                self.duplicates += 1
                return False
            if post.timestamp < self.last_timestamp:
                raise PostRejected("timestamp", "is older than the last accepted post")
        if voltage is not None:
            self.voltage = voltage
        self.device.add(post.timestamp, 0.0)
        for channel_id, raw_current in post.currents.items():
            state = self.channels[channel_id]
            state.current_a = raw_current * state.calibration
            state.power_w = state.current_a * self.voltage * self.power_factor
            added = state.integrator.add(post.timestamp, state.power_w)
            self.channel_energy_kwh[channel_id] += added
            self.role_energy_kwh[state.config.role.value] += added
            self.role_energy_kwh[TOTAL] += added
        self.last_timestamp = post.timestamp
        self.posts += 1
        if post.wifi_rssi is not None:
            self.wifi_rssi = post.wifi_rssi
        if post.uptime_s is not None:
            self.uptime_s = post.uptime_s
        return True

    def as_dict(self) -> dict[str, Any]:
        """Diagnostics: what the board sent last and what was integrated."""
        return {
            "last_timestamp": self.last_timestamp,
            "voltage": self.voltage,
            "power_factor": self.power_factor,
            "max_gap_s": self.max_gap_s,
            "posts": self.posts,
            "duplicates": self.duplicates,
            "gaps": self.device.gaps,
            "gap_seconds": self.device.gap_seconds,
            "wifi_rssi": self.wifi_rssi,
            "uptime_s": self.uptime_s,
            "channel_energy_kwh": dict(self.channel_energy_kwh),
            "role_energy_kwh": dict(self.role_energy_kwh),
            "channels": {
                channel_id: {
                    "role": state.config.role.value,
                    "calibration": state.calibration,
                    "current_a": state.current_a,
                    "power_w": state.power_w,
                    "gaps": state.integrator.gaps,
                }
                for channel_id, state in self.channels.items()
            },
        }
