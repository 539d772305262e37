"""Repairs platform: the fix flows of fixable issues, by issue id prefix.

Each source with fixable issues names them `<source>_…` and adds its
`async_create_fix_flow` here; other issues get Home Assistant's plain
confirmation.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant

from .powerwall.repairs import async_create_fix_flow as powerwall_fix_flow

type _FixFlowFactory = Callable[
    [HomeAssistant, str, dict[str, Any] | None], Awaitable[RepairsFlow]
]

FIX_FLOWS: Mapping[str, _FixFlowFactory] = {
    "powerwall_": powerwall_fix_flow,
}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of the issue `issue_id`."""
    for prefix, create in FIX_FLOWS.items():
        if issue_id.startswith(prefix):
            return await create(hass, issue_id, data)
    return ConfirmRepairFlow()
