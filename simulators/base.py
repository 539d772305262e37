"""What every simulator shares: loopback binding, a free port, switchable faults."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

LOOPBACK = "127.0.0.1"


@dataclass
class Faults:
    """Faults a simulator can be told to show; all off by default.

    `offline` closes the listening socket (connections are refused) and
    reopens it on the same port when cleared; the others shape each answer.
    """

    delay_s: float = 0.0  # answer this much later (a slow device)
    http_status: int | None = None  # answer every request with this status (HTTP)
    malformed: bool = False  # answer 200 with a body that is not valid JSON (HTTP)
    extra: dict[str, Any] = field(default_factory=dict)  # simulator-specific faults


@dataclass
class DemoEntry:
    """How `scripts/develop` adds this simulator's device through the config flow.

    `steps` are the form inputs submitted in order after the menu choice
    `source`. `energy` maps Energy-dashboard roles to the `translation_key`
    of the sensor that fills them: energy `grid_import`, `grid_export`,
    `solar`, `battery_in` (charged), `battery_out` (discharged), `gas`;
    power `grid_power` (+ = import), `solar_power`, `battery_power`
    (+ = discharging); `battery_soc`. `after_created` runs once
    the entry exists (a push device starts posting then), with the flow's
    final result and Home Assistant's base URL.
    """

    source: str
    steps: list[dict[str, Any]]
    energy: dict[str, str] = field(default_factory=dict)
    after_created: Callable[[dict[str, Any], str], Awaitable[None]] | None = None


class Simulator(ABC):
    """A device simulator bound to 127.0.0.1 on a free (or given) port."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = 0
        self.faults = Faults()
        self.offline = False

    @abstractmethod
    async def _listen(self, port: int) -> int:
        """Start listening on `port` (0 = any free port); return the port."""

    @abstractmethod
    async def _close(self) -> None:
        """Stop listening and drop open connections."""

    async def start(self, port: int = 0) -> Self:
        """Start serving; `self.port` holds the port afterwards."""
        self.port = await self._listen(port)
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if not self.offline:
            await self._close()

    async def set_offline(self, offline: bool) -> None:
        """Take the device off the network (refused connections) or bring it back."""
        if offline == self.offline:
            return
        self.offline = offline
        if offline:
            await self._close()
        else:
            await self._listen(self.port)

    @property
    def address(self) -> str:
        """`host:port`, as a user would type it into a config flow."""
        return f"{self.host}:{self.port}"

    def demo_entries(self) -> list[DemoEntry]:
        """How the demo adds this device; empty when it is not part of the demo."""
        return []

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
