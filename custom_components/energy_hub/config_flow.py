"""Config flow: a menu of source kinds, then each source's own steps.

Each source package has a `config_flow.py` with `<Source>ConfigFlow`, whose
steps are named after its kind (`async_step_<kind>` is its menu entry) and
which this flow inherits, and `<Source>OptionsFlow`. What Home Assistant
starts on the whole flow (reauth, reconfigure, DHCP, zeroconf) is handed to
the entry's source through the explicit tables at the end of this module.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .agile.config_flow import AgileConfigFlow
from .const import (
    CONF_SOURCE,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    SourceKind,
)
from .ct_clamp.config_flow import CtClampConfigFlow
from .homewizard.config_flow import HomeWizardConfigFlow
from .modbus_meter.config_flow import ModbusMeterConfigFlow
from .ocr.config_flow import OcrConfigFlow
from .powerwall.config_flow import PowerwallConfigFlow
from .sources import SOURCES
from .sungrow.config_flow import SungrowConfigFlow


class EnergyHubConfigFlow(
    PowerwallConfigFlow,
    HomeWizardConfigFlow,
    SungrowConfigFlow,
    ModbusMeterConfigFlow,
    CtClampConfigFlow,
    AgileConfigFlow,
    OcrConfigFlow,
    ConfigFlow,
    domain=DOMAIN,
):
    """Set up one source per config entry."""

    VERSION = ENTRY_VERSION
    MINOR_VERSION = ENTRY_MINOR_VERSION

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of source to add."""
        return self.async_show_menu(
            step_id="user", menu_options=[str(kind) for kind in SourceKind]
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Hand a rejected login to the entry's source."""
        step = REAUTH_STEPS.get(SourceKind(entry_data[CONF_SOURCE]))
        if step is None:
            return self.async_abort(reason="reauth_not_supported")
        return await step(self, entry_data)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Hand a reconfigure request to the entry's source."""
        source = SourceKind(self._get_reconfigure_entry().data[CONF_SOURCE])
        step = RECONFIGURE_STEPS.get(source)
        if step is None:
            return self.async_abort(reason="reconfigure_not_supported")
        return await step(self, user_input)

    @override
    async def async_step_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult:
        """Offer the device to the sources that discover over DHCP, in turn."""
        for handler in DHCP_HANDLERS.values():
            if (result := await handler(self, discovery_info)) is not None:
                return result
        return self.async_abort(reason="not_supported")

    @override
    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Offer the announcement to the sources that discover over zeroconf."""
        for handler in ZEROCONF_HANDLERS.values():
            if (result := await handler(self, discovery_info)) is not None:
                return result
        return self.async_abort(reason="not_supported")

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's source."""
        options_flow = SOURCES[SourceKind(config_entry.data[CONF_SOURCE])].options_flow
        if options_flow is None:  # async_supports_options_flow said there is one
            raise NotImplementedError(config_entry.data[CONF_SOURCE])
        return options_flow()

    @classmethod
    @callback
    @override
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Offer options only for sources that have some."""
        spec = SOURCES.get(SourceKind(config_entry.data[CONF_SOURCE]))
        return spec is not None and spec.options_flow is not None


type _Step[ArgT] = Callable[[EnergyHubConfigFlow, ArgT], Awaitable[ConfigFlowResult]]
type _Discovery[InfoT] = Callable[
    [EnergyHubConfigFlow, InfoT], Awaitable[ConfigFlowResult | None]
]

REAUTH_STEPS: Mapping[SourceKind, _Step[Mapping[str, Any]]] = {
    SourceKind.POWERWALL: PowerwallConfigFlow.async_step_powerwall_reauth,
    SourceKind.HOMEWIZARD: HomeWizardConfigFlow.async_step_homewizard_reauth,
    SourceKind.AGILE: AgileConfigFlow.async_step_agile_reauth,
}
RECONFIGURE_STEPS: Mapping[SourceKind, _Step[dict[str, Any] | None]] = {
    SourceKind.POWERWALL: PowerwallConfigFlow.async_step_powerwall_reconfigure,
    SourceKind.HOMEWIZARD: HomeWizardConfigFlow.async_step_homewizard_reconfigure,
    SourceKind.SUNGROW: SungrowConfigFlow.async_step_sungrow_reconfigure,
    SourceKind.MODBUS_METER: ModbusMeterConfigFlow.async_step_modbus_meter_reconfigure,
    SourceKind.CT_CLAMP: CtClampConfigFlow.async_step_ct_clamp_reconfigure,
    SourceKind.AGILE: AgileConfigFlow.async_step_agile_reconfigure,
    SourceKind.OCR: OcrConfigFlow.async_step_ocr_reconfigure,
}
# Each handler answers None for a device that is not its source's.
DHCP_HANDLERS: Mapping[SourceKind, _Discovery[DhcpServiceInfo]] = {
    SourceKind.POWERWALL: PowerwallConfigFlow.async_powerwall_dhcp,
    SourceKind.HOMEWIZARD: HomeWizardConfigFlow.async_homewizard_dhcp,
}
ZEROCONF_HANDLERS: Mapping[SourceKind, _Discovery[ZeroconfServiceInfo]] = {
    SourceKind.HOMEWIZARD: HomeWizardConfigFlow.async_homewizard_zeroconf,
}
