"""Constants shared by every Energy Hub source."""

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "energy_hub"
LOGGER = logging.getLogger(__package__)

# What this Energy Hub writes into a config entry. Bump the minor version with
# every change of stored data or option keys, and add a migration step to
# `async_migrate_entry`: 1.2 renamed the Powerwall's `scan_interval` option,
# 1.3 the P1 meter's source kind (`p1` became `homewizard`), 1.4 stored each
# CT channel's clamp rating.
ENTRY_VERSION: Final = 1
ENTRY_MINOR_VERSION: Final = 4

# Key in every config entry's data naming the source kind behind it.
CONF_SOURCE: Final = "source"
# Option of polled sources: seconds between two reads of the device.
CONF_POLL_INTERVAL: Final = "poll_interval"


class SourceKind(StrEnum):
    """The kinds of source one config entry can be; also the config-flow menu's step ids."""

    POWERWALL = "powerwall"
    HOMEWIZARD = "homewizard"
    SUNGROW = "sungrow"
    MODBUS_METER = "modbus_meter"
    CT_CLAMP = "ct_clamp"
    AGILE = "agile"
    OCR = "ocr"


# Credentials redacted from every source's diagnostics; each source adds the
# identities it knows of (`EnergyHubSource.redact`).
REDACT_KEYS: Final = frozenset(
    {"password", "token", "access_token", "refresh_token", "api_key", "email"}
)
