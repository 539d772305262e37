"""Registry of source kinds: how each one sets up and which options it offers.

A source package adds itself here with one line; `__init__.py`, the
config flow and diagnostics dispatch on `entry.data[CONF_SOURCE]` through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.config_entries import OptionsFlow
from homeassistant.core import HomeAssistant

from .const import SourceKind
from .ct_clamp import CtClampOptionsFlow, async_setup_source as ct_clamp_setup
from .modbus_meter import (
    ModbusMeterOptionsFlow,
    async_setup_source as modbus_meter_setup,
)
from .p1 import P1OptionsFlow, async_setup_source as p1_setup
from .powerwall import (
    PowerwallOptionsFlow,
    async_setup_source as powerwall_setup,
)
from .source import EnergyHubConfigEntry, EnergyHubSource
from .sungrow import SungrowOptionsFlow, async_setup_source as sungrow_setup


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How to run one kind of source."""

    setup: Callable[[HomeAssistant, EnergyHubConfigEntry], Awaitable[EnergyHubSource]]
    options_flow: type[OptionsFlow] | None = None


SOURCES: dict[SourceKind, SourceSpec] = {
    SourceKind.P1: SourceSpec(p1_setup, P1OptionsFlow),
    SourceKind.POWERWALL: SourceSpec(powerwall_setup, PowerwallOptionsFlow),
    SourceKind.SUNGROW: SourceSpec(sungrow_setup, SungrowOptionsFlow),
    SourceKind.MODBUS_METER: SourceSpec(modbus_meter_setup, ModbusMeterOptionsFlow),
    SourceKind.CT_CLAMP: SourceSpec(ct_clamp_setup, CtClampOptionsFlow),
    # Each source package registers itself here, for example:
    # SourceKind.POWERWALL: SourceSpec(powerwall.async_setup_source, powerwall.OptionsFlowHandler),
}
