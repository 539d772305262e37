"""Fix flows of the Powerwall's repair issues: each leads to where it is fixed.

- `powerwall_control_token_refused_<entry id>`: NetZero or Tesla refused the
  control channel's token. The fix opens the entry's options at the page
  where the token is entered.
- `powerwall_certificate_changed_<entry id>`: the gateway's DHCP name turned
  up at another address with its DIN but another TLS certificate, so the
  entry did not move. The fix opens the entry's reconfigure step, with the
  new address filled in: the owner decides whether it is their gateway.
"""

from typing import Any, override

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.components.repairs.const import FlowType
from homeassistant.config_entries import SOURCE_RECONFIGURE
from homeassistant.core import HomeAssistant

from ..const import DOMAIN
from .const import ISSUE_CERTIFICATE, ISSUE_CONTROL_TOKEN


class _EntryRepairFlow(ConfirmRepairFlow):
    """Home Assistant's confirmation (the issue's text), then one of the entry's flows."""

    def __init__(self, entry_id: str) -> None:
        """Fix the issue of the entry `entry_id`."""
        super().__init__()
        self._entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """On confirmation, open the flow that fixes it."""
        if user_input is None:
            return await super().async_step_confirm()
        if self.hass.config_entries.async_get_entry(self._entry_id) is None:
            return self.async_create_entry(data={})  # nothing left to fix
        return await self._async_next_flow()

    async def _async_next_flow(self) -> RepairsFlowResult:
        raise NotImplementedError


class ControlTokenRepairFlow(_EntryRepairFlow):
    """The control token was refused: to the options page that takes it."""

    @override
    async def _async_next_flow(self) -> RepairsFlowResult:
        result = await self.hass.config_entries.options.async_init(self._entry_id)
        return self.async_create_entry(
            data={}, next_flow=(FlowType.OPTIONS_FLOW, result["flow_id"])
        )


class CertificateRepairFlow(_EntryRepairFlow):
    """The gateway's name came with another certificate: to reconfigure."""

    @override
    async def _async_next_flow(self) -> RepairsFlowResult:
        result = await self.hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_RECONFIGURE, "entry_id": self._entry_id},
        )
        return self.async_create_entry(
            data={}, next_flow=(FlowType.CONFIG_FLOW, result["flow_id"])
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of a Powerwall issue (`issue_id` starts with "powerwall_")."""
    entry_id = str((data or {}).get("entry_id", ""))
    if issue_id.startswith(ISSUE_CONTROL_TOKEN):
        return ControlTokenRepairFlow(entry_id)
    if issue_id.startswith(ISSUE_CERTIFICATE):
        return CertificateRepairFlow(entry_id)
    raise ValueError(f"no fix flow for {issue_id}")
