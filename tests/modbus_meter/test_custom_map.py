"""The user map in its detailed form (HA-free)."""

import pytest

from custom_components.energy_hub.modbus.registers import DataType, Table
from custom_components.energy_hub.modbus_meter.meter import parse_custom_map


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not valid JSON"),
        ("[]", "object of quantities"),
        ('{"watts": {"address": 1}}', "unknown quantity"),
        ('{"power": {"address": 1, "type": "u24"}}', "power.type: use one of u16"),
        ('{"power": {"address": 70000}}', "from 0 to 65535"),
        ('{"power": {"address": 1, "colour": "red"}}', "colour"),
    ],
)
def test_custom_map_rejects_bad_input(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_custom_map(text)


def test_custom_map_defaults() -> None:
    meter_map = parse_custom_map(
        '{"frequency": {"address": 70, "table": "input", "type": "float32"}}'
    )
    (register,) = meter_map.registers
    assert (register.table, register.address, register.data_type) == (
        Table.INPUT,
        70,
        DataType.FLOAT32,
    )
