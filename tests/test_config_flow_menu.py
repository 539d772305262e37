"""The config flow's first step: a menu of the source kinds that are in."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.energy_hub.config_flow import EnergyHubConfigFlow
from custom_components.energy_hub.const import DOMAIN, SourceKind


async def test_first_step_is_a_menu_of_implemented_sources(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    implemented = [
        kind
        for kind in SourceKind
        if hasattr(EnergyHubConfigFlow, f"async_step_{kind}")
    ]
    assert result["menu_options"] == implemented
