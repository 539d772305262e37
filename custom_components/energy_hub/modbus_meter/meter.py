"""DIN-rail energy meters over Modbus TCP: presets and user maps; HA-free.

Every map yields the same quantities in the same units (W, kWh, V, A, Hz,
power factor as a ratio), so one set of entity descriptions serves them all.
Register facts from `shared/reference/meter-registers.md` (wire addresses,
high word first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import json
from typing import Any

from ..errors import DeviceConnectionError
from ..modbus.client import ClientSettings, ModbusDeviceClient
from ..modbus.registers import DataType, Register, Table, Value, WordOrder

# Quantities a map may define, with the unit its scale must produce.
QUANTITIES: dict[str, str] = {
    "power": "W",
    "energy_import": "kWh",
    "energy_export": "kWh",
    "voltage_l1": "V",
    "voltage_l2": "V",
    "voltage_l3": "V",
    "current_l1": "A",
    "current_l2": "A",
    "current_l3": "A",
    "power_factor": "",
    "frequency": "Hz",
}
SERIAL_KEY = "serial"


def _h(key: str, address: int, data_type: DataType, scale: float = 1.0) -> Register:
    return Register(key, Table.HOLDING, address, data_type, scale, WordOrder.HIGH_FIRST)


@dataclass(frozen=True, slots=True)
class MeterMap:
    """A meter model's registers, keyed by quantity; `serial` when it has one."""

    model: str
    registers: tuple[Register, ...]
    serial: Register | None = None


ABB_B23 = MeterMap(
    "ABB B23",
    (
        _h("energy_import", 0x5000, DataType.U64, 0.01),
        _h("energy_export", 0x5004, DataType.U64, 0.01),
        _h("voltage_l1", 0x5B00, DataType.U32, 0.1),
        _h("voltage_l2", 0x5B02, DataType.U32, 0.1),
        _h("voltage_l3", 0x5B04, DataType.U32, 0.1),
        _h("current_l1", 0x5B0C, DataType.U32, 0.01),
        _h("current_l2", 0x5B0E, DataType.U32, 0.01),
        _h("current_l3", 0x5B10, DataType.U32, 0.01),
        _h("power", 0x5B14, DataType.S32, 0.01),
        _h("frequency", 0x5B2C, DataType.U16, 0.01),
        _h("power_factor", 0x5B3A, DataType.S16, 0.001),
    ),
    serial=_h(SERIAL_KEY, 0x8900, DataType.U32),
)

IEM3000 = MeterMap(
    "Schneider iEM3000",
    (
        _h("current_l1", 2999, DataType.FLOAT32),
        _h("current_l2", 3001, DataType.FLOAT32),
        _h("current_l3", 3003, DataType.FLOAT32),
        _h("voltage_l1", 3027, DataType.FLOAT32),
        _h("voltage_l2", 3029, DataType.FLOAT32),
        _h("voltage_l3", 3031, DataType.FLOAT32),
        _h("power", 3059, DataType.FLOAT32, 1000.0),  # kW on the wire
        # Power factor total (manual 3084); not in the cross-checked table.
        _h("power_factor", 3083, DataType.FLOAT32),
        _h("frequency", 3109, DataType.FLOAT32),
        _h("energy_import", 3203, DataType.S64, 0.001),  # Wh on the wire
        _h("energy_export", 3207, DataType.S64, 0.001),
    ),
)

PRESETS: dict[str, MeterMap] = {"abb_b23": ABB_B23, "iem3000": IEM3000}
CUSTOM = "custom"

EXAMPLE_MAP = json.dumps(
    {
        "power": {"address": 3059, "type": "float32", "scale": 1000},
        "energy_import": {"address": 3203, "type": "s64", "scale": 0.001},
    }
)


def _parse_quantity(key: str, entry: object) -> Register:
    if key not in QUANTITIES:
        raise ValueError(f"unknown quantity {key!r}; use {', '.join(QUANTITIES)}")
    if not isinstance(entry, Mapping) or not isinstance(entry.get("address"), int):
        raise ValueError(f"{key}: needs an integer 'address'")  # noqa: TRY004 - user input
    if unknown := set(entry) - {"address", "type", "scale", "table", "word_order"}:
        raise ValueError(f"{key}: unknown field(s) {', '.join(sorted(unknown))}")
    address = entry["address"]
    if not 0 <= address <= 0xFFFF:
        raise ValueError(f"{key}: address out of range")
    try:
        data_type = DataType(entry.get("type", "u16"))
        table = Table(entry.get("table", "holding"))
        order = WordOrder(entry.get("word_order", "high_first"))
        scale = float(entry.get("scale", 1))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{key}: {err}") from err
    if data_type is DataType.STRING:
        raise ValueError(f"{key}: a string is not a quantity")
    return Register(key, table, address, data_type, scale, order)


def parse_custom_map(text: str) -> MeterMap:
    """Parse a user map: {"quantity": {"address", "type", "scale", "table", "word_order"}}.

    `type` is one of u16, s16, u32, s32, u64, s64, float32 (default u16);
    `table` holding (default) or input; `word_order` high_first (default) or
    low_first; `scale` turns the raw number into W, kWh, V, A or Hz.
    Raises ValueError with a readable reason.
    """
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON: {err.msg}") from err
    if not isinstance(spec, dict) or not spec:
        raise ValueError("expected an object of quantities")
    return MeterMap(
        "Custom Modbus meter",
        tuple(_parse_quantity(key, entry) for key, entry in spec.items()),
    )


def meter_map_for(preset: str, register_map: str | None = None) -> MeterMap:
    """The map of a preset, or the parsed user map when `preset` is custom."""
    if preset == CUSTOM:
        return parse_custom_map(register_map or "")
    return PRESETS[preset]


@dataclass(slots=True)
class MeterData:
    """One poll of a meter: quantity -> value (None = not available)."""

    values: dict[str, Value | None] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()

    def number(self, key: str) -> float | None:
        """A quantity as a float (None when not available)."""
        value = self.values.get(key)
        return float(value) if isinstance(value, (int, float)) else None

    def has(self, key: str) -> bool:
        """Whether the meter reports `key` (a single-phase meter lacks L2/L3)."""
        return key not in self.disabled and self.values.get(key) is not None

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {"values": dict(self.values), "disabled": sorted(self.disabled)}


class ModbusMeter:
    """Poll one meter's map over its own Modbus TCP connection."""

    def __init__(
        self,
        host: str,
        port: int,
        unit: int,
        meter_map: MeterMap,
        settings: ClientSettings | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until the first call."""
        self.meter_map = meter_map
        self.client = ModbusDeviceClient(host, port, unit, settings or ClientSettings())

    async def close(self) -> None:
        """Close the connection."""
        await self.client.close()

    async def read_serial(self) -> str | None:
        """The meter's serial number when its map has one."""
        if self.meter_map.serial is None:
            return None
        result = await self.client.read([self.meter_map.serial])
        serial = result.values[SERIAL_KEY]
        return None if serial is None else str(serial)

    async def poll(self) -> MeterData:
        """Read every quantity of the map."""
        result = await self.client.read(self.meter_map.registers)
        if all(value is None for value in result.values.values()):
            raise DeviceConnectionError("the meter answered none of its registers")
        return MeterData(result.values, frozenset(result.disabled))
