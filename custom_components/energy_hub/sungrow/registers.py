"""Sungrow SH hybrid inverter register map and model; Home-Assistant-free.

Wire addresses, types, scales and the WiNet-S quirks are documented in
`docs/sungrow-registers.md` (wire address = the protocol document's register
number minus one); 32-bit values come low word first.

Sign conventions Energy Hub publishes: battery power is positive while the
battery discharges and negative while it charges; grid power is positive
while importing and negative while exporting.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
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


class Series(StrEnum):
    """The SH families the device-type code tells apart."""

    RS = "rs"  # single phase
    RT = "rt"  # three phase, 5-10 kW
    T = "t"  # three phase, 5-20 kW, three MPPT trackers


# Read every poll (of the registers enabled entities need). Kept to documented
# registers so a WiNet-S serves the blocks.
TELEMETRY: tuple[Register, ...] = (
    _input("nominal_power", 5000, scale=100.0),  # W
    _input("output_energy_today", 5002, scale=0.1),
    _input("output_energy_total", 5003, DataType.U32, 0.1),
    _input("inverter_temperature", 5007, DataType.S16, 0.1),
    _input("mppt1_voltage", 5010, scale=0.1),
    _input("mppt1_current", 5011, scale=0.1),
    _input("mppt2_voltage", 5012, scale=0.1),
    _input("mppt2_current", 5013, scale=0.1),
    _input("mppt3_voltage", 5014, scale=0.1),
    _input("mppt3_current", 5015, scale=0.1),
    _input("pv_power", 5016, DataType.U32),
    _input("phase_a_voltage", 5018, scale=0.1),
    _input("phase_b_voltage", 5019, scale=0.1),
    _input("phase_c_voltage", 5020, scale=0.1),
    _input("reactive_power", 5032, DataType.S32),  # var
    _input("power_factor", 5034, DataType.S16, 0.001),
    _input("grid_frequency", 5035, scale=0.1),
    _input("battery_power_signed", 5213, DataType.S32),
    _input("meter_power", 5600, DataType.S32),
    _input("meter_power_a", 5602, DataType.S32),
    _input("meter_power_b", 5604, DataType.S32),
    _input("meter_power_c", 5606, DataType.S32),
    _input("export_limit_min", 5621, scale=10.0),  # W
    _input("export_limit_max", 5622, scale=10.0),  # W
    _input("bdc_rated_power", 5627, scale=100.0),  # W
    _input("bms_max_charge_current", 5634),  # A
    _input("bms_max_discharge_current", 5635),  # A
    _input("battery_capacity", 5638, scale=0.01),  # kWh
    _input("backup_power_a", 5722, DataType.S16),
    _input("backup_power_b", 5723, DataType.S16),
    _input("backup_power_c", 5724, DataType.S16),
    _input("backup_power", 5725, DataType.S32),
    _input("meter_voltage_a", 5740, DataType.S16, 0.1),
    _input("meter_voltage_b", 5741, DataType.S16, 0.1),
    _input("meter_voltage_c", 5742, DataType.S16, 0.1),
    _input("meter_current_a", 5743, scale=0.01),
    _input("meter_current_b", 5744, scale=0.01),
    _input("meter_current_c", 5745, scale=0.01),
    _input("system_state", 12999),
    _input("power_flow", 13000),
    _input("pv_energy_today", 13001, scale=0.1),
    _input("pv_energy_total", 13002, DataType.U32, 0.1),
    _input("pv_export_today", 13004, scale=0.1),
    _input("pv_export_total", 13005, DataType.U32, 0.1),
    _input("load_power", 13007, DataType.S32),
    _input("export_power", 13009, DataType.S32),
    _input("battery_charge_pv_today", 13011, scale=0.1),
    _input("battery_charge_pv_total", 13012, DataType.U32, 0.1),
    _input("direct_consumption_today", 13016, scale=0.1),
    _input("direct_consumption_total", 13017, DataType.U32, 0.1),
    _input("battery_voltage", 13019, scale=0.1),
    _input("battery_current", 13020, DataType.S16, 0.1),
    _input("battery_power_legacy", 13021),
    _input("battery_soc", 13022, scale=0.1),
    _input("battery_health", 13023, scale=0.1),
    _input("battery_temperature", 13024, DataType.S16, 0.1),
    _input("battery_discharge_today", 13025, scale=0.1),
    _input("battery_discharge_total", 13026, DataType.U32, 0.1),
    _input("phase_a_current", 13030, DataType.S16, 0.1),
    _input("phase_b_current", 13031, DataType.S16, 0.1),
    _input("phase_c_current", 13032, DataType.S16, 0.1),
    _input("active_power", 13033, DataType.S32),
    _input("grid_import_today", 13035, scale=0.1),
    _input("grid_import_total", 13036, DataType.U32, 0.1),
    _input("battery_charge_today", 13039, scale=0.1),
    _input("battery_charge_total", 13040, DataType.U32, 0.1),
    _input("grid_export_today", 13044, scale=0.1),
    _input("grid_export_total", 13045, DataType.U32, 0.1),
)

# Registers only some series have (the rest: every SH model). The RS is
# single phase: no phase B and C; only the T series has a third MPPT.
_THREE_PHASE = frozenset({Series.RT, Series.T})
SERIES_ONLY: dict[str, frozenset[Series]] = {
    **{
        f"{quantity}_{phase}": _THREE_PHASE
        for quantity in (
            "meter_power",
            "backup_power",
            "meter_voltage",
            "meter_current",
        )
        for phase in "bc"
    },
    **{
        f"phase_{phase}_{quantity}": _THREE_PHASE
        for quantity in ("voltage", "current")
        for phase in "bc"
    },
    "mppt3_voltage": frozenset({Series.T}),
    "mppt3_current": frozenset({Series.T}),
}

# The registers of entities that are not one register of the same key.
ENTITY_REGISTERS: dict[str, tuple[str, ...]] = {
    "battery_power": ("battery_power_signed", "battery_power_legacy", "power_flow"),
    "grid_power": ("meter_power", "export_power"),
    "running_state": ("system_state",),
}


def entity_registers(entity_key: str) -> tuple[str, ...]:
    """The telemetry registers entity `entity_key` reads."""
    return ENTITY_REGISTERS.get(entity_key, (entity_key,))


def telemetry_for(
    series: Series | None, keys: Collection[str] | None = None
) -> tuple[Register, ...]:
    """The telemetry map of `series` (None: unknown, every register).

    `keys` narrows it to the registers the enabled entities read (None: all).
    """
    return tuple(
        register
        for register in TELEMETRY
        if (
            series is None or series in SERIES_ONLY.get(register.key, frozenset(Series))
        )
        and (keys is None or register.key in keys)
    )


TELEMETRY_BY_KEY = {register.key: register for register in TELEMETRY}

EMS_MODE = _holding("ems_mode", 13049)
FORCED_COMMAND = _holding("forced_command", 13050)
FORCED_POWER = _holding("forced_power", 13051)
MAX_SOC = _holding("max_soc", 13057, 0.1)
MIN_SOC = _holding("min_soc", 13058, 0.1)
EXPORT_LIMIT = _holding("export_limit", 13073)
EXPORT_LIMIT_MODE = _holding("export_limit_mode", 13086)
BACKUP_MODE = _holding("backup_mode", 13074)
POWER_LIMITATION = _holding("power_limitation", 13088)
POWER_LIMITATION_RATIO = _holding("power_limitation_ratio", 13089, 0.1)
BACKUP_RESERVE = _holding("backup_reserve", 13099)
MAX_CHARGE_POWER = _holding("max_charge_power", 33046, 10.0)
MAX_DISCHARGE_POWER = _holding("max_discharge_power", 33047, 10.0)
CHARGE_START_POWER = _holding("charge_start_power", 33148, 10.0)
DISCHARGE_START_POWER = _holding("discharge_start_power", 33149, 10.0)

# Read on their own, slower cycle (holding reads are slow through a WiNet-S).
SETTINGS: tuple[Register, ...] = (
    EMS_MODE,
    FORCED_COMMAND,
    FORCED_POWER,
    MAX_SOC,
    MIN_SOC,
    EXPORT_LIMIT,
    EXPORT_LIMIT_MODE,
    BACKUP_MODE,
    POWER_LIMITATION,
    POWER_LIMITATION_RATIO,
    BACKUP_RESERVE,
    MAX_CHARGE_POWER,
    MAX_DISCHARGE_POWER,
    CHARGE_START_POWER,
    DISCHARGE_START_POWER,
)
SETTING_BY_KEY = {register.key: register for register in SETTINGS}

EMS_MODES: dict[str, int] = {"self_consumption": 0, "forced": 2, "external_ems": 3}
FORCED_COMMANDS: dict[str, int] = {"charge": 0xAA, "discharge": 0xBB, "stop": 0xCC}
EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF = 0xAA, 0x55
# The on/off settings (export limit, backup mode, power limitation): 0xAA on, 0x55 off.
SETTING_ON, SETTING_OFF = 0xAA, 0x55

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
    # Further codes of newer firmware (community map); 0x0000 is not among
    # them: through a WiNet-S on RS firmware the register reads 0 (hidden).
    0x0001: "stop",
    0x0004: "emergency_stop",
    0x0014: "microgrid",
    0x0041: "off_grid_charge",
    0x0080: "derating",
    0x0200: "update_failed",
    0x1111: "uninitialized",
    0x1200: "initial_standby",
    0x1300: "stop",
    0x1400: "standby",
    0x1500: "emergency_stop",
    0x1600: "startup",
    0x1700: "afci_self_test",
    0x1900: "safe_mode",
    0x2000: "open_loop",
    0x2500: "communication_fault",
    0x4001: "emergency_charging",
    0x5500: "fault",
    0x8000: "stop",
    0x8100: "derating",
    0x8200: "dispatch",
    0x9100: "warning",
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


def model_series(device_type: int) -> Series | None:
    """The series of a device-type code; None when unknown."""
    if device_type in _MODELS_RS:
        return Series.RS
    if 0x0E00 <= device_type <= 0x0E13:
        return Series.RT
    if 0x0E20 <= device_type <= 0x0E26:
        return Series.T
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

    @property
    def series(self) -> Series | None:
        """RS, RT or T; None for an unknown model (then every register is read)."""
        return model_series(self.device_type)


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
        return round(value / 10, 2) if value > 100 else value

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
        return self.setting_on("export_limit_mode")

    def setting_on(self, key: str) -> bool | None:
        """An on/off setting (0xAA on, 0x55 off); None for any other value."""
        mode = self.settings.get(key)
        if mode == SETTING_ON:
            return True
        if mode == SETTING_OFF:
            return False
        return None

    @property
    def power_factor(self) -> float | None:
        """Power factor, -1 to 1 (0x7FFF, "not available", is None)."""
        value = self.number("power_factor")
        return value if value is None or -1 <= value <= 1 else None

    @override
    def as_dict(self) -> dict[str, Any]:
        """For diagnostics."""
        return {**super().as_dict(), "settings": dict(self.settings)}


def _option(options: dict[str, int], code: Value | None) -> str | None:
    return next((name for name, value in options.items() if value == code), None)
