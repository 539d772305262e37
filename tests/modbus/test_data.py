"""`ModbusData`: one poll's values as the entity descriptions read them (HA-free)."""

from custom_components.energy_hub.modbus.registers import ModbusData
from custom_components.energy_hub.modbus_meter.meter import MeterData
from custom_components.energy_hub.sungrow.registers import SungrowData


def test_number_and_has() -> None:
    data = ModbusData(
        values={"power": 1500, "pf": 0.95, "name": "B23", "l2": None, "l3": 230.0},
        disabled=frozenset({"l3"}),
    )
    assert data.number("power") == 1500.0
    assert isinstance(data.number("power"), float)
    assert data.number("pf") == 0.95
    assert data.number("name") is None  # a string is not a number
    assert data.number("missing") is None
    assert data.has("power")
    assert not data.has("l2")  # "not available"
    assert not data.has("l3")  # refused by the device
    assert not data.has("missing")
    assert data.as_dict() == {
        "values": {"power": 1500, "pf": 0.95, "name": "B23", "l2": None, "l3": 230.0},
        "disabled": ["l3"],
    }


def test_sources_extend_it() -> None:
    meter = MeterData(values={"power": -20.5})
    assert meter.number("power") == -20.5
    sungrow = SungrowData(values={"battery_soc": 55.5}, settings={"min_soc": 10.0})
    assert sungrow.number("battery_soc") == 55.5
    assert sungrow.setting("min_soc") == 10.0
    assert sungrow.number("min_soc") is None  # settings are not telemetry
    assert sungrow.as_dict()["settings"] == {"min_soc": 10.0}
