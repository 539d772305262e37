"""Registry of source kinds: how each one sets up and which options it offers.

A source package adds itself here with one line; `__init__.py`, the
config flow and diagnostics dispatch on `entry.data[CONF_SOURCE]` through it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.config_entries import OptionsFlow
from homeassistant.core import HomeAssistant

from .const import SourceKind
from .ct_clamp.config_flow import CtClampOptionsFlow
from .ct_clamp.source import async_setup_source as ct_clamp_setup
from .modbus_meter.config_flow import ModbusMeterOptionsFlow
from .modbus_meter.source import async_setup_source as modbus_meter_setup
from .p1.config_flow import P1OptionsFlow
from .p1.source import async_setup_source as p1_setup
from .powerwall.config_flow import PowerwallOptionsFlow
from .powerwall.source import async_setup_source as powerwall_setup
from .source import EnergyHubConfigEntry, EnergyHubSource
from .sungrow.config_flow import SungrowOptionsFlow
from .sungrow.source import async_setup_source as sungrow_setup


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How to run one kind of source."""

    setup: Callable[[HomeAssistant, EnergyHubConfigEntry], Awaitable[EnergyHubSource]]
    options_flow: type[OptionsFlow] | None = None


SOURCES: dict[SourceKind, SourceSpec] = {
    SourceKind.POWERWALL: SourceSpec(powerwall_setup, PowerwallOptionsFlow),
    SourceKind.P1: SourceSpec(p1_setup, P1OptionsFlow),
    SourceKind.SUNGROW: SourceSpec(sungrow_setup, SungrowOptionsFlow),
    SourceKind.MODBUS_METER: SourceSpec(modbus_meter_setup, ModbusMeterOptionsFlow),
    SourceKind.CT_CLAMP: SourceSpec(ct_clamp_setup, CtClampOptionsFlow),
}
