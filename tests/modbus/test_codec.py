"""Decoding and encoding every register type in both word orders."""

import math
import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.modbus.registers import (
    DataType,
    Register,
    Table,
    WordOrder,
    decode,
    decode_raw,
    encode,
)

_RANGES = {
    DataType.U16: (0, 0xFFFE),
    DataType.S16: (-0x8000, 0x7FFE),
    DataType.U32: (0, 0xFFFFFFFE),
    DataType.S32: (-0x80000000, 0x7FFFFFFE),
    DataType.U64: (0, 0xFFFFFFFFFFFFFFFE),
    DataType.S64: (-0x8000000000000000, 0x7FFFFFFFFFFFFFFE),
}
_SIZES = {
    DataType.U16: 2,
    DataType.S16: 2,
    DataType.U32: 4,
    DataType.S32: 4,
    DataType.U64: 8,
    DataType.S64: 8,
}


def _reference_words(value: int, data_type: DataType, order: WordOrder) -> list[int]:
    """Words as a device sends them, built independently of the codec."""
    size = _SIZES[data_type]
    raw = value.to_bytes(size, "big", signed=data_type.value.startswith("s"))
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, size, 2)]
    return words if order is WordOrder.HIGH_FIRST else words[::-1]


@st.composite
def _integer_case(draw: st.DrawFn) -> tuple[DataType, WordOrder, int]:
    data_type = draw(st.sampled_from(list(_RANGES)))
    order = draw(st.sampled_from(list(WordOrder)))
    low, high = _RANGES[data_type]
    return data_type, order, draw(st.integers(low, high))


@given(_integer_case())
def test_integers_decode_as_the_device_encodes_them(
    case: tuple[DataType, WordOrder, int],
) -> None:
    data_type, order, value = case
    register = Register("x", Table.INPUT, 100, data_type, word_order=order)
    words = _reference_words(value, data_type, order)
    assert decode(register, words) == value
    assert encode(register, value) == words


@given(
    st.sampled_from([DataType.U32, DataType.S32, DataType.U64, DataType.S64]),
    st.integers(0, 0xFFFF),
    st.integers(1, 0xFFFF),
)
def test_word_order_matters(data_type: DataType, low: int, high: int) -> None:
    words = [high, low] + [0] * (_SIZES[data_type] // 2 - 2)
    high_first = Register(
        "x", Table.INPUT, 0, data_type, word_order=WordOrder.HIGH_FIRST
    )
    low_first = Register("x", Table.INPUT, 0, data_type, word_order=WordOrder.LOW_FIRST)
    if decode(high_first, words) is not None and decode(low_first, words) is not None:
        assert decode(high_first, words) == decode(low_first, words[::-1])


@given(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(list(WordOrder)),
)
def test_float32_round_trips(value: float, order: WordOrder) -> None:
    """A float32 decodes to the shortest decimal it stands for, and encodes back."""
    register = Register("x", Table.HOLDING, 0, DataType.FLOAT32, word_order=order)
    raw = struct.pack(">f", value)
    words = [int.from_bytes(raw[:2], "big"), int.from_bytes(raw[2:], "big")]
    if order is WordOrder.LOW_FIRST:
        words.reverse()
    decoded = decode(register, words)
    assert isinstance(decoded, float)
    assert struct.pack(">f", decoded) == raw
    assert len(repr(decoded)) <= len(repr(value))
    assert encode(register, decoded) == words


@given(st.sampled_from(list(_RANGES)), st.sampled_from(list(WordOrder)))
def test_not_available_patterns_decode_to_none(
    data_type: DataType, order: WordOrder
) -> None:
    register = Register("x", Table.INPUT, 0, data_type, word_order=order)
    pattern = {
        "u": (1 << (8 * _SIZES[data_type])) - 1,
        "s": (1 << (8 * _SIZES[data_type] - 1)) - 1,
    }[data_type.value[0]]
    words = _reference_words(pattern, DataType("u" + data_type.value[1:]), order)
    assert decode(register, words) is None


@given(st.integers(0, 0xFFFE), st.sampled_from([0.1, 0.01, 10.0, 100.0]))
def test_scale_applies_both_ways(raw: int, scale: float) -> None:
    register = Register("x", Table.HOLDING, 0, DataType.U16, scale=scale)
    value = decode(register, [raw])
    assert isinstance(value, float)
    assert math.isclose(value, raw * scale)
    assert encode(register, value) == [raw]


@given(
    st.integers(0, 0xFFFFFFFE),
    st.sampled_from([0.1, 0.01, 0.001, 0.25, 10.0, 100.0, 0.003 * 100]),
)
def test_scaled_values_are_rounded_to_the_register_resolution(
    raw: int, scale: float
) -> None:
    """No 230.10000000000002: the value has the decimals its scale gives, no more."""
    register = Register("x", Table.INPUT, 0, DataType.U32, scale=scale)
    value = decode(register, [raw >> 16, raw & 0xFFFF])
    assert isinstance(value, float)
    assert value == round(raw * scale, register.decimals)
    decimals = repr(value).split(".")[1] if "e" not in repr(value) else ""
    assert len(decimals.rstrip("0")) <= register.decimals


def test_reference_values_read_as_written() -> None:
    tenth = Register("v", Table.INPUT, 0, DataType.U16, scale=0.1)
    assert repr(decode(tenth, [2301])) == "230.1"  # 2301 * 0.1 = 230.10000000000002
    assert repr(decode(tenth, [3])) == "0.3"  # 3 * 0.1 = 0.30000000000000004
    kw = Register("p", Table.HOLDING, 0, DataType.FLOAT32, scale=1000.0)
    raw = struct.pack(">f", 1.8)  # 1.7999999523162842 as a double
    assert repr(decode(kw, [int.from_bytes(raw[:2]), int.from_bytes(raw[2:])])) == (
        "1800.0"
    )
    volts = Register("v", Table.HOLDING, 0, DataType.FLOAT32)
    raw = struct.pack(">f", 230.4)
    words = [int.from_bytes(raw[:2]), int.from_bytes(raw[2:])]
    assert repr(decode(volts, words)) == "230.4"


@pytest.mark.parametrize(
    ("scale", "decimals"),
    [(1.0, 0), (100.0, 0), (0.1, 1), (0.01, 2), (0.001, 3), (0.25, 2), (0.5, 1)],
)
def test_decimals_follow_the_scale(scale: float, decimals: int) -> None:
    assert Register("x", Table.INPUT, 0, scale=scale).decimals == decimals


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_never_encoded(value: float) -> None:
    register = Register("x", Table.HOLDING, 0, DataType.U16)
    with pytest.raises(ValueError, match="not a number"):
        encode(register, value)
    with pytest.raises(ValueError, match="not a number"):
        encode(Register("f", Table.HOLDING, 0, DataType.FLOAT32), value)


def test_nan_float_is_not_available() -> None:
    register = Register("x", Table.INPUT, 0, DataType.FLOAT32)
    assert decode(register, [0x7FC0, 0x0000]) is None


@given(
    st.text(
        alphabet=st.characters(codec="ascii", min_codepoint=33, max_codepoint=126),
        min_size=1,
        max_size=20,
    )
)
def test_strings_decode_up_to_the_first_nul(text: str) -> None:
    register = Register("serial", Table.INPUT, 0, DataType.STRING, words=10)
    raw = text.encode().ljust(20, b"\0")
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, 20, 2)]
    assert decode(register, words) == text


def test_reference_encodings_from_the_meter_guide() -> None:
    abb_voltage = Register("v", Table.HOLDING, 0x5B00, DataType.U32, scale=0.1)
    iem_energy = Register("e", Table.HOLDING, 3203, DataType.S64, scale=0.001)
    iem_voltage = Register("v", Table.HOLDING, 3027, DataType.FLOAT32)
    assert decode(abb_voltage, [0x0000, 0x0900]) == pytest.approx(230.4)
    assert decode(iem_energy, [0, 0, 0x00BC, 0x614E]) == pytest.approx(12345.678)
    assert decode(iem_voltage, [0x4366, 0x0000]) == 230.0


def test_wrong_word_count_and_unfit_values_are_refused() -> None:
    register = Register("x", Table.HOLDING, 0, DataType.U16)
    with pytest.raises(ValueError, match="expected 1 words"):
        decode_raw(register, [1, 2])
    with pytest.raises(ValueError, match="does not fit"):
        encode(register, 70000)
    with pytest.raises(ValueError, match="words"):
        Register("s", Table.INPUT, 0, DataType.STRING)
