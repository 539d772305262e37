"""Modbus TCP simulators on pymodbus's server: Sungrow SH inverter, DIN-rail meters.

The meter simulator serves an ABB B23 on unit 1 and a Schneider iEM3155 on unit 2.

Register images follow `docs/sungrow-registers.md` and
`docs/meter-registers.md` (wire addresses; Sungrow 32-bit values low word
first, meters high word first). Values evolve with simulated time: `time_scale`
simulated seconds pass per real second, and `hour` pins the time of day of
the PV curve (None = the real local time).

Faults, in `faults.extra` (see the `FAULT_*` names) besides `faults.delay_s`
(slow answers) and `set_offline()`:
- `illegal_address`: set of ("input" | "holding", address) answered with 02;
- `busy`: number of next requests answered 06 (slave busy);
- `device_failure`: number of next requests answered 04;
- `drop_connection`: close the connection instead of answering the next request;
- `garbage`: answer reads with random register values;
- `ignore_writes`: acknowledge writes without applying them;
- `refuse_writes`: set of holding addresses whose writes are answered with
  04 (device failure) and not applied, e.g. the second write of a sequence;
- `single_session`: refuse a second TCP connection (WiNet-S; on by default
  for the Sungrow simulator).
The Sungrow refuses (04) a forced power above its battery's rated power
(`model.max_battery_w`, 5 kW), as it refuses any out-of-range setting.
`winet_rs = True` shows the WiNet-S / RS-firmware quirks: running state and
power-flow bits read 0 and the signed battery power at 5213 is refused. Only
unit 1 answers (the SBR battery at unit 200 is not reachable, as through a
WiNet-S). Daily counters reset at the simulated midnight.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import datetime as dt
import math
import random
import struct
import time
from typing import Any, override

from pymodbus.constants import ExcCodes
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler
from pymodbus.simulator import DataType, SimData, SimDevice

from .base import DemoEntry, Simulator

FAULT_ILLEGAL_ADDRESS = "illegal_address"
FAULT_BUSY = "busy"
FAULT_DEVICE_FAILURE = "device_failure"
FAULT_DROP_CONNECTION = "drop_connection"
FAULT_GARBAGE = "garbage"
FAULT_SINGLE_SESSION = "single_session"
FAULT_IGNORE_WRITES = "ignore_writes"
FAULT_REFUSE_WRITES = "refuse_writes"

_READ_CODES = {3: "holding", 4: "input"}
_WRITE_CODES = {6, 16}

type Image = dict[int, int]


def _words(fmt: str, value: float, *, low_first: bool) -> list[int]:
    raw = struct.pack(f">{fmt}", value)
    words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return words[::-1] if low_first else words


def _put(image: Image, address: int, words: list[int]) -> None:
    for offset, word in enumerate(words):
        image[address + offset] = word


class _Handler(ServerRequestHandler):
    """A connection, closed at once if the device allows one session (WiNet-S)."""

    @override
    def callback_connected(self) -> None:
        super().callback_connected()
        server: _Server = self.server
        others = [c for c in server.active_connections.values() if c is not self]
        if server.simulator.faults.extra.get(FAULT_SINGLE_SESSION) and others:
            server.simulator.refused_connections += 1
            self.close()


class _Server(ModbusTcpServer):
    simulator: ModbusSimulator

    @override
    def callback_new_connection(self) -> _Handler:
        return _Handler(self, self.trace_packet, self.trace_pdu, self.trace_connect)  # type: ignore[no-untyped-call]


@dataclass
class _Unit:
    """One simulated unit id: holding settings plus a function making the input image."""

    holding: Image
    input_image: Callable[[], Image]
    holding_image: Callable[[], Image] | None = None
    validate: Callable[[int, int], bool] = lambda _address, _value: True
    regions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


class ModbusSimulator(Simulator):
    """A pymodbus TCP server whose units are described by `_units()`."""

    name = "modbus"

    def __init__(self) -> None:
        super().__init__()
        self.server: _Server | None = None
        self.requests = 0  # Modbus requests answered or refused, for benchmarks
        self.refused_connections = 0
        self.writes: list[tuple[int, list[int]]] = []  # (address, values) applied
        self.units: dict[int, _Unit] = {}

    def _device(self, unit_id: int, unit: _Unit) -> SimDevice:
        tables: dict[str, list[SimData]] = {}
        for table, regions in unit.regions.items():
            tables[table] = [
                SimData(address=start, count=count, values=0, datatype=DataType.UINT16)
                for start, count in regions
            ]
        # pymodbus needs every table non-empty; these placeholders are never read.
        coils = [SimData(address=0, values=[False] * 16, datatype=DataType.BITS)]
        placeholder = [SimData(address=0, values=0, datatype=DataType.UINT16)]

        async def action(  # noqa: PLR0917 - pymodbus's signature
            function_code: int,
            start_address: int,
            address: int,
            count: int,
            registers: list[int],
            set_values: list[int] | list[bool] | None,
        ) -> ExcCodes | None:
            return await self._action(
                unit,
                function_code,
                start_address,
                address,
                count,
                registers,
                set_values,
            )

        return SimDevice(
            id=unit_id,
            simdata=(
                coils,
                coils,
                tables.get("holding", placeholder),
                tables.get("input", placeholder),
            ),
            action=action,
        )

    async def _action(  # noqa: PLR0917
        self,
        unit: _Unit,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        self.requests += 1
        extra = self.faults.extra
        if self.faults.delay_s:
            await asyncio.sleep(self.faults.delay_s)
        if extra.get(FAULT_DROP_CONNECTION):
            extra[FAULT_DROP_CONNECTION] = False
            if self.server is not None:
                for connection in list(self.server.active_connections.values()):
                    connection.close()
            return ExcCodes.DEVICE_FAILURE
        for fault, code in (
            (FAULT_BUSY, ExcCodes.DEVICE_BUSY),
            (FAULT_DEVICE_FAILURE, ExcCodes.DEVICE_FAILURE),
        ):
            if extra.get(fault, 0) > 0:
                extra[fault] -= 1
                return code
        table = "input" if function_code == 4 else "holding"
        refused = extra.get(FAULT_ILLEGAL_ADDRESS, set()) | self.hidden()
        if any((table, a) in refused for a in range(address, address + count)):
            return ExcCodes.ILLEGAL_ADDRESS
        if function_code in _WRITE_CODES and set_values is not None:
            refused_writes = extra.get(FAULT_REFUSE_WRITES, set())
            if any(address + i in refused_writes for i in range(len(set_values))):
                return ExcCodes.DEVICE_FAILURE
            for offset, value in enumerate(set_values):
                if not unit.validate(address + offset, int(value)):
                    return ExcCodes.DEVICE_FAILURE  # out-of-range writes answer 04
            if extra.get(FAULT_IGNORE_WRITES):
                return None  # acknowledged; the next read shows the old value
            self.writes.append((address, [int(v) for v in set_values]))
            for offset, value in enumerate(set_values):
                unit.holding[address + offset] = int(value)
            self.on_write(unit)
            return None
        if table == "input":
            image = unit.input_image()
        else:
            image = unit.holding_image() if unit.holding_image else unit.holding
        for reg_address, word in image.items():
            index = reg_address - start_address
            if 0 <= index < len(registers):
                registers[index] = word & 0xFFFF
        return None

    def hidden(self) -> set[tuple[str, int]]:
        """Registers this device refuses whatever the faults say."""
        return set()

    def on_write(self, unit: _Unit) -> None:
        """React to a write into `unit`'s holding registers."""

    def _trace_pdu(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if sending and self.faults.extra.get(FAULT_GARBAGE) and pdu.registers:
            pdu.registers = [random.randrange(0x10000) for _ in pdu.registers]
        return pdu

    @override
    async def _listen(self, port: int) -> int:
        server = _Server(
            [self._device(unit_id, unit) for unit_id, unit in self.units.items()],
            address=(self.host, port),
            trace_pdu=self._trace_pdu,
        )
        server.simulator = self
        await server.serve_forever(background=True)
        self.server = server
        sockets = getattr(server.transport, "sockets", None)
        if not sockets:
            raise RuntimeError(f"{self.name} simulator did not start")
        return int(sockets[0].getsockname()[1])

    @override
    async def _close(self) -> None:
        if self.server is not None:
            for connection in list(self.server.active_connections.values()):
                connection.close()
            await self.server.shutdown()  # type: ignore[no-untyped-call]
            self.server = None


# --- Sungrow SH hybrid inverter --------------------------------------------

EMS_SELF_CONSUMPTION, EMS_FORCED, EMS_EXTERNAL = 0, 2, 3
CMD_CHARGE, CMD_DISCHARGE, CMD_STOP = 0xAA, 0xBB, 0xCC
EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF = 0xAA, 0x55

H_EMS_MODE = 13049
H_COMMAND = 13050
H_FORCED_POWER = 13051
H_MAX_SOC = 13057
H_MIN_SOC = 13058
H_EXPORT_LIMIT = 13073
H_EXPORT_LIMIT_MODE = 13086
H_BACKUP_MODE = 13074
H_POWER_LIMITATION = 13088
H_POWER_LIMITATION_RATIO = 13089
H_BACKUP_RESERVE = 13099
H_MAX_CHARGE = 33046
H_MAX_DISCHARGE = 33047
H_CHARGE_START = 33148
H_DISCHARGE_START = 33149

_SUNGROW_LIMITS: dict[int, Callable[[int], bool]] = {
    H_EMS_MODE: lambda v: v in (EMS_SELF_CONSUMPTION, EMS_FORCED, EMS_EXTERNAL),
    H_COMMAND: lambda v: v in (CMD_CHARGE, CMD_DISCHARGE, CMD_STOP),
    H_FORCED_POWER: lambda v: 0 <= v <= 10000,
    H_MAX_SOC: lambda v: 500 <= v <= 1000,
    H_MIN_SOC: lambda v: 0 <= v <= 500,
    H_EXPORT_LIMIT: lambda v: 0 <= v <= 30000,
    H_EXPORT_LIMIT_MODE: lambda v: v in (EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF),
    H_BACKUP_RESERVE: lambda v: 0 <= v <= 100,
    H_BACKUP_MODE: lambda v: v in (EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF),
    H_POWER_LIMITATION: lambda v: v in (EXPORT_LIMIT_ON, EXPORT_LIMIT_OFF),
    H_POWER_LIMITATION_RATIO: lambda v: 0 <= v <= 1000,
    H_MAX_CHARGE: lambda v: 0 <= v <= 3000,
    H_MAX_DISCHARGE: lambda v: 0 <= v <= 3000,
    H_CHARGE_START: lambda v: 0 <= v <= 100,
    H_DISCHARGE_START: lambda v: 0 <= v <= 100,
}


def _sungrow_write_allowed(address: int, value: int) -> bool:
    check = _SUNGROW_LIMITS.get(address)
    return check is None or check(value)


@dataclass
class SungrowModel:
    """The inverter's physics, advanced in simulated seconds."""

    pv_peak_w: float = 6000.0
    capacity_wh: float = 9600.0
    max_battery_w: float = 5000.0
    soc: float = 50.0  # %
    load_w: float = 450.0
    pv_w: float = 0.0
    battery_w: float = 0.0  # + discharge, - charge
    grid_w: float = 0.0  # + import, - export
    # Energy counters in Wh (lifetime) and Wh since midnight (daily):
    # "pv_export" is the PV share of the export, "charge_pv" the battery's
    # charge from PV, "direct" PV used by the house at once, "output" the
    # inverter's AC output (PV and battery).
    totals: dict[str, float] = field(
        default_factory=lambda: {
            "pv": 8_123_400.0,
            "import": 3_456_700.0,
            "export": 4_567_800.0,
            "charge": 1_234_500.0,
            "discharge": 1_111_100.0,
            "pv_export": 4_500_000.0,
            "charge_pv": 1_200_000.0,
            "direct": 2_400_000.0,
            "output": 9_000_000.0,
        }
    )
    daily: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "pv",
                "import",
                "export",
                "charge",
                "discharge",
                "pv_export",
                "charge_pv",
                "direct",
                "output",
            ),
            0.0,
        )
    )


class SungrowSimulator(ModbusSimulator):
    """A Sungrow SH10RT on unit 1 (LAN port or WiNet-S dongle)."""

    name = "sungrow"
    STEP_S = 0.5
    serial = "A2231234567"
    device_type = 0x0E03  # SH10RT

    def __init__(self) -> None:
        super().__init__()
        self.model = SungrowModel()
        self.time_scale = 1.0
        self.hour: float | None = None
        self.winet_rs = False
        self.faults.extra[FAULT_SINGLE_SESSION] = True
        self._last = time.monotonic()
        self._sim_seconds = 0.0
        self._day = self._now().date()
        holding: Image = dict.fromkeys(range(13049, 13100), 0)
        holding.update(
            {
                H_EMS_MODE: EMS_SELF_CONSUMPTION,
                H_COMMAND: CMD_STOP,
                H_FORCED_POWER: 0,
                H_MAX_SOC: 1000,
                H_MIN_SOC: 100,
                H_EXPORT_LIMIT: 10000,
                H_EXPORT_LIMIT_MODE: EXPORT_LIMIT_OFF,
                H_BACKUP_RESERVE: 10,
                H_MAX_CHARGE: 500,
                H_MAX_DISCHARGE: 500,
                H_BACKUP_MODE: EXPORT_LIMIT_ON,
                H_POWER_LIMITATION: EXPORT_LIMIT_OFF,
                H_POWER_LIMITATION_RATIO: 1000,
                H_CHARGE_START: 10,
                H_DISCHARGE_START: 10,
            }
        )
        self.units[1] = _Unit(
            holding=holding,
            input_image=self._input_image,
            validate=self._write_allowed,
            regions={
                "input": [
                    (4989, 62),
                    (5200, 20),
                    (5600, 46),
                    (5722, 24),
                    (12999, 101),
                ],
                "holding": [(13049, 51), (33046, 2), (33148, 2)],
            },
        )
        self.advance(force=True)  # a consistent first moment

    def _write_allowed(self, address: int, value: int) -> bool:
        # A forced power above the battery's rated power is refused (04), as
        # the inverter refuses any out-of-range setting.
        if address == H_FORCED_POWER and value > self.model.max_battery_w:
            return False
        return _sungrow_write_allowed(address, value)

    @override
    def hidden(self) -> set[tuple[str, int]]:
        # The WiNet-S does not forward insulation resistance; RS firmware behind
        # it has no signed battery power.
        hidden = {("input", 5070)}
        if self.winet_rs:
            hidden |= {("input", 5213), ("input", 5214)}
        return hidden

    @property
    def holding(self) -> Image:
        """The inverter's settings (holding registers), by wire address."""
        return self.units[1].holding

    @override
    def on_write(self, unit: _Unit) -> None:
        self.advance(force=True)

    def _now(self) -> dt.datetime:
        """Simulated local time (the PV curve follows local daylight)."""
        return dt.datetime.now() + dt.timedelta(seconds=self._sim_seconds)

    def _hour_now(self) -> float:
        if self.hour is not None:
            return self.hour
        now = self._now()
        return now.hour + now.minute / 60

    def advance(self, *, force: bool = False) -> None:
        """Move the model on by the simulated time since the last step.

        Steps are at least `STEP_S` apart (unless forced by a write), so the
        blocks of one poll show one consistent moment.
        """
        now = time.monotonic()
        if not force and now - self._last < self.STEP_S:
            return
        seconds = (now - self._last) * self.time_scale
        self._last = now
        self._sim_seconds += seconds
        m = self.model
        if self.hour is None and (today := self._now().date()) != self._day:
            self._day = today
            m.daily = dict.fromkeys(m.daily, 0.0)  # the inverter's midnight
        h = self.holding
        daylight = max(0.0, math.sin(math.pi * (self._hour_now() - 6.0) / 14.0))
        m.pv_w = m.pv_peak_w * daylight * random.uniform(0.9, 1.0)
        m.load_w = max(150.0, m.load_w + random.uniform(-40, 40))
        max_charge = min(m.max_battery_w, h[H_MAX_CHARGE] * 10)
        max_discharge = min(m.max_battery_w, h[H_MAX_DISCHARGE] * 10)
        max_soc, min_soc = h[H_MAX_SOC] / 10, h[H_MIN_SOC] / 10
        min_soc = max(min_soc, float(h[H_BACKUP_RESERVE]))
        if h[H_EMS_MODE] == EMS_FORCED:
            power = min(float(h[H_FORCED_POWER]), m.max_battery_w)
            battery = {CMD_CHARGE: -power, CMD_DISCHARGE: power}.get(h[H_COMMAND], 0.0)
        elif h[H_EMS_MODE] == EMS_EXTERNAL:
            battery = 0.0
        else:
            battery = m.load_w - m.pv_w
        battery = max(-max_charge, min(max_discharge, battery))
        if (battery < 0 and m.soc >= max_soc) or (battery > 0 and m.soc <= min_soc):
            battery = 0.0
        grid = m.load_w - m.pv_w - battery
        if h[H_EXPORT_LIMIT_MODE] == EXPORT_LIMIT_ON and -grid > h[H_EXPORT_LIMIT]:
            m.pv_w -= -grid - h[H_EXPORT_LIMIT]  # curtail PV to the limit
            grid = -float(h[H_EXPORT_LIMIT])
        m.battery_w, m.grid_w = battery, grid
        m.soc = min(
            100.0, max(0.0, m.soc - battery * seconds / 3600 / m.capacity_wh * 100)
        )
        hours = seconds / 3600
        export, charge = max(-grid, 0.0), max(-battery, 0.0)
        for key, watts in (
            ("pv", m.pv_w),
            ("import", max(grid, 0.0)),
            ("export", export),
            ("charge", charge),
            ("discharge", max(battery, 0.0)),
            ("pv_export", min(export, m.pv_w)),
            ("charge_pv", min(charge, m.pv_w)),
            ("direct", max(0.0, min(m.load_w, m.pv_w - charge - export))),
            ("output", max(0.0, m.pv_w - charge + max(battery, 0.0))),
        ):
            m.totals[key] += watts * hours
            m.daily[key] += watts * hours

    def _input_image(self) -> Image:
        self.advance()
        m = self.model
        image: Image = {}
        serial = self.serial.encode().ljust(20, b"\0")
        _put(
            image,
            4989,
            [int.from_bytes(serial[i : i + 2], "big") for i in range(0, 20, 2)],
        )
        image[4999] = self.device_type
        tenths = {key: round(value / 100) for key, value in m.totals.items()}
        daily = {key: round(value / 100) for key, value in m.daily.items()}
        image[5000] = 100  # nominal 10.0 kW
        image[5002] = daily["output"]
        _put(image, 5003, _words("I", tenths["output"], low_first=True))
        image[5007] = 400 + random.randint(-5, 5)  # 40.0 °C
        mppt = m.pv_w / 2
        for address, volts in ((5010, 380.0), (5012, 365.0)):
            voltage = volts if m.pv_w > 0 else 0.0
            image[address] = round(voltage * 10)
            image[address + 1] = round(mppt / voltage * 10) if voltage else 0
        image[5014] = image[5015] = 0  # the SH10RT has two MPPT trackers
        _put(image, 5016, _words("I", round(m.pv_w), low_first=True))
        phase_volts = [round(random.uniform(228, 234) * 10) for _ in range(3)]
        for address, voltage in zip((5018, 5019, 5020), phase_volts, strict=True):
            image[address] = voltage
        output_w = m.pv_w + m.battery_w  # the inverter's AC side
        _put(image, 5032, _words("i", -120, low_first=True))  # -120 var
        image[5034] = _words("h", 985, low_first=True)[0]  # 0.985
        image[5035] = 500  # 50.0 Hz
        _put(image, 5213, _words("i", round(m.battery_w), low_first=True))
        _put(image, 5600, _words("i", round(m.grid_w), low_first=True))
        for address in (5602, 5604, 5606):
            _put(image, address, _words("i", round(m.grid_w / 3), low_first=True))
        image[5621], image[5622] = 0, 1000  # export limit range 0-10 kW
        image[5627] = 50  # BDC rated power 5.0 kW
        image[5630] = _words("h", round(-m.battery_w / 39.5), low_first=True)[0]
        image[5634], image[5635] = 25, 25  # BMS limits, A
        image[5638] = round(m.capacity_wh / 10)  # 0.01 kWh
        backup_w = [round(m.load_w / 10)] * 3  # the backup circuit's share
        for address, watts in zip((5722, 5723, 5724), backup_w, strict=True):
            image[address] = _words("h", watts, low_first=True)[0]
        _put(image, 5725, _words("i", sum(backup_w), low_first=True))
        for offset, voltage in enumerate(phase_volts):
            image[5740 + offset] = _words("h", voltage, low_first=True)[0]
            amps = abs(m.grid_w) / 3 / (voltage / 10)
            image[5743 + offset] = round(amps * 100)
        flow = (m.pv_w > 0) | (m.battery_w < 0) << 1 | (m.battery_w > 0) << 2
        flow |= (m.grid_w < 0) << 4 | (m.grid_w > 0) << 5
        image[12999] = 0 if self.winet_rs else 0x0040  # running
        image[13000] = 0 if self.winet_rs else flow
        image[13001] = daily["pv"]
        _put(image, 13002, _words("I", tenths["pv"], low_first=True))
        image[13004] = daily["pv_export"]
        _put(image, 13005, _words("I", tenths["pv_export"], low_first=True))
        image[13011] = daily["charge_pv"]
        _put(image, 13012, _words("I", tenths["charge_pv"], low_first=True))
        image[13016] = daily["direct"]
        _put(image, 13017, _words("I", tenths["direct"], low_first=True))
        _put(image, 13007, _words("i", round(m.load_w), low_first=True))
        _put(image, 13009, _words("i", round(-m.grid_w), low_first=True))
        image[13019] = round(random.uniform(390, 400) * 10)
        image[13020] = _words("h", round(-m.battery_w / 39.5), low_first=True)[0]
        image[13021] = round(abs(m.battery_w))  # older firmware: magnitude only
        image[13022] = round(m.soc * 10)
        image[13023] = 985
        image[13024] = 245
        image[13025] = daily["discharge"]
        _put(image, 13026, _words("I", tenths["discharge"], low_first=True))
        for offset, voltage in enumerate(phase_volts):
            amps = output_w / 3 / (voltage / 10)
            image[13030 + offset] = _words("h", round(amps * 10), low_first=True)[0]
        _put(image, 13033, _words("i", round(output_w), low_first=True))
        image[13035] = daily["import"]
        _put(image, 13036, _words("I", tenths["import"], low_first=True))
        image[13039] = daily["charge"]
        _put(image, 13040, _words("I", tenths["charge"], low_first=True))
        image[13044] = daily["export"]
        _put(image, 13045, _words("I", tenths["export"], low_first=True))
        return image

    @override
    def demo_entries(self) -> list[DemoEntry]:
        return [
            DemoEntry(
                source="sungrow",
                steps=[
                    {
                        "host": self.host,
                        "port": self.port,
                        "unit_id": 1,
                        "connection": "lan",
                    }
                ],
                energy={
                    "grid_import": "grid_import_total",
                    "grid_export": "grid_export_total",
                    "solar": "pv_energy_total",
                    "battery_in": "battery_charge_total",
                    "battery_out": "battery_discharge_total",
                    "grid_power": "grid_power",
                    "solar_power": "pv_power",
                    "battery_power": "battery_power",
                    "battery_soc": "battery_soc",
                },
            )
        ]


# --- DIN-rail meters ---------------------------------------------------------

ABB_UNIT = 1
IEM_UNIT = 2


@dataclass
class MeterModel:
    """One three-phase meter's readings."""

    power_w: float = 1800.0  # + import
    import_wh: float = 12_345_678.0
    export_wh: float = 2_345_678.0
    volts: tuple[float, float, float] = (230.4, 231.0, 229.8)
    frequency: float = 50.0
    power_factor: float = 0.95
    last: float = field(default_factory=time.monotonic)
    held: bool = False  # readings stay as set (a steady load), for exact checks

    def advance(self, time_scale: float) -> None:
        """Step at most every 0.5 s, so the blocks of one poll agree."""
        now = time.monotonic()
        if self.held or now - self.last < 0.5:
            return
        hours = (now - self.last) * time_scale / 3600
        self.last = now
        self.power_w = max(
            -4000.0, min(8000.0, self.power_w + random.uniform(-150, 150))
        )
        if self.power_w >= 0:
            self.import_wh += self.power_w * hours
        else:
            self.export_wh -= self.power_w * hours

    def currents(self) -> list[float]:
        return [abs(self.power_w) / 3 / v / self.power_factor for v in self.volts]


class MeterSimulator(ModbusSimulator):
    """ABB B23 on unit 1 and Schneider iEM3155 on unit 2, on one Modbus TCP gateway."""

    name = "modbus_meter"
    abb_serial = 22105432

    def __init__(self) -> None:
        super().__init__()
        self.time_scale = 1.0
        self.abb = MeterModel()
        self.iem = MeterModel(power_w=2500.0, import_wh=9_876_543.0, export_wh=1_234.0)
        self.units[ABB_UNIT] = _Unit(
            holding={},
            input_image=dict,
            holding_image=self._abb_image,
            validate=lambda _a, _v: False,  # read-only
            regions={
                "holding": [(0x5000, 8), (0x5460, 24), (0x5B00, 0x40), (0x8900, 2)]
            },
        )
        self.units[IEM_UNIT] = _Unit(
            holding={},
            input_image=dict,
            holding_image=self._iem_image,
            validate=lambda _a, _v: False,  # "Com. Protection" refuses writes
            regions={"holding": [(2999, 112), (3203, 8), (3517, 12)]},
        )

    def _abb_image(self) -> Image:
        m = self.abb
        m.advance(self.time_scale)
        image: Image = {}
        _put(image, 0x5000, _words("Q", round(m.import_wh / 10), low_first=False))
        _put(image, 0x5004, _words("Q", round(m.export_wh / 10), low_first=False))
        for i, volts in enumerate(m.volts):
            _put(image, 0x5B00 + 2 * i, _words("I", round(volts * 10), low_first=False))
        for i, amps in enumerate(m.currents()):
            _put(image, 0x5B0C + 2 * i, _words("I", round(amps * 100), low_first=False))
        _put(image, 0x5B14, _words("i", round(m.power_w * 100), low_first=False))
        for i in range(3):
            _put(
                image,
                0x5B16 + 2 * i,
                _words("i", round(m.power_w * 100 / 3), low_first=False),
            )
        image[0x5B2C] = round(m.frequency * 100)
        for address in range(0x5B3A, 0x5B3E):
            image[address] = _words("h", round(m.power_factor * 1000), low_first=False)[
                0
            ]
        _put(image, 0x8900, _words("I", self.abb_serial, low_first=False))
        return image

    def _iem_image(self) -> Image:
        m = self.iem
        m.advance(self.time_scale)
        image: Image = {}
        for i, amps in enumerate(m.currents()):
            _put(image, 2999 + 2 * i, _words("f", amps, low_first=False))
        for i, volts in enumerate(m.volts):
            _put(image, 3027 + 2 * i, _words("f", volts, low_first=False))
        for i in range(3):
            _put(image, 3053 + 2 * i, _words("f", m.power_w / 3000, low_first=False))
        _put(image, 3059, _words("f", m.power_w / 1000, low_first=False))
        _put(image, 3083, _words("f", m.power_factor, low_first=False))
        _put(image, 3109, _words("f", m.frequency, low_first=False))
        _put(image, 3203, _words("q", round(m.import_wh), low_first=False))
        _put(image, 3207, _words("q", round(m.export_wh), low_first=False))
        return image

    @override
    def demo_entries(self) -> list[DemoEntry]:
        common: dict[str, Any] = {"host": self.host, "port": self.port}
        return [
            DemoEntry(
                source="modbus_meter",
                steps=[
                    {
                        **common,
                        "unit_id": ABB_UNIT,
                        "preset": "abb_b23",
                        "meter_type": "grid",
                    }
                ],
                energy={
                    "grid_import": "meter_grid_energy_import",
                    "grid_export": "meter_grid_energy_export",
                },
            ),
            DemoEntry(
                source="modbus_meter",
                steps=[
                    {
                        **common,
                        "unit_id": IEM_UNIT,
                        "preset": "iem3000",
                        "meter_type": "solar",
                    }
                ],
                energy={"solar": "meter_solar_energy_produced"},
            ),
        ]
