"""Register maps as data, and the codec between values and 16-bit words."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
import math
import struct
from typing import Any


class Table(StrEnum):
    """Which Modbus table a register lives in."""

    INPUT = "input"  # function code 04, read-only
    HOLDING = "holding"  # function code 03 / 06 / 16


class DataType(StrEnum):
    """How the words of a register are interpreted."""

    U16 = "u16"
    S16 = "s16"
    U32 = "u32"
    S32 = "s32"
    U64 = "u64"
    S64 = "s64"
    FLOAT32 = "float32"
    STRING = "string"


class WordOrder(StrEnum):
    """Order of the 16-bit words of a multi-word value."""

    HIGH_FIRST = "high_first"  # big-endian words (meters)
    LOW_FIRST = "low_first"  # word-swapped (Sungrow)


_WORDS: dict[DataType, int] = {
    DataType.U16: 1,
    DataType.S16: 1,
    DataType.U32: 2,
    DataType.S32: 2,
    DataType.U64: 4,
    DataType.S64: 4,
    DataType.FLOAT32: 2,
}
_STRUCT: dict[DataType, str] = {
    DataType.U16: "H",
    DataType.S16: "h",
    DataType.U32: "I",
    DataType.S32: "i",
    DataType.U64: "Q",
    DataType.S64: "q",
    DataType.FLOAT32: "f",
}
# Raw patterns devices send for "not available" (Sungrow and meters agree).
_NOT_AVAILABLE: dict[DataType, int] = {
    DataType.U16: 0xFFFF,
    DataType.S16: 0x7FFF,
    DataType.U32: 0xFFFFFFFF,
    DataType.S32: 0x7FFFFFFF,
    DataType.U64: 0xFFFFFFFFFFFFFFFF,
    DataType.S64: 0x7FFFFFFFFFFFFFFF,
}

type Value = int | float | str


@dataclass(frozen=True, slots=True)
class Register:
    """One value of a device's register map.

    `address` is the wire address (0-based). The decoded value is the raw
    number times `scale`; `words` is only needed for strings.
    """

    key: str
    table: Table
    address: int
    data_type: DataType = DataType.U16
    scale: float = 1.0
    word_order: WordOrder = WordOrder.HIGH_FIRST
    words: int = 0

    def __post_init__(self) -> None:
        if self.data_type is DataType.STRING:
            if self.words < 1:
                raise ValueError(f"{self.key}: a string needs its number of words")
        elif self.words not in (0, _WORDS[self.data_type]):
            raise ValueError(
                f"{self.key}: {self.data_type} has {_WORDS[self.data_type]} words"
            )

    @property
    def count(self) -> int:
        """Number of 16-bit registers the value occupies."""
        return (
            self.words if self.data_type is DataType.STRING else _WORDS[self.data_type]
        )

    @property
    def end(self) -> int:
        """First address after the value."""
        return self.address + self.count

    @property
    def decimals(self) -> int:
        """Decimal places the scale gives the value (0.1 -> 1, 0.01 -> 2, 100 -> 0)."""
        return scale_decimals(self.scale)


def _exact(number: float) -> Decimal:
    """A scale as the decimal it was written as (0.1, not 0.1000000000000000055…).

    15 significant digits recover any decimal of up to 15 digits from its
    float, and drop the noise of a product such as 0.003 * 100.
    """
    return Decimal(f"{number:.15g}")


def scale_decimals(scale: float) -> int:
    """Decimal places a value scaled by `scale` has (0.1 -> 1, 0.25 -> 2, 10 -> 0)."""
    exponent = _exact(scale).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _float32_decimal(value: float) -> Decimal:
    """The shortest decimal that reads back as the same float32 (230.4, not 230.39999…)."""
    packed = struct.pack(">f", value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        try:
            if struct.pack(">f", float(text)) == packed:
                return Decimal(text)
        except OverflowError:  # rounded up past the largest float32
            continue
    return Decimal(repr(value))  # pragma: no cover - 9 digits always suffice


def _to_bytes(words: Sequence[int], word_order: WordOrder) -> bytes:
    ordered = (
        list(words) if word_order is WordOrder.HIGH_FIRST else list(reversed(words))
    )
    return b"".join(word.to_bytes(2, "big") for word in ordered)


def _from_bytes(raw: bytes, word_order: WordOrder) -> list[int]:
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return words if word_order is WordOrder.HIGH_FIRST else list(reversed(words))


def decode_raw(register: Register, words: Sequence[int]) -> int | float | str | None:
    """Decode the unscaled value of `register` from its words (None = not available)."""
    if len(words) != register.count:
        raise ValueError(
            f"{register.key}: expected {register.count} words, got {len(words)}"
        )
    if register.data_type is DataType.STRING:
        raw = b"".join(word.to_bytes(2, "big") for word in words)
        text = raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace").strip()
        return text or None
    raw = _to_bytes(words, register.word_order)
    value: int | float = struct.unpack(f">{_STRUCT[register.data_type]}", raw)[0]
    if register.data_type is DataType.FLOAT32:
        return None if math.isnan(value) or math.isinf(value) else value
    unsigned = int.from_bytes(raw, "big")
    if unsigned == _NOT_AVAILABLE[register.data_type]:
        return None
    return value


def decode(register: Register, words: Sequence[int]) -> Value | None:
    """Decode and scale the value of `register` (None = not available).

    A scaled value is rounded to the register's resolution: raw 2301 at
    scale 0.1 is 230.1 (not 230.10000000000002), a float32 is the shortest
    decimal it stands for (230.4, not 230.39999389648438), times the scale.
    """
    value = decode_raw(register, words)
    if value is None or isinstance(value, str):
        return value
    if register.data_type is DataType.FLOAT32:
        return float(_float32_decimal(value) * _exact(register.scale))
    if register.scale == 1:
        return value
    return float(Decimal(value) * _exact(register.scale))


def encode(register: Register, value: float) -> list[int]:
    """Encode `value` (in scaled units) into the words to write to `register`."""
    if register.data_type is DataType.STRING:
        raise ValueError(f"{register.key}: strings are read-only")
    if not math.isfinite(value):
        raise ValueError(f"{register.key}: {value} is not a number to write")
    # Integers with scale 1 stay exact (64-bit counters exceed a float's precision).
    raw_value: float = value if register.scale == 1 else value / register.scale
    if register.data_type is not DataType.FLOAT32:
        raw_value = round(raw_value)
    try:
        raw = struct.pack(f">{_STRUCT[register.data_type]}", raw_value)
    except struct.error as err:
        raise ValueError(
            f"{register.key}: {value} does not fit {register.data_type}"
        ) from err
    return _from_bytes(raw, register.word_order)


def as_number(value: Value | None) -> float | None:
    """A decoded value as a float; None for a string or "not available"."""
    return float(value) if isinstance(value, (int, float)) else None


@dataclass(slots=True, kw_only=True)
class ModbusData:
    """One poll of a device's register map: key -> value (None = not available).

    `disabled` names the keys the device refuses; they are no longer read.
    The data of every Modbus source (Sungrow, meters) extends this.
    """

    values: dict[str, Value | None] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()

    def number(self, key: str) -> float | None:
        """A value as a float (None when not available)."""
        return as_number(self.values.get(key))

    def has(self, key: str) -> bool:
        """Whether the device serves `key` (not refused, not "not available")."""
        return key not in self.disabled and self.values.get(key) is not None

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {"values": dict(self.values), "disabled": sorted(self.disabled)}
