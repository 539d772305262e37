"""Coordinators of the Powerwall source: gateway telemetry and cloud control."""

from datetime import timedelta
from typing import NoReturn, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..const import DOMAIN
from ..coordinator import EnergyHubCoordinator
from ..errors import DeviceAuthError, EnergyHubError
from ..source import EnergyHubConfigEntry
from .const import CONTROL_POLL_INTERVAL, ISSUE_CONTROL_TOKEN
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


def control_token_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose control token is refused."""
    return f"{ISSUE_CONTROL_TOKEN}_{entry_id}"


class PowerwallControlCoordinator(EnergyHubCoordinator[ControlSettings]):
    """Read the control settings from a cloud channel (polled slowly).

    A refused token is the channel's, kept in the options, not the gateway
    login that a reauth flow asks for: instead of starting reauth it raises a
    fixable repair issue (leading to the option where the token is entered)
    and makes the control entities unavailable; the next good read clears it.
    """

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
        settings = await self.client.read()
        ir.async_delete_issue(
            self.hass, DOMAIN, control_token_issue_id(self.config_entry.entry_id)
        )
        return settings

    @override
    def _raise_translated(self, err: EnergyHubError) -> NoReturn:
        if isinstance(err, DeviceAuthError):
            self.token_refused()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="control_token_refused",
                translation_placeholders={"channel": self.channel_name},
            ) from err
        super()._raise_translated(err)

    def token_refused(self) -> HomeAssistantError:
        """Raise the repair issue; return the error a refused write shows."""
        entry = self.config_entry
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            control_token_issue_id(entry.entry_id),
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_CONTROL_TOKEN,
            translation_placeholders={
                "channel": self.channel_name,
                "entry": entry.title,
            },
            data={"entry_id": entry.entry_id},
        )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="control_token_refused",
            translation_placeholders={"channel": self.channel_name},
        )
