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
from .source import EnergyHubConfigEntry, EnergyHubSource


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """How to run one kind of source."""

    setup: Callable[[HomeAssistant, EnergyHubConfigEntry], Awaitable[EnergyHubSource]]
    options_flow: type[OptionsFlow] | None = None


SOURCES: dict[SourceKind, SourceSpec] = {
    # Each source package registers itself here, for example:
    # SourceKind.POWERWALL: SourceSpec(powerwall.async_setup_source, powerwall.OptionsFlowHandler),
}
