"""The custom map in the load-management guide's flat form, translated to registers (HA-free)."""

import json
import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.modbus.registers import (
    DataType,
    Register,
    Table,
    WordOrder,
    decode,
)
from custom_components.energy_hub.modbus_meter.meter import (
    EXAMPLE_MAP,
    MeterMap,
    MeterMapError,
    parse_custom_map,
)

_ADDRESS = st.integers(min_value=0, max_value=0xFFFF)
# Scales a user writes: powers of ten and odd factors such as 0.00001 or 2.5.
_SCALE = st.floats(min_value=1e-6, max_value=1e3, allow_nan=False, allow_infinity=False)


def _by_key(meter_map: MeterMap) -> dict[str, Register]:
    return {register.key: register for register in meter_map.registers}


def _read(register: Register, image: dict[int, int]) -> object:
    """Decode `register` from a device image of wire address -> word."""
    return decode(
        register, [image[register.address + i] for i in range(register.count)]
    )


@given(
    low=st.integers(min_value=0, max_value=0xFFFE),
    high_after=st.booleans(),
    raw=st.integers(min_value=0, max_value=0xFFFFFFFE),
    scale=_SCALE,
)
def test_energy_and_energy_high_read_as_one_32_bit_counter(
    low: int, high_after: bool, raw: int, scale: float
) -> None:
    if high_after:
        high = low + 1
    else:
        low, high = low + 1, low
    spec = {"energy": low, "energyHigh": high, "energyScale": scale}
    register = _by_key(parse_custom_map(json.dumps(spec)))["energy_import"]
    assert (register.data_type, register.table) == (DataType.U32, Table.HOLDING)
    expected_order = WordOrder.LOW_FIRST if high_after else WordOrder.HIGH_FIRST
    assert register.word_order is expected_order
    # The device puts the high word at `energyHigh` and the low word at `energy`.
    image = {high: raw >> 16, low: raw & 0xFFFF}
    assert _read(register, image) == pytest.approx(raw * scale)


@given(
    quantity=st.sampled_from(
        [
            ("power", "power", True, 1000.0),  # kW -> the entity's W
            ("powerFactor", "power_factor", True, 1.0),
            ("voltage", "voltage_l1", False, 1.0),
            ("current", "current_l1", False, 1.0),
            ("frequency", "frequency", False, 1.0),
            ("energy", "energy_import", False, 1.0),
        ]
    ),
    address=_ADDRESS,
    word=st.integers(min_value=0, max_value=0xFFFF),
    scale=_SCALE,
)
def test_single_registers_are_16_bit_with_the_guide_units(
    quantity: tuple[str, str, bool, float], address: int, word: int, scale: float
) -> None:
    guide_key, key, signed, to_entity_unit = quantity
    spec = {guide_key: address, f"{guide_key}Scale": scale}
    register = _by_key(parse_custom_map(json.dumps(spec)))[key]
    assert (register.address, register.count) == (address, 1)
    value = _read(register, {address: word})
    raw = struct.unpack(">h" if signed else ">H", word.to_bytes(2, "big"))[0]
    if word == (0x7FFF if signed else 0xFFFF):
        assert value is None  # the meters' "not available" pattern
    else:
        assert value == pytest.approx(raw * scale * to_entity_unit)


def test_scales_default_to_one_and_power_is_kilowatts() -> None:
    registers = _by_key(
        parse_custom_map('{"power": 10, "voltage": 11, "energy": 12, "energyHigh": 13}')
    )
    # A power register in W needs powerScale 0.001; without one it is kW.
    assert registers["power"].scale == 1000.0
    assert registers["voltage_l1"].scale == 1.0
    assert registers["energy_import"].scale == 1.0
    assert registers["energy_import"].address == 12


def test_example_map_is_the_guide_form_and_valid() -> None:
    example = json.loads(EXAMPLE_MAP)
    assert all(isinstance(value, (int, float)) for value in example.values())
    registers = _by_key(parse_custom_map(EXAMPLE_MAP))
    assert registers["energy_import"].word_order is WordOrder.HIGH_FIRST
    assert registers["power"].scale == pytest.approx(1.0)  # W on the wire


def test_detailed_form_is_still_accepted() -> None:
    (register,) = parse_custom_map(
        '{"power": {"address": 3059, "type": "float32", "scale": 1000}}'
    ).registers
    assert (register.key, register.data_type, register.scale) == (
        "power",
        DataType.FLOAT32,
        1000.0,
    )


@pytest.mark.parametrize(
    ("spec", "reason", "field", "partner"),
    [
        ('{"power": 1, "watts": 2}', "unknown_key", "watts", ""),
        ('{"voltage_l1": 2}', "unknown_key", "voltage_l1", ""),
        ('{"power": "3060"}', "not_register", "power", ""),
        ('{"power": 3060.5}', "not_register", "power", ""),
        ('{"power": true}', "not_register", "power", ""),
        ('{"current": -1}', "not_register", "current", ""),
        ('{"energy": 65535, "energyHigh": 65536}', "not_register", "energyHigh", ""),
        (
            '{"power": 1, "voltageScale": 0.1}',
            "missing_partner",
            "voltageScale",
            "voltage",
        ),
        ('{"power": 1, "energyHigh": 4}', "missing_partner", "energyHigh", "energy"),
        ('{"energy": 3, "energyHigh": 5}', "not_adjacent", "energyHigh", "energy"),
        ('{"energy": 3, "energyHigh": 3}', "not_adjacent", "energyHigh", "energy"),
        ('{"power": 1, "powerScale": 0}', "bad_scale", "powerScale", ""),
        ('{"power": 1, "powerScale": "0.1"}', "bad_scale", "powerScale", ""),
        ('{"power": 1, "powerScale": NaN}', "bad_scale", "powerScale", ""),
        ('{"power": 1, "powerScale": Infinity}', "bad_scale", "powerScale", ""),
        ('{"energy": 1, "energyScale": -Infinity}', "bad_scale", "energyScale", ""),
        ('{"power": NaN}', "not_register", "power", ""),
        ('{"power": {"address": 1, "scale": NaN}}', "bad_scale", "power.scale", ""),
        (
            '{"power": {"address": 1, "scale": -Infinity}}',
            "bad_scale",
            "power.scale",
            "",
        ),
        ('{"power": {"address": Infinity}}', "not_register", "power.address", ""),
        ('{"energy": 1, "energyScale": -0.001}', "bad_scale", "energyScale", ""),
        ('{"power": 1, "voltage": {"address": 2}}', "mixed_forms", "voltage", ""),
        ('{"power": {"address": 1}, "voltage": 2}', "mixed_forms", "voltage", ""),
        ('{"power": {}}', "missing_partner", "power", "power.address"),
        ('{"power": {"address": 1.5}}', "not_register", "power.address", ""),
        ('{"power": {"address": 1, "colour": 2}}', "unknown_key", "power.colour", ""),
        ('{"power": {"address": 1, "type": "u24"}}', "bad_value", "power.type", ""),
        ('{"power": {"address": 1, "scale": 0}}', "bad_scale", "power.scale", ""),
        ("{}", "not_object", "", ""),
        ("[1]", "not_object", "", ""),
        ("power: 3", "not_json", "", ""),
    ],
)
def test_bad_maps_name_the_field(
    spec: str, reason: str, field: str, partner: str
) -> None:
    with pytest.raises(MeterMapError) as caught:
        parse_custom_map(spec)
    assert (caught.value.reason, caught.value.field, caught.value.partner) == (
        reason,
        field,
        partner,
    )
    assert str(caught.value)  # the log-readable reason


@given(
    energy=st.integers(min_value=0, max_value=0xFFFF),
    high=st.integers(min_value=0, max_value=0xFFFF),
)
def test_only_adjacent_energy_high_is_accepted(energy: int, high: int) -> None:
    spec = json.dumps({"energy": energy, "energyHigh": high})
    if abs(energy - high) == 1:
        assert parse_custom_map(spec).registers[0].address == min(energy, high)
    else:
        with pytest.raises(MeterMapError, match="energyHigh"):
            parse_custom_map(spec)


def test_unknown_key_lists_the_guide_keys() -> None:
    with pytest.raises(MeterMapError) as caught:
        parse_custom_map('{"activePower": 3}')
    assert "powerFactorScale" in caught.value.detail
    assert "energyHigh" in caught.value.detail
