"""One Modbus TCP device over one connection: paced, batched, self-healing."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
import logging
import math
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from ..errors import DeviceConnectionError, DeviceRejectedError, WriteVerifyError
from .planner import DEFAULT_MAX_BLOCK, DEFAULT_MAX_GAP, Block, plan_blocks
from .registers import Register, Table, Value, decode, encode

_LOGGER = logging.getLogger(__name__)

# Modbus exception codes the client reacts to.
ILLEGAL_ADDRESS = 0x02
DEVICE_FAILURE = 0x04
DEVICE_BUSY = 0x06
_TRANSIENT = frozenset({DEVICE_FAILURE, DEVICE_BUSY})


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How gently to talk to a device.

    `request_delay` is the pause between the end of one request and the
    start of the next (20 ms suits a WiNet-S dongle, 5 ms a LAN port).
    After a failed connect the next attempt may follow at once; after two
    in a row it waits `backoff_initial`, doubling up to `backoff_max`.
    """

    request_delay: float = 0.005
    timeout: float = 1.0
    max_block: int = DEFAULT_MAX_BLOCK
    max_gap: int = DEFAULT_MAX_GAP
    retry_delay: float = 0.5
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


class ModbusExceptionResponse(DeviceRejectedError):
    """The device answered a request with a Modbus exception code."""

    def __init__(self, code: int, what: str) -> None:
        super().__init__(f"{what}: Modbus exception {code:#04x}")
        self.code = code


@dataclass(slots=True)
class ReadResult:
    """Values of one poll: every requested key, None where not available.

    `failed` names the keys whose read failed this time (busy, device
    failure); `disabled` the keys the device refuses and are no longer read.
    """

    values: dict[str, Value | None] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    requests: int = 0


class ModbusDeviceClient:
    """Talk to one unit id behind one host:port, one request at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        unit: int,
        settings: ClientSettings | None = None,
    ) -> None:
        """Prepare the client; it connects on the first request."""
        self.host = host
        self.port = port
        self.unit = unit
        self.settings = settings or ClientSettings()
        self.requests = 0  # requests sent since creation (for statistics)
        self.refused: set[tuple[Table, int]] = set()
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()
        self._last_request = 0.0
        self._failures = 0
        self._next_attempt = 0.0

    @property
    def connected(self) -> bool:
        """Whether the TCP connection is open."""
        return self._client is not None and self._client.connected

    async def close(self) -> None:
        """Close the connection."""
        async with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _connect(self) -> AsyncModbusTcpClient:
        if self._client is not None and self._client.connected:
            return self._client
        self._drop()
        loop = asyncio.get_running_loop()
        if (wait := self._next_attempt - loop.time()) > 0:
            raise DeviceConnectionError(
                f"{self.host}:{self.port} unreachable; next attempt in {wait:.1f} s"
            )
        client = AsyncModbusTcpClient(
            self.host,
            port=self.port,
            timeout=self.settings.timeout,
            retries=0,
            reconnect_delay=0,  # reconnects are ours, with back-off
        )
        try:
            connected = await client.connect()
        except (ModbusException, OSError) as err:
            connected = False
            _LOGGER.debug("Connect to %s:%s failed: %s", self.host, self.port, err)
        if not connected:
            client.close()
            self._failures += 1
            if self._failures > 1:  # the first retry is free, then back off
                backoff = min(
                    self.settings.backoff_max,
                    self.settings.backoff_initial * 2 ** (self._failures - 2),
                )
                self._next_attempt = loop.time() + backoff
            raise DeviceConnectionError(f"cannot connect to {self.host}:{self.port}")
        self._failures = 0
        self._client = client
        return client

    async def _request(
        self, what: str, call: Callable[[AsyncModbusTcpClient], Awaitable[Any]]
    ) -> Any:
        """Send one request; reconnect once if an open connection had dropped."""
        async with self._lock:
            was_open = self.connected
            for attempt in range(2):
                client = await self._connect()
                loop = asyncio.get_running_loop()
                if (
                    pause := self._last_request
                    + self.settings.request_delay
                    - loop.time()
                ) > 0:
                    await asyncio.sleep(pause)
                self.requests += 1
                try:
                    response = await call(client)
                except (ModbusException, OSError, TimeoutError) as err:
                    closed = not client.connected
                    self._drop()
                    if closed and attempt == 0:
                        # Closed under us: a dropped session, or a one-session
                        # dongle still holding the previous one. Reconnect once.
                        _LOGGER.debug("Connection closed (%s); reconnecting", err)
                        if not was_open:
                            await asyncio.sleep(self.settings.retry_delay)
                        continue
                    raise DeviceConnectionError(f"{what}: {err}") from err
                finally:
                    self._last_request = loop.time()
                if response.isError():
                    raise ModbusExceptionResponse(int(response.exception_code), what)
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def read_words(self, table: Table, address: int, count: int) -> list[int]:
        """Read `count` raw registers of `table` from `address`."""
        what = f"read {table} {address}+{count}"
        unit = self.unit
        if table is Table.INPUT:
            response = await self._request(
                what,
                lambda c: c.read_input_registers(address, count=count, device_id=unit),
            )
        else:
            response = await self._request(
                what,
                lambda c: c.read_holding_registers(
                    address, count=count, device_id=unit
                ),
            )
        words: list[int] = list(response.registers)
        if len(words) != count:
            raise DeviceConnectionError(f"{what}: got {len(words)} registers")
        return words

    async def _read_block_retrying(self, block: Block) -> list[int]:
        """Read a block, retrying once after a transient exception (04/06)."""
        try:
            return await self.read_words(block.table, block.start, block.count)
        except ModbusExceptionResponse as err:
            if err.code not in _TRANSIENT:
                raise
        await asyncio.sleep(self.settings.retry_delay)
        return await self.read_words(block.table, block.start, block.count)

    def is_disabled(self, register: Register) -> bool:
        """Whether the device refused this register earlier."""
        return any(
            (register.table, address) in self.refused
            for address in range(register.address, register.end)
        )

    async def read(self, registers: Sequence[Register]) -> ReadResult:
        """Read `registers` in as few requests as allowed.

        An illegal-address answer to a block splits it into single reads
        once; a register the device refuses on its own is disabled (left out
        of later plans) without failing the others. Connection errors raise
        `DeviceConnectionError`.
        """
        start_requests = self.requests
        result = ReadResult()
        for block in plan_blocks(
            registers,
            max_block=self.settings.max_block,
            max_gap=self.settings.max_gap,
            refused=self.refused,
        ):
            try:
                words = await self._read_block_retrying(block)
            except ModbusExceptionResponse as err:
                if err.code == ILLEGAL_ADDRESS and len(block.registers) > 1:
                    await self._read_singly(block, result)
                else:
                    self._mark_failed(block, err, result)
                continue
            for register in block.registers:
                offset = register.address - block.start
                result.values[register.key] = decode(
                    register, words[offset : offset + register.count]
                )
        for register in registers:
            if self.is_disabled(register):
                result.disabled.add(register.key)
            result.values.setdefault(register.key, None)
        result.requests = self.requests - start_requests
        return result

    async def _read_singly(self, block: Block, result: ReadResult) -> None:
        await self._probe_holes(block)
        for register in block.registers:
            single = Block(
                register.table, register.address, register.count, (register,)
            )
            try:
                words = await self._read_block_retrying(single)
            except ModbusExceptionResponse as err:
                self._mark_failed(single, err, result)
                continue
            result.values[register.key] = decode(register, words)

    async def _probe_holes(self, block: Block) -> None:
        """Find refused addresses in the holes a block was merged across.

        Once per refused block: holes answering 02 are remembered, so later
        plans split there and the block costs two requests, not a split.
        """
        covered = {a for r in block.registers for a in range(r.address, r.end)}
        hole_start: int | None = None
        for address in range(block.start, block.end + 1):
            in_hole = address < block.end and address not in covered
            if in_hole and hole_start is None:
                hole_start = address
            elif not in_hole and hole_start is not None:
                try:
                    await self.read_words(block.table, hole_start, address - hole_start)
                except ModbusExceptionResponse as err:
                    if err.code == ILLEGAL_ADDRESS:
                        self.refused.update(
                            (block.table, a) for a in range(hole_start, address)
                        )
                hole_start = None

    def _mark_failed(
        self, block: Block, err: ModbusExceptionResponse, result: ReadResult
    ) -> None:
        for register in block.registers:
            result.values[register.key] = None
            if err.code == ILLEGAL_ADDRESS:
                _LOGGER.info(
                    "%s:%s refuses register %s (%s %s); no longer reading it",
                    self.host,
                    self.port,
                    register.key,
                    register.table,
                    register.address,
                )
                self.refused.update(
                    (register.table, a) for a in range(register.address, register.end)
                )
            else:
                result.failed.add(register.key)

    async def read_value(self, register: Register) -> Value | None:
        """Read one register now (retrying once if the device is busy)."""
        block = Block(register.table, register.address, register.count, (register,))
        return decode(register, await self._read_block_retrying(block))

    async def write(
        self, register: Register, value: float, *, verify: bool = True
    ) -> None:
        """Write a holding register, then read it back to confirm it took."""
        if register.table is not Table.HOLDING:
            raise ValueError(f"{register.key} is not a holding register")
        words = encode(register, value)
        what = f"write {register.key}={value}"
        unit = self.unit
        if len(words) == 1:
            await self._request(
                what,
                lambda c: c.write_register(register.address, words[0], device_id=unit),
            )
        else:
            await self._request(
                what,
                lambda c: c.write_registers(register.address, words, device_id=unit),
            )
        if not verify:
            return
        confirmed = await self.read_value(register)
        tolerance = abs(register.scale) / 2
        if not isinstance(confirmed, (int, float)) or not math.isclose(
            confirmed, value, abs_tol=tolerance
        ):
            raise WriteVerifyError(
                f"{register.key}: wrote {value}, read back {confirmed}"
            )
