"""Registry of source kinds: how each one sets up and which options it offers.

A source package adds itself here with one line; `__init__.py`, the
config flow and diagnostics dispatch on `entry.data[CONF_SOURCE]` through it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.core import HomeAssistant

from .agile.config_flow import AgileOptionsFlow
from .agile.source import (
    async_remove_source as agile_remove,
    async_setup_source as agile_setup,
)
from .const import SourceKind
from .ct_clamp.config_flow import CtClampOptionsFlow
from .ct_clamp.source import (
    async_remove_source as ct_clamp_remove,
    async_setup_source as ct_clamp_setup,
)
from .homewizard.config_flow import HomeWizardOptionsFlow
from .homewizard.source import (
    async_remove_source as homewizard_remove,
    async_setup_source as homewizard_setup,
)
from .modbus_meter.config_flow import ModbusMeterOptionsFlow
from .modbus_meter.source import async_setup_source as modbus_meter_setup
from .ocr.config_flow import OcrOptionsFlow
from .ocr.source import (
    async_remove_source as ocr_remove,
    async_setup_source as ocr_setup,
)
from .powerwall.config_flow import PowerwallOptionsFlow
from .powerwall.source import (
    async_remove_source as powerwall_remove,
    async_setup_source as powerwall_setup,
)
from .source import EnergyHubConfigEntry, EnergyHubSource
from .sungrow.config_flow import SungrowOptionsFlow
from .sungrow.source import async_setup_source as sungrow_setup


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How to run one kind of source.

    `remove` deletes what the source wrote to disk for an entry (stores,
    cache and credential files) when the entry is deleted.
    """

    setup: Callable[[HomeAssistant, EnergyHubConfigEntry], Awaitable[EnergyHubSource]]
    options_flow: type[OptionsFlow] | None = None
    remove: Callable[[HomeAssistant, ConfigEntry], Awaitable[None]] | None = None


SOURCES: dict[SourceKind, SourceSpec] = {
    SourceKind.POWERWALL: SourceSpec(
        powerwall_setup, PowerwallOptionsFlow, remove=powerwall_remove
    ),
    SourceKind.HOMEWIZARD: SourceSpec(
        homewizard_setup, HomeWizardOptionsFlow, remove=homewizard_remove
    ),
    SourceKind.SUNGROW: SourceSpec(sungrow_setup, SungrowOptionsFlow),
    SourceKind.MODBUS_METER: SourceSpec(modbus_meter_setup, ModbusMeterOptionsFlow),
    SourceKind.CT_CLAMP: SourceSpec(
        ct_clamp_setup, CtClampOptionsFlow, remove=ct_clamp_remove
    ),
    SourceKind.AGILE: SourceSpec(agile_setup, AgileOptionsFlow, remove=agile_remove),
    SourceKind.OCR: SourceSpec(ocr_setup, OcrOptionsFlow, remove=ocr_remove),
}
