"""Talk to a Sungrow SH inverter: identity, telemetry, settings, battery control.

Home-Assistant-free. Implements the `BatteryController` protocol over the
EMS holding registers.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
import logging
import math
import time

from ..battery import BatterySettings, BatteryStatus
from ..errors import DeviceConnectionError, DeviceRejectedError, EnergyHubError
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

# The EMS settings a forced charge or discharge changes, in the order
# `restore` writes them back (leaving forced mode first).
BATTERY_SETTINGS = ("ems_mode", "forced_command", "forced_power")
_MAX_POWER_SETTING = {"charge": "max_charge_power", "discharge": "max_discharge_power"}


class BatteryCommandError(DeviceRejectedError, ValueError):
    """A battery command Energy Hub refuses to send.

    A power that is not a number, not above 0 or above the inverter's
    maximum, or saved settings that lack a value: nothing is written.
    """


@dataclass(frozen=True, slots=True)
class PollStats:
    """Requests of the last poll (telemetry and settings counted apart)."""

    telemetry_requests: int = 0
    settings_requests: int = 0


class SungrowInverter:
    """One Sungrow SH inverter over one Modbus TCP connection."""

    # The inverter acts on a forced command within seconds; a Modbus read is cheap.
    response_time_s = 60.0
    check_interval_s = 30.0

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
        self.series: reg.Series | None = None

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
        identity = SungrowIdentity(serial, device_type)
        self.series = identity.series
        return identity

    async def poll(self, keys: Collection[str] | None = None) -> SungrowData:
        """Read telemetry, and settings when stale.

        Only the registers of the model's series are read, and of those only
        `keys` (the registers enabled entities need; None: all of them).
        """
        telemetry = await self.client.read(reg.telemetry_for(self.series, keys))
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
        if telemetry.values and all(v is None for v in telemetry.values.values()):
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
        await self.set_setting_on("export_limit_mode", enabled)

    async def set_setting_on(self, key: str, on: bool) -> None:
        """Switch an on/off setting (0xAA on, 0x55 off)."""
        await self.write_setting(key, reg.SETTING_ON if on else reg.SETTING_OFF)

    async def force(self, command: str, power_w: float) -> None:
        """Force charge/discharge: power, then command, then EMS mode (that order)."""
        await self.write_setting("forced_power", power_w)
        await self.set_forced_command(command)
        await self.set_ems_mode("forced")

    # BatteryController

    async def read_settings(self) -> BatterySettings:
        """Capture the EMS settings that `apply_*` change (all of them, or raise)."""
        values: dict[str, float] = {}
        for key in BATTERY_SETTINGS:
            value = await self.client.read_value(reg.SETTING_BY_KEY[key])
            if not isinstance(value, (int, float)):
                raise DeviceConnectionError(f"the inverter did not report {key}")
            values[key] = float(value)
        return BatterySettings(values)

    async def max_power(self, command: str) -> float:
        """The battery's maximum power for `command`, as the inverter reports it now.

        Holding 33046 (charge) or 33047 (discharge); an inverter that does not
        report it cannot be driven (no guessed default).
        """
        key = _MAX_POWER_SETTING[command]
        value = await self.client.read_value(reg.SETTING_BY_KEY[key])
        if not isinstance(value, (int, float)) or not 0 < value < math.inf:
            raise DeviceConnectionError(f"the inverter did not report its {key}")
        return float(value)

    async def read_status(self) -> BatteryStatus:
        """State of charge (13022) and battery power (+ discharging), read now."""
        keys = set(reg.entity_registers("battery_power")) | {"battery_soc"}
        result = await self.client.read(reg.telemetry_for(self.series, keys))
        data = SungrowData(values=result.values)
        return BatteryStatus(
            soc_percent=data.number("battery_soc"), power_w=data.battery_power
        )

    async def apply_charge(
        self, target_soc: float, power_w: float | None = None
    ) -> BatterySettings:
        """Charge from the grid now (at the battery's maximum unless given).

        The inverter does not stop at `target_soc` by itself: the caller
        watches the state of charge and calls `hold`.
        """
        if (
            isinstance(target_soc, bool)
            or not isinstance(target_soc, (int, float))
            or not 0 <= target_soc <= 100
        ):
            raise BatteryCommandError(
                f"target state of charge {target_soc!r} is not from 0 to 100 %"
            )
        return await self._apply("charge", power_w)

    async def apply_discharge(self, power_w: float | None = None) -> BatterySettings:
        """Discharge now (at the battery's maximum unless given)."""
        return await self._apply("discharge", power_w)

    async def hold(self) -> BatterySettings:
        """Forced mode with the command "stop": the battery neither charges nor discharges.

        Sungrow has no "charge from PV only" command: a PV surplus is
        exported (or curtailed by the export limit) while held.
        """
        saved = await self.read_settings()
        try:
            await self.set_forced_command("stop")
            await self.set_ems_mode("forced")
        except EnergyHubError as err:
            _LOGGER.warning("Holding the battery failed part-way (%s)", err)
            await self._roll_back("stop", saved)
            raise
        return BatterySettings(
            {
                "ems_mode": float(reg.EMS_MODES["forced"]),
                "forced_command": float(reg.FORCED_COMMANDS["stop"]),
            }
        )

    async def _apply(self, command: str, power_w: float | None) -> BatterySettings:
        """Check the power, then force; roll back if the writes fail part-way.

        `power_w` must be a number with 0 < power <= the maximum the inverter
        reports; nothing is written otherwise. The settings read before the
        writes are put back when one of the three writes fails.
        """
        if power_w is not None and not math.isfinite(power_w):
            raise BatteryCommandError(f"{command} power {power_w} W is not a number")
        maximum = await self.max_power(command)
        power = maximum if power_w is None else power_w
        if not 0 < power <= maximum:
            raise BatteryCommandError(
                f"{command} power {power:g} W is not above 0 and at most"
                f" {maximum:g} W (the inverter's maximum)"
            )
        saved = await self.read_settings()
        try:
            await self.force(command, power)
        except EnergyHubError as err:
            _LOGGER.warning(
                "Forced %s failed part-way (%s); putting the previous settings back",
                command,
                err,
            )
            await self._roll_back(command, saved)
            raise
        return BatterySettings(
            {
                "ems_mode": float(reg.EMS_MODES["forced"]),
                "forced_command": float(reg.FORCED_COMMANDS[command]),
                "forced_power": float(round(power)),
            }
        )

    async def _roll_back(self, command: str, saved: BatterySettings) -> None:
        """Put `saved` back after a failed forced `command`; log what stays wrong."""
        try:
            await self.restore(saved)
        except EnergyHubError as err:
            failure = err
        else:
            return
        _LOGGER.error(
            "Could not put the battery settings back after a failed forced %s: %s;"
            " check the EMS mode on the inverter",
            command,
            failure,
        )

    async def restore(self, settings: BatterySettings) -> None:
        """Leave forced mode first, then put back command and power.

        Every setting must be in `settings` (as `read_settings` returns
        them); nothing is written otherwise. A write that fails does not stop
        the others: as much as possible is put back, then the first error is
        raised.
        """
        values: list[tuple[str, float]] = []
        for key in BATTERY_SETTINGS:
            value = settings.values.get(key)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise BatteryCommandError(
                    f"the saved battery settings have no usable {key} ({value!r})"
                )
            values.append((key, float(value)))
        first_error: EnergyHubError | None = None
        for key, value in values:
            try:
                await self.write_setting(key, value)
            except EnergyHubError as err:
                _LOGGER.warning("Could not put back %s = %g: %s", key, value, err)
                first_error = first_error or err
        if first_error is not None:
            raise first_error
