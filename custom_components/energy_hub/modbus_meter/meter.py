"""DIN-rail energy meters over Modbus TCP: presets and user maps; HA-free.

Every map yields the same quantities in the same units (W, kWh, V, A, Hz,
power factor as a ratio), so one set of entity descriptions serves them all.
The presets' register facts (wire addresses, types, scales; high word
first) are documented in `docs/meter-registers.md`.

A user map comes in the load-management guide's flat form (register numbers
and `…Scale` factors; see `parse_guide_map`) or in our detailed form. Both
take register numbers as wire addresses (0-based), as the Modbus library
that reads the guide's map sends them; a 1-based manual number is one more.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import json
import math

from ..errors import DeviceConnectionError
from ..modbus.client import ClientSettings, ModbusDeviceClient
from ..modbus.registers import DataType, ModbusData, Register, Table, WordOrder

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

# Pre-filled example of the custom map, in the guide's flat form.
EXAMPLE_MAP = json.dumps(
    {
        "power": 14,
        "powerScale": 0.001,
        "energy": 1,
        "energyHigh": 0,
        "energyScale": 0.01,
        "voltage": 12,
        "voltageScale": 0.1,
    }
)

_DETAIL_FIELDS = ("address", "type", "scale", "table", "word_order")
# Register number keys of the guide's flat form -> (quantity, 16-bit type,
# factor from the unit the guide's scale produces to the entity's unit).
# Power and power factor are signed (export is negative); voltage, current,
# frequency and the energy counter never are, so they get the full range.
GUIDE_QUANTITIES: dict[str, tuple[str, DataType, float]] = {
    "power": ("power", DataType.S16, 1000.0),  # kW, as the guide's meters report
    "energy": ("energy_import", DataType.U16, 1.0),  # kWh
    "voltage": ("voltage_l1", DataType.U16, 1.0),  # V
    "current": ("current_l1", DataType.U16, 1.0),  # A
    "powerFactor": ("power_factor", DataType.S16, 1.0),  # ratio, -1 to 1
    "frequency": ("frequency", DataType.U16, 1.0),  # Hz
}
GUIDE_SCALE_SUFFIX = "Scale"
GUIDE_ENERGY_HIGH = "energyHigh"
GUIDE_KEYS: tuple[str, ...] = (
    *GUIDE_QUANTITIES,
    GUIDE_ENERGY_HIGH,
    *(f"{key}{GUIDE_SCALE_SUFFIX}" for key in GUIDE_QUANTITIES),
)
MAX_ADDRESS = 0xFFFF


class MeterMapError(ValueError):
    """A user map that cannot be used.

    `reason` names the flow error (`modbus_meter_map_<reason>`); `field` the
    offending key, `partner` the key it needs, `detail` the allowed values or
    the JSON parser's complaint. All three fill the error's translation.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        field: str = "",
        partner: str = "",
        detail: str = "",
    ) -> None:
        """Keep the parts the translated error needs."""
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.partner = partner
        self.detail = detail

    @property
    def placeholders(self) -> dict[str, str]:
        """The error translation's placeholders."""
        return {"field": self.field, "partner": self.partner, "detail": self.detail}


def _parse_scale(field: str, value: object, *, positive: bool = False) -> float:
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value != 0)
    ):
        return float(value)
    raise MeterMapError(
        "bad_scale",
        f"{field}: must be a non-zero number" + (" above 0" if positive else ""),
        field=field,
    )


def _parse_address(field: str, value: object) -> int:
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= MAX_ADDRESS
    ):
        return value
    raise MeterMapError(
        "not_register",
        f"{field}: must be a whole register number from 0 to {MAX_ADDRESS}",
        field=field,
    )


def _choice[E: (DataType, Table, WordOrder)](
    kind: type[E], field: str, value: object, allowed: tuple[E, ...]
) -> E:
    if not isinstance(value, str) or value not in allowed:
        detail = ", ".join(allowed)
        raise MeterMapError(
            "bad_value", f"{field}: use one of {detail}", field=field, detail=detail
        )
    return kind(value)


def _parse_quantity(key: str, entry: Mapping[str, object]) -> Register:
    if key not in QUANTITIES:
        raise MeterMapError(
            "unknown_key",
            f"unknown quantity {key!r}; use {', '.join(QUANTITIES)}",
            field=key,
            detail=", ".join(QUANTITIES),
        )
    for name in entry:
        if name not in _DETAIL_FIELDS:
            raise MeterMapError(
                "unknown_key",
                f"{key}: unknown field {name!r}",
                field=f"{key}.{name}",
                detail=", ".join(_DETAIL_FIELDS),
            )
    if "address" not in entry:
        raise MeterMapError(
            "missing_partner",
            f"{key}: needs an integer 'address'",
            field=key,
            partner=f"{key}.address",
        )
    address = _parse_address(f"{key}.address", entry["address"])
    numeric = tuple(t for t in DataType if t is not DataType.STRING)
    return Register(
        key,
        _choice(Table, f"{key}.table", entry.get("table", "holding"), tuple(Table)),
        address,
        _choice(DataType, f"{key}.type", entry.get("type", "u16"), numeric),
        _parse_scale(f"{key}.scale", entry.get("scale", 1)),
        _choice(
            WordOrder,
            f"{key}.word_order",
            entry.get("word_order", "high_first"),
            tuple(WordOrder),
        ),
    )


def _guide_energy(addresses: Mapping[str, int], scale: float) -> Register:
    """`energy` (low word) with `energyHigh` (high word) as one 32-bit counter."""
    low = addresses["energy"]
    if (high := addresses.get(GUIDE_ENERGY_HIGH)) is None:
        return Register("energy_import", Table.HOLDING, low, DataType.U16, scale)
    if abs(high - low) != 1:
        raise MeterMapError(
            "not_adjacent",
            f"{GUIDE_ENERGY_HIGH}: must be the register right before or after energy",
            field=GUIDE_ENERGY_HIGH,
            partner="energy",
        )
    # High word on the lower address is the usual big-endian order.
    order = WordOrder.HIGH_FIRST if high < low else WordOrder.LOW_FIRST
    return Register(
        "energy_import", Table.HOLDING, min(low, high), DataType.U32, scale, order
    )


def parse_guide_map(spec: Mapping[str, object]) -> MeterMap:
    """Translate the load-management guide's flat map into registers.

    Keys: `power`, `energy` (+ `energyHigh`), `voltage`, `current`,
    `powerFactor`, `frequency` hold wire addresses of holding registers; each
    `<key>Scale` (default 1) turns the raw number into kW, kWh, V, A, a
    ratio or Hz. Raises MeterMapError naming the bad key.
    """
    for key in spec:
        if key not in GUIDE_KEYS:
            raise MeterMapError(
                "unknown_key",
                f"unknown key {key!r}; use {', '.join(GUIDE_KEYS)}",
                field=key,
                detail=", ".join(GUIDE_KEYS),
            )
    addresses: dict[str, int] = {}
    scales: dict[str, float] = {}
    for key, value in spec.items():
        if key.endswith(GUIDE_SCALE_SUFFIX):
            quantity = key.removesuffix(GUIDE_SCALE_SUFFIX)
            scales[quantity] = _parse_scale(key, value, positive=quantity == "energy")
            partner = quantity
        else:
            addresses[key] = _parse_address(key, value)
            partner = "energy" if key == GUIDE_ENERGY_HIGH else ""
        if partner and partner not in spec:
            raise MeterMapError(
                "missing_partner",
                f"{key}: needs {partner!r} as well",
                field=key,
                partner=partner,
            )
    registers: list[Register] = []
    for key, (quantity, data_type, unit_factor) in GUIDE_QUANTITIES.items():
        if key not in addresses:
            continue
        scale = scales.get(key, 1.0) * unit_factor
        if key == "energy":
            registers.append(_guide_energy(addresses, scale))
        else:
            registers.append(
                Register(quantity, Table.HOLDING, addresses[key], data_type, scale)
            )
    return MeterMap("Custom Modbus meter", tuple(registers))


def parse_custom_map(text: str) -> MeterMap:
    """Parse a user map in either form; which one is told by its values.

    The guide's flat form (numbers: see `parse_guide_map`), or the detailed
    form {"quantity": {"address", "type", "scale", "table", "word_order"}}:
    `type` is one of u16, s16, u32, s32, u64, s64, float32 (default u16);
    `table` holding (default) or input; `word_order` high_first (default) or
    low_first; `scale` turns the raw number into W, kWh, V, A or Hz.
    Raises MeterMapError (a ValueError) with a readable reason.
    """
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise MeterMapError(
            "not_json", f"not valid JSON: {err.msg}", detail=err.msg
        ) from err
    if not isinstance(spec, dict) or not spec:
        raise MeterMapError("not_object", "expected an object of quantities")
    detailed = [isinstance(value, Mapping) for value in spec.values()]
    if all(detailed):
        return MeterMap(
            "Custom Modbus meter",
            tuple(_parse_quantity(key, entry) for key, entry in spec.items()),
        )
    if any(detailed):
        first_form = detailed[0]
        odd = next(k for k, d in zip(spec, detailed, strict=True) if d != first_form)
        raise MeterMapError(
            "mixed_forms",
            f"{odd}: mixes the flat form (numbers) with the detailed one (objects)",
            field=odd,
        )
    return parse_guide_map(spec)


def meter_map_for(preset: str, register_map: str | None = None) -> MeterMap:
    """The map of a preset, or the parsed user map when `preset` is custom."""
    if preset == CUSTOM:
        return parse_custom_map(register_map or "")
    return PRESETS[preset]


@dataclass(slots=True, kw_only=True)
class MeterData(ModbusData):
    """One poll of a meter: quantity -> value (None = not available).

    A single-phase meter has no L2/L3 values: `has` tells.
    """


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
        return MeterData(values=result.values, disabled=frozenset(result.disabled))
