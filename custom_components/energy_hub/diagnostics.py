"""Diagnostics for every source, with credentials and identities redacted."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import REDACT_KEYS
from .source import EnergyHubConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings and its source's state, redacted."""
    source = entry.runtime_data
    redact = REDACT_KEYS | source.redact
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
                "version": f"{entry.version}.{entry.minor_version}",
            },
            redact,
        ),
        "source": async_redact_data(source.diagnostics(), redact),
    }
