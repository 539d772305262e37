"""Coordinators of the Powerwall source: gateway telemetry and cloud control."""

from datetime import timedelta
from typing import override

from homeassistant.core import HomeAssistant

from ..coordinator import EnergyHubCoordinator
from ..errors import DeviceAuthError, DeviceRejectedError
from ..source import EnergyHubConfigEntry
from .const import CONTROL_POLL_INTERVAL
from .gateway import GatewayInfo, PowerwallGateway, PowerwallReading
from .netzero import ControlChannel, ControlSettings


class PowerwallCoordinator(EnergyHubCoordinator[PowerwallReading]):
    """Log in to the gateway once, then poll it through its (blocking) session."""

    # The gateway's identity, read by the login (`_async_setup_device`).
    info: GatewayInfo

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        gateway: PowerwallGateway,
        update_interval: timedelta,
    ) -> None:
        """Poll `gateway` every `update_interval`."""
        super().__init__(
            hass,
            entry,
            name=f"Powerwall {gateway.host}",
            update_interval=update_interval,
        )
        self.gateway = gateway

    @override
    async def _async_setup_device(self) -> None:
        """Log in and read the gateway's identity (DIN, firmware, packs)."""
        self.info = await self.hass.async_add_executor_job(self.gateway.connect)

    @override
    async def _async_fetch(self) -> PowerwallReading:
        return await self.hass.async_add_executor_job(self.gateway.read)


class PowerwallControlCoordinator(EnergyHubCoordinator[ControlSettings]):
    """Read the control settings from a cloud channel (polled slowly)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: ControlChannel,
        channel_name: str = "NetZero",
    ) -> None:
        """Read the settings behind `client` every minute and after each write."""
        super().__init__(
            hass,
            entry,
            name=f"Powerwall control ({channel_name})",
            update_interval=CONTROL_POLL_INTERVAL,
        )
        self.client = client
        self.channel_name = channel_name

    @override
    async def _async_fetch(self) -> ControlSettings:
        try:
            return await self.client.read()
        except DeviceAuthError as err:
            # The token lives in the options, not in the gateway login that a
            # reauth flow asks for: report it instead of starting reauth.
            raise DeviceRejectedError(
                f"{self.channel_name} refused the token; enter a new one in the options"
            ) from err
