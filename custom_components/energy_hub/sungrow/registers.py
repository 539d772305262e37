"""Sungrow SH hybrid inverter register map and model; Home-Assistant-free.

Wire addresses, types, scales and the WiNet-S quirks are documented in
`docs/sungrow-registers.md` (wire address = the protocol document's register
number minus one); 32-bit values come low word first.

Sign conventions Energy Hub publishes: battery power is positive while the
battery discharges and negative while it charges; grid power is positive
while importing and negative while exporting.
"""

from dataclasses import dataclass, field
from typing import Any, override

from ..modbus.registers import (
    DataType,
    ModbusData,
    Register,
    Table,
    Value,
    WordOrder,
    as_number,
)

_LOW = WordOrder.LOW_FIRST


def _input(
    key: str, address: int, data_type: DataType = DataType.U16, scale: float = 1.0
) -> Register:
    return Register(key, Table.INPUT, address, data_type, scale, _LOW)


def _holding(key: str, address: int, scale: float = 1.0) -> Register:
    return Register(key, Table.HOLDING, address, DataType.U16, scale, _LOW)


SERIAL = Register("serial", Table.INPUT, 4989, DataType.STRING, words=10)
DEVICE_TYPE = _input("device_type", 4999)
IDENTITY: tuple[Register, ...] = (SERIAL, DEVICE_TYPE)

# Read every poll. Kept to documented registers so a WiNet-S serves the blocks.
TELEMETRY: tuple[Register, ...] = (
    _input("nominal_power", 5000, scale=100.0),  # W
    _input("output_energy_total", 5003, DataType.U32, 0.1),
    _input("inverter_temperature", 5007, DataType.S16, 0.1),
    _input("mppt1_voltage", 5010, scale=0.1),
    _input("mppt1_current", 5011, scale=0.1),
    _input("mppt2_voltage", 5012, scale=0.1),
    _input("mppt2_current", 5013, scale=0.1),
    _input("pv_power", 5016, DataType.U32),
    _input("phase_a_voltage", 5018, scale=0.1),
    _input("phase_b_voltage", 5019, scale=0.1),
    _input("phase_c_voltage", 5020, scale=0.1),
    _input("grid_frequency", 5035, scale=0.1),
    _input("battery_power_signed", 5213, DataType.S32),
    _input("meter_power", 5600, DataType.S32),
    _input("meter_power_a", 5602, DataType.S32),
    _input("meter_power_b", 5604, DataType.S32),
    _input("meter_power_c", 5606, DataType.S32),
    _input("system_state", 12999),
    _input("power_flow", 13000),
    _input("pv_energy_today", 13001, scale=0.1),
    _input("pv_energy_total", 13002, DataType.U32, 0.1),
    _input("load_power", 13007, DataType.S32),
    _input("export_power", 13009, DataType.S32),
    _input("battery_voltage", 13019, scale=0.1),
    _input("battery_current", 13020, DataType.S16, 0.1),
    _input("battery_power_legacy", 13021),
    _input("battery_soc", 13022, scale=0.1),
    _input("battery_health", 13023, scale=0.1),
    _input("battery_temperature", 13024, DataType.S16, 0.1),
    _input("battery_discharge_today", 13025, scale=0.1),
    _input("battery_discharge_total", 13026, DataType.U32, 0.1),
    _input("grid_import_today", 13035, scale=0.1),
    _input("grid_import_total", 13036, DataType.U32, 0.1),
    _input("battery_charge_today", 13039, scale=0.1),
    _input("battery_charge_total", 13040, DataType.U32, 0.1),
    _input("grid_export_today", 13044, scale=0.1),
    _input("grid_export_total", 13045, DataType.U32, 0.1),
)

EMS_MODE = _holding("ems_mode", 13049)
FORCED_COMMAND = _holding("forced_command", 13050)
FORCED_POWER = _holding("forced_power", 13051)
MAX_SOC = _holding("max_soc", 13057, 0.1)
MIN_SOC = _holding("min_soc", 13058, 0.1)
EXPORT_LIMIT = _holding("export_limit", 13073)
EXPORT_LIMIT_MODE = _holding("export_limit_mode", 13086)
BACKUP_RESERVE = _holding("backup_reserve", 13099)
MAX_CHARGE_POWER = _holding("max_charge_power", 33046, 10.0)
MAX_DISCHARGE_POWER = _holding("max_discharge_power", 33047, 10.0)

# Read on their own, slower cycle (holding reads are slow through a WiNet-S).
SETTINGS: tuple[Register, ...] = (
    EMS_MODE,
    FORCED_COMMAND,
    FORCED_POWER,
    MAX_SOC,
    MIN_SOC,
    EXPORT_LIMIT,
    EXPORT_LIMIT_MODE,
    BACKUP_RESERVE,
    MAX_CHARGE_POWER,
    MAX_DISCHARGE_POWER,
)
SETTING_BY_KEY = {register.key: register for register in SETTINGS}

EMS_MODES: dict[str, int] = {"self_consumption": 0, "forced": 2, "external_ems": 3}
FORCED_COMMANDS: dict[str, int] = {"charge": 0xAA, "discharge": 0xBB, "stop": 0xCC}
EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF = 0xAA, 0x55

SYSTEM_STATES: dict[int, str] = {
    0x0002: "stop",
    0x0008: "standby",
    0x0010: "initial_standby",
    0x0020: "startup",
    0x0040: "running",
    0x0100: "fault",
    0x0400: "maintain_mode",
    0x0800: "forced_mode",
    0x1000: "off_grid",
    0x2501: "restarting",
    0x4000: "external_ems",
}

# Power-flow status bits of input 13000.
FLOW_BATTERY_CHARGING = 1 << 1
FLOW_BATTERY_DISCHARGING = 1 << 2

_MODELS_RS = {
    0x0D17: "SH3.0RS",
    0x0D0D: "SH3.6RS",
    0x0D18: "SH4.0RS",
    0x0D0F: "SH5.0RS",
    0x0D10: "SH6.0RS",
    0x0D1A: "SH8.0RS",
    0x0D1B: "SH10RS",
}
_RT_SIZES = ("SH5.0", "SH6.0", "SH8.0", "SH10")
_T_SIZES = ("SH5T", "SH6T", "SH8T", "SH10T", "SH12T", "SH15T", "SH20T")


def model_name(device_type: int) -> str | None:
    """The SH model of a device-type code (input 4999); None when unknown."""
    if device_type in _MODELS_RS:
        return _MODELS_RS[device_type]
    for base, suffix in (
        (0x0E00, "RT"),
        (0x0E08, "RT-V122"),
        (0x0E0C, "RT-V112"),
        (0x0E10, "RT-20"),
    ):
        if base <= device_type < base + 4:
            return f"{_RT_SIZES[device_type - base]}{suffix}"
    if 0x0E20 <= device_type <= 0x0E26:
        return _T_SIZES[device_type - 0x0E20]
    return None


@dataclass(frozen=True, slots=True)
class SungrowIdentity:
    """Who the inverter is: serial number and model."""

    serial: str
    device_type: int

    @property
    def model(self) -> str:
        """Model name, or the raw code for an unknown model."""
        return model_name(self.device_type) or f"Sungrow 0x{self.device_type:04X}"


@dataclass(slots=True, kw_only=True)
class SungrowData(ModbusData):
    """One poll's telemetry (`values`) plus the last settings read."""

    settings: dict[str, Value | None] = field(default_factory=dict)

    def setting(self, key: str) -> float | None:
        """A setting as a float (None when not available)."""
        return as_number(self.settings.get(key))

    @property
    def battery_power(self) -> float | None:
        """Battery power, + discharging / - charging.

        Prefers the signed 5213. Older firmware only has 13021 as a
        magnitude whose direction comes from the power-flow bits; a value
        above 0x7FFF there is newer firmware's signed form. Through a WiNet-S
        on RS firmware the bits read 0, so an idle and an unknown direction
        cannot be told apart: then the value is only published when it is 0.
        """
        if (signed := self.number("battery_power_signed")) is not None:
            return signed
        raw = self.number("battery_power_legacy")
        if raw is None:
            return None
        if raw > 0x7FFF:
            return raw - 0x10000
        flow = int(self.number("power_flow") or 0)
        if flow & FLOW_BATTERY_CHARGING:
            return -raw
        if flow & FLOW_BATTERY_DISCHARGING or raw == 0:
            return raw
        return None

    @property
    def grid_power(self) -> float | None:
        """Grid power, + import / - export (meter 5600, else -export 13009)."""
        if (meter := self.number("meter_power")) is not None:
            return meter
        if (export := self.number("export_power")) is not None:
            return -export
        return None

    @property
    def grid_frequency(self) -> float | None:
        """Grid frequency in Hz; a WiNet-S may answer in 0.01 Hz instead of 0.1."""
        value = self.number("grid_frequency")
        if value is None or value == 0:
            return None
        return value / 10 if value > 100 else value

    @property
    def system_state(self) -> str | None:
        """Decoded running state; None when unknown or hidden (reads 0)."""
        code = self.values.get("system_state")
        return SYSTEM_STATES.get(code) if isinstance(code, int) else None

    @property
    def ems_mode(self) -> str | None:
        """EMS mode option id."""
        return _option(EMS_MODES, self.settings.get("ems_mode"))

    @property
    def forced_command(self) -> str | None:
        """Forced charge/discharge command option id."""
        return _option(FORCED_COMMANDS, self.settings.get("forced_command"))

    @property
    def export_limit_enabled(self) -> bool | None:
        """Whether the export power limit is enforced."""
        mode = self.settings.get("export_limit_mode")
        if mode == EXPORT_LIMIT_ON:
            return True
        if mode == EXPORT_LIMIT_OFF:
            return False
        return None

    @override
    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {**super().as_dict(), "settings": dict(self.settings)}


def _option(options: dict[str, int], code: Value | None) -> str | None:
    return next((name for name, value in options.items() if value == code), None)
