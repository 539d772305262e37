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

# A board's clock may run a little ahead of Home Assistant's. Such a post is
# accepted, but its energy is integrated up to Home Assistant's "now" only.
MAX_CLOCK_AHEAD_S = 300.0
# Older readings say nothing about now; a board with an unset clock posts 1970.
MAX_POST_AGE_S = 3600.0
# The largest clamp rating a channel may be given (SCT-013 clamps go to 100 A;
# larger split-core clamps exist). A channel's own rating is its maximum.
MAX_CURRENT_A = 500.0
# The SCT-013-000 (100 A, current output): the rating of a channel that names none.
DEFAULT_MAX_CURRENT_A = 100.0
MAX_CHANNELS = 16
# Matched in full (`fullmatch`): "line_A\n" is not "line_A".
CHANNEL_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
# A channel spec item's clamp rating, at its end: `line_A: Mains (30 A)`.
_RATING = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s*A\s*\)\s*$", re.IGNORECASE)

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
    """A post that is not accepted; `field` names the offending part.

    `field` holds only fixed names and channel ids that match `CHANNEL_ID`,
    and `reason` only fixed text (or the bounds of a field), never anything
    else of the body: both are safe to log, and `reason` is a bounded key
    for logging each kind of refusal once in a while.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        """The JSON body of the HTTP 400 answer."""
        return {"error": "invalid_post", "field": self.field, "message": self.reason}


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One clamp as configured: the id the board posts, a display name, a role.

    `max_current_a` is the clamp's rating: a reading above it is a misread
    (or an overloaded clamp) and is refused for this channel.
    """

    id: str
    name: str
    role: ChannelRole = ChannelRole.LOAD
    max_current_a: float = DEFAULT_MAX_CURRENT_A


@dataclass(frozen=True, slots=True)
class BoardPost:
    """A validated post. `timestamp` is Unix seconds (the receive time if absent)."""

    timestamp: float
    currents: Mapping[str, float]
    wifi_rssi: float | None = None
    uptime_s: float | None = None


def parse_channel_spec(text: str) -> list[ChannelConfig]:
    """Parse `line_A: Mains (30 A), line_B` (commas or new lines) into channels.

    Each item is a channel id, optionally followed by `: display name`, and
    optionally ended by the clamp's rating in amps, `(30 A)` (default
    `DEFAULT_MAX_CURRENT_A`). Every channel is a load; the roles are set
    apart. Raises `ValueError` with a reason: `no_channels`,
    `invalid_channel_id`, `duplicate_channel`, `too_many_channels` or
    `invalid_max_current`.
    """
    channels: list[ChannelConfig] = []
    for raw_item in re.split(r"[,\n]", text):
        item = raw_item.strip()
        if not item:
            continue
        max_current_a = DEFAULT_MAX_CURRENT_A
        if rating := _RATING.search(item):
            max_current_a = float(rating.group(1))
            if not 0 < max_current_a <= MAX_CURRENT_A:
                raise ValueError("invalid_max_current")
            item = item[: rating.start()]
        channel_id, _, name = item.partition(":")
        channel_id = channel_id.strip()
        if not CHANNEL_ID.fullmatch(channel_id):
            raise ValueError("invalid_channel_id")
        if any(channel_id == known.id for known in channels):
            raise ValueError("duplicate_channel")
        channels.append(
            ChannelConfig(
                channel_id, name.strip() or channel_id, max_current_a=max_current_a
            )
        )
    if not channels:
        raise ValueError("no_channels")
    if len(channels) > MAX_CHANNELS:
        raise ValueError("too_many_channels")
    return channels


def format_channel_spec(channels: Sequence[ChannelConfig]) -> str:
    """The text `parse_channel_spec` reads back as `channels`, one per line.

    The rating is written where it is not the default, or where the name
    itself ends like one (it would be read as the rating otherwise).
    """
    lines: list[str] = []
    for channel in channels:
        line = channel.id
        if channel.name != channel.id:
            line += f": {channel.name}"
        if channel.max_current_a != DEFAULT_MAX_CURRENT_A or _RATING.search(line):
            line += f" ({channel.max_current_a:g} A)"
        lines.append(line)
    return "\n".join(lines)


def _finite(value: Any) -> float | None:
    """`value` as a finite float, or None for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(value: Any, field: str, low: float = 0.0, high: float = math.inf) -> float:
    # bool is an int in Python, but `true` is no reading.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PostRejected(field, "must be a number")
    # Not NaN, not ±inf, not an integer of hundreds of digits (OverflowError).
    if (number := _finite(value)) is None:
        raise PostRejected(field, "must be a finite number")
    if not low <= number <= high:
        raise PostRejected(
            field,
            f"must be at least {low:g}"
            if high == math.inf
            else f"must be between {low:g} and {high:g}",
        )
    return number


def _safe_name(name: Any) -> bool:
    """Whether a key of the body may be echoed in a log line and a JSON answer."""
    return isinstance(name, str) and CHANNEL_ID.fullmatch(name) is not None


def _channel_field(name: str) -> str:
    return f"channels.{name}" if _safe_name(name) else "channels"


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
    A current is only checked to be a number of at least 0 here: whether it
    is above its clamp's rating is `CtBoard.accept`'s business, which
    refuses that channel alone. Whatever the body, the only exception
    raised is `PostRejected`.
    """
    if not isinstance(body, dict):
        raise PostRejected("body", "must be a JSON object")
    for key in body:
        if key not in _TOP_LEVEL_FIELDS:
            raise PostRejected(key if _safe_name(key) else "body", "unknown field")
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
                    raise PostRejected(
                        f"{field_name}.{key}" if _safe_name(key) else field_name,
                        "unknown field",
                    )
            if "current_amps" not in reading:
                raise PostRejected(f"{field_name}.current_amps", "is required")
            currents[name] = _number(
                reading["current_amps"], f"{field_name}.current_amps"
            )
            if "voltage_mv" in reading:
                _number(reading["voltage_mv"], f"{field_name}.voltage_mv", 0.0, 1e5)
        else:
            currents[name] = _number(reading, field_name)

    timestamp = now
    if "timestamp" in body:
        timestamp = _number(body["timestamp"], "timestamp")
        if not same_time(timestamp, last_timestamp):
            if timestamp > now + MAX_CLOCK_AHEAD_S:
                raise PostRejected("timestamp", "is in the future")
            if timestamp < now - MAX_POST_AGE_S:
                raise PostRejected("timestamp", "is too far in the past")
    for key in ("total_amps", "estimated_power_watts"):
        if key in body:
            _number(body[key], key)
    if "method" in body and body["method"] != "ct_clamp":
        raise PostRejected("method", "must be 'ct_clamp'")
    wifi_rssi = (
        _number(body["wifi_rssi"], "wifi_rssi", -127.0, 0.0)
        if "wifi_rssi" in body
        else None
    )
    uptime_s = _number(body["uptime_s"], "uptime_s") if "uptime_s" in body else None
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
            if step < 0:
                return 0.0
            if step == 0:
                # Two readings at one instant: the later one holds.
                self.last_power_w = power_w
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


# The calibration factors a channel accepts (also the number entity's range).
CALIBRATION_RANGE = (0.5, 2.0)


def valid_calibration(factor: Any) -> bool:
    """Whether `factor` is a calibration factor a channel may take."""
    low, high = CALIBRATION_RANGE
    number = _finite(factor)
    return number is not None and low <= number <= high


def _energy(value: Any) -> float | None:
    """A restored energy total in kWh, or None for anything that is not one."""
    kwh = _finite(value)
    return kwh if kwh is not None and kwh > 0 else None


def _time(value: Any) -> float | None:
    """A restored Unix time, or None for anything that is not a plausible one."""
    seconds = _finite(value)
    # Year 1970 to about 9999: what a datetime can show.
    return seconds if seconds is not None and 0 <= seconds < 253_402_300_000 else None


@dataclass(slots=True)
class ChannelState:
    """The latest reading of one clamp, with calibration applied.

    `refused` counts the readings above the clamp's rating (or not finite
    once calibrated); they are treated as if the post had left the channel
    out.
    """

    config: ChannelConfig
    integrator: EnergyIntegrator
    calibration: float = 1.0
    current_a: float | None = None
    power_w: float | None = None
    refused: int = 0


# Key of the all-channels total beside the roles in `CtBoard.role_energy_kwh`.
TOTAL = "total"


@dataclass
class CtBoard:
    """Everything one board has told us, and the energy integrated from it.

    `channel_energy_kwh` is keyed by channel id, `role_energy_kwh` by role
    (`grid`, `load`, `solar`) and `total`; after a restart each total
    continues from the largest value restored for it (the Store's and the
    sensor's), and only ever grows by finite, non-negative amounts.
    `last_timestamp` is the last accepted post's own timestamp (a re-send
    of it is a duplicate); `last_time` is when that post counts from: its
    timestamp, but never later than Home Assistant's clock when it arrived.
    """

    channels: dict[str, ChannelState]
    voltage: float
    power_factor: float
    max_gap_s: float
    channel_energy_kwh: dict[str, float] = field(default_factory=dict)
    role_energy_kwh: dict[str, float] = field(default_factory=dict)
    device: EnergyIntegrator = field(init=False)
    last_timestamp: float | None = None
    last_time: float | None = None
    wifi_rssi: float | None = None
    uptime_s: float | None = None
    posts: int = 0
    duplicates: int = 0
    # The channels refused in the last accepted post: id → calibrated current.
    refused_in_last_post: dict[str, float] = field(default_factory=dict)
    # The largest value restored so far for each total, by (kind, key).
    _restored: dict[tuple[str, str], float] = field(default_factory=dict)

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

    @property
    def refused_readings(self) -> int:
        """Readings refused for being above their clamp's rating, all channels."""
        return sum(state.refused for state in self.channels.values())

    @property
    def gaps(self) -> int:
        """Stretches without energy: pauses between posts and refused readings."""
        return self.device.gaps + self.refused_readings

    def restore_channel_energy(self, channel_id: str, kwh: Any) -> None:
        """Continue a channel's total from a value saved before a restart.

        Called with the Store's value and the sensor's: the larger wins.
        Anything but a finite positive number is ignored.
        """
        self._restore(self.channel_energy_kwh, ("channel", channel_id), kwh)

    def restore_role_energy(self, role: str, kwh: Any) -> None:
        """Continue a role's (or the `total`) total from before a restart."""
        self._restore(self.role_energy_kwh, ("role", role), kwh)

    def _restore(
        self, totals: dict[str, float], restored_key: tuple[str, str], value: Any
    ) -> None:
        key = restored_key[1]
        kwh = _energy(value)
        if kwh is None or key not in totals:
            return
        restored = self._restored.get(restored_key, 0.0)
        if kwh > restored:
            # Energy integrated since the first restore is kept.
            totals[key] += kwh - restored
            self._restored[restored_key] = kwh

    def restore_last_timestamp(
        self, timestamp: Any, now: float | None = None, *, last_time: Any = None
    ) -> None:
        """Remember the last post from before a restart, so a re-send is a duplicate.

        `last_time` (default: `timestamp`) is when that post counted from;
        it is taken no later than `now`, so a post from a clock that was
        ahead locks no later post out. Ignored once a post has arrived
        (that one is newer), and for anything that is not a plausible time.
        """
        posted = _time(timestamp)
        counted = posted if last_time is None else _time(last_time)
        if posted is None or counted is None or self.last_timestamp is not None:
            return
        self.last_timestamp = posted
        self.last_time = counted if now is None else min(counted, now)

    def set_calibration(self, channel_id: str, factor: float) -> None:
        """Scale this channel's current from the next post on.

        Raises `ValueError` for a factor outside `CALIBRATION_RANGE` (or
        not a finite number): it never reaches a reading.
        """
        if not valid_calibration(factor):
            raise ValueError(f"calibration {factor!r} is not in {CALIBRATION_RANGE}")
        self.channels[channel_id].calibration = float(factor)

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

    def accept(
        self,
        post: BoardPost,
        voltage: float | None = None,
        *,
        now: float | None = None,
    ) -> bool:
        """Apply a validated post; False for a duplicate (same timestamp).

        With `now` (Home Assistant's clock), a post stamped ahead of it
        counts from `now`: no energy is integrated beyond the present, and
        the board's next genuine post is not "older" than it. Raises
        `PostRejected` (before changing anything) for a post older than the
        last one accepted. A channel whose calibrated current is above its
        clamp's rating is refused alone (as if the post had left it out),
        counted in its `refused` and listed in `refused_in_last_post`.
        """
        if same_time(post.timestamp, self.last_timestamp):
            self.duplicates += 1
            return False
        counted = post.timestamp if now is None else min(post.timestamp, now)
        if self.last_time is not None and counted < self.last_time:
            raise PostRejected("timestamp", "is older than the last accepted post")
        if voltage is not None and math.isfinite(voltage) and voltage > 0:
            self.voltage = voltage
        self.device.add(counted, 0.0)
        self.refused_in_last_post = {}
        for channel_id, raw_current in post.currents.items():
            state = self.channels[channel_id]
            current_a = raw_current * state.calibration
            power_w = current_a * self.voltage * self.power_factor
            if not (
                math.isfinite(power_w) and 0 <= current_a <= state.config.max_current_a
            ):
                state.refused += 1
                self.refused_in_last_post[channel_id] = current_a
                continue
            state.current_a = current_a
            state.power_w = power_w
            added = state.integrator.add(counted, power_w)
            if math.isfinite(added) and added > 0:
                self.channel_energy_kwh[channel_id] += added
                self.role_energy_kwh[state.config.role.value] += added
                self.role_energy_kwh[TOTAL] += added
        self.last_timestamp = post.timestamp
        self.last_time = counted
        self.posts += 1
        if post.wifi_rssi is not None:
            self.wifi_rssi = post.wifi_rssi
        if post.uptime_s is not None:
            self.uptime_s = post.uptime_s
        return True

    def stored(self) -> dict[str, Any]:
        """What the Store keeps between restarts: totals and the last post's times."""
        return {
            "channel_energy_kwh": dict(self.channel_energy_kwh),
            "role_energy_kwh": dict(self.role_energy_kwh),
            "last_timestamp": self.last_timestamp,
            "last_time": self.last_time,
        }

    def restore_stored(self, data: Any, now: float | None = None) -> None:
        """Take back what `stored` returned before a restart.

        Anything malformed (not a number, NaN, negative, a channel or role
        the board no longer has) is ignored.
        """
        if not isinstance(data, dict):
            return
        for kind, restore in (
            ("channel_energy_kwh", self.restore_channel_energy),
            ("role_energy_kwh", self.restore_role_energy),
        ):
            totals = data.get(kind)
            if isinstance(totals, dict):
                for key, kwh in totals.items():
                    if isinstance(key, str):
                        restore(key, kwh)
        if data.get("last_timestamp") is not None:
            self.restore_last_timestamp(
                data["last_timestamp"], now, last_time=data.get("last_time")
            )

    def as_dict(self) -> dict[str, Any]:
        """Diagnostics: what the board sent last and what was integrated."""
        return {
            "last_timestamp": self.last_timestamp,
            "last_time": self.last_time,
            "voltage": self.voltage,
            "power_factor": self.power_factor,
            "max_gap_s": self.max_gap_s,
            "posts": self.posts,
            "duplicates": self.duplicates,
            "gaps": self.device.gaps,
            "gap_seconds": self.device.gap_seconds,
            "refused_readings": self.refused_readings,
            "wifi_rssi": self.wifi_rssi,
            "uptime_s": self.uptime_s,
            "channel_energy_kwh": dict(self.channel_energy_kwh),
            "role_energy_kwh": dict(self.role_energy_kwh),
            "channels": {
                channel_id: {
                    "role": state.config.role.value,
                    "max_current_a": state.config.max_current_a,
                    "calibration": state.calibration,
                    "current_a": state.current_a,
                    "power_w": state.power_w,
                    "gaps": state.integrator.gaps,
                    "refused": state.refused,
                }
                for channel_id, state in self.channels.items()
            },
        }
