"""Talk to a Sungrow SH inverter: identity, telemetry, settings, battery control.

Home-Assistant-free. Implements the `BatteryController` protocol over the
EMS holding registers.
"""

from dataclasses import dataclass
from enum import StrEnum
import logging
import time

from ..battery import BatterySettings
from ..errors import DeviceConnectionError, DeviceRejectedError
from ..modbus.client import ClientSettings, ModbusDeviceClient, ReadResult
from ..modbus.registers import Value
from . import registers as reg
from .registers import SungrowData, SungrowIdentity

_LOGGER = logging.getLogger(__name__)


class Connection(StrEnum):
    """How the inverter is reached; decides pacing and block size."""

    WINET = "winet"  # WiNet-S dongle: one session, slow holding reads
    LAN = "lan"  # the inverter's own LAN port


CLIENT_SETTINGS: dict[Connection, ClientSettings] = {
    Connection.WINET: ClientSettings(request_delay=0.02, max_block=80),
    Connection.LAN: ClientSettings(request_delay=0.005, max_block=100),
}

# Settings are re-read at most this often unless a write made them stale.
SETTINGS_MAX_AGE_S = 60.0


@dataclass(frozen=True, slots=True)
class PollStats:
    """Requests of the last poll (telemetry and settings counted apart)."""

    telemetry_requests: int = 0
    settings_requests: int = 0


class SungrowInverter:
    """One Sungrow SH inverter over one Modbus TCP connection."""

    def __init__(
        self,
        host: str,
        port: int,
        unit: int,
        connection: Connection,
        settings: ClientSettings | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until the first call."""
        self.client = ModbusDeviceClient(
            host, port, unit, settings or CLIENT_SETTINGS[connection]
        )
        self.stats = PollStats()
        self._settings: dict[str, Value | None] = {}
        self._settings_read_at: float | None = None

    async def close(self) -> None:
        """Close the connection."""
        await self.client.close()

    async def identify(self) -> SungrowIdentity:
        """Read serial number and device type (raises if the device cannot tell)."""
        result = await self.client.read(reg.IDENTITY)
        serial, device_type = result.values["serial"], result.values["device_type"]
        if not isinstance(serial, str) or not isinstance(device_type, int):
            raise DeviceRejectedError(
                "the device did not report a Sungrow serial and type"
            )
        return SungrowIdentity(serial, device_type)

    async def poll(self) -> SungrowData:
        """Read telemetry, and settings when stale."""
        telemetry = await self.client.read(reg.TELEMETRY)
        self._log_failures(telemetry)
        settings_requests = 0
        now = time.monotonic()
        if (
            self._settings_read_at is None
            or now - self._settings_read_at > SETTINGS_MAX_AGE_S
        ):
            settings = await self.client.read(reg.SETTINGS)
            self._log_failures(settings)
            settings_requests = settings.requests
            self._settings = dict(settings.values)
            # After a transient failure (busy, 04) try again next poll.
            self._settings_read_at = None if settings.failed else now
        if all(value is None for value in telemetry.values.values()):
            raise DeviceConnectionError("the inverter answered no telemetry")
        self.stats = PollStats(telemetry.requests, settings_requests)
        return SungrowData(
            values=telemetry.values,
            settings=dict(self._settings),
            disabled=frozenset(telemetry.disabled),
        )

    def _log_failures(self, result: ReadResult) -> None:
        if result.failed:
            _LOGGER.debug(
                "Registers not read this time: %s", ", ".join(sorted(result.failed))
            )

    async def write_setting(self, key: str, value: float) -> None:
        """Write one setting, read it back, and re-read settings next poll."""
        self._settings_read_at = None
        await self.client.write(reg.SETTING_BY_KEY[key], value)

    async def set_ems_mode(self, mode: str) -> None:
        """Select the EMS mode by option id."""
        await self.write_setting("ems_mode", reg.EMS_MODES[mode])

    async def set_forced_command(self, command: str) -> None:
        """Select the forced charge/discharge command by option id."""
        await self.write_setting("forced_command", reg.FORCED_COMMANDS[command])

    async def set_export_limit_enabled(self, enabled: bool) -> None:
        """Enforce the export power limit or not."""
        await self.write_setting(
            "export_limit_mode",
            reg.EXPORT_LIMIT_ON if enabled else reg.EXPORT_LIMIT_OFF,
        )

    async def force(self, command: str, power_w: float) -> None:
        """Force charge/discharge: power, then command, then EMS mode (that order)."""
        await self.write_setting("forced_power", power_w)
        await self.set_forced_command(command)
        await self.set_ems_mode("forced")

    # BatteryController

    async def read_settings(self) -> BatterySettings:
        """Capture the EMS settings that `apply_*` change."""
        values = {}
        for key in ("ems_mode", "forced_command", "forced_power"):
            values[key] = await self.client.read_value(reg.SETTING_BY_KEY[key])
        return BatterySettings(values)

    async def _max_power(self, key: str) -> float:
        value = await self.client.read_value(reg.SETTING_BY_KEY[key])
        return float(value) if isinstance(value, (int, float)) and value > 0 else 5000.0

    async def apply_charge(self, power_w: float | None = None) -> None:
        """Charge from the grid now (at the battery's maximum unless given)."""
        await self.force("charge", power_w or await self._max_power("max_charge_power"))

    async def apply_discharge(self, power_w: float | None = None) -> None:
        """Discharge now (at the battery's maximum unless given)."""
        await self.force(
            "discharge", power_w or await self._max_power("max_discharge_power")
        )

    async def restore(self, settings: BatterySettings) -> None:
        """Leave forced mode first, then put back command and power."""
        for key in ("ems_mode", "forced_command", "forced_power"):
            value = settings.values.get(key)
            if isinstance(value, (int, float)):
                await self.write_setting(key, value)
