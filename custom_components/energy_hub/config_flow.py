"""Config flow: a menu of source kinds, then each source's own steps.

Each source contributes a mixin with `async_step_<source kind>` (the menu
step) and, where it supports them, `async_step_<source kind>_reauth` and
`async_step_<source kind>_reconfigure`. The menu lists exactly the kinds
that have a step, so a source shows up once its package is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback

from .const import CONF_SOURCE, DOMAIN, SourceKind
from .ct_clamp.config_flow import CtClampConfigFlow
from .modbus_meter.config_flow import ModbusMeterConfigFlowMixin
from .p1.config_flow import P1ConfigFlow
from .powerwall.config_flow import PowerwallConfigFlow
from .sources import SOURCES
from .sungrow.config_flow import SungrowConfigFlowMixin


class EnergyHubConfigFlow(
    P1ConfigFlow,
    PowerwallConfigFlow,
    SungrowConfigFlowMixin,
    ModbusMeterConfigFlowMixin,
    CtClampConfigFlow,
    ConfigFlow,
    domain=DOMAIN,
):
    """Set up one source per config entry."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of source to add."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[
                kind for kind in SourceKind if hasattr(self, f"async_step_{kind}")
            ],
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Hand a rejected login to the entry's source."""
        step = getattr(self, f"async_step_{entry_data[CONF_SOURCE]}_reauth", None)
        if step is None:
            return self.async_abort(reason="reauth_not_supported")
        return await step(entry_data)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Hand a reconfigure request to the entry's source."""
        source = self._get_reconfigure_entry().data[CONF_SOURCE]
        step = getattr(self, f"async_step_{source}_reconfigure", None)
        if step is None:
            return self.async_abort(reason="reconfigure_not_supported")
        return await step(user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's source."""
        options_flow = SOURCES[SourceKind(config_entry.data[CONF_SOURCE])].options_flow
        if options_flow is None:  # async_supports_options_flow said there is one
            raise NotImplementedError(config_entry.data[CONF_SOURCE])
        return options_flow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Offer options only for sources that have some."""
        spec = SOURCES.get(SourceKind(config_entry.data[CONF_SOURCE]))
        return spec is not None and spec.options_flow is not None
