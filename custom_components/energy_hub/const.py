"""Constants shared by every Energy Hub source."""

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "energy_hub"
LOGGER = logging.getLogger(__package__)

# Key in every config entry's data naming the source kind behind it.
CONF_SOURCE: Final = "source"
# Option of polled sources: seconds between two reads of the device.
CONF_POLL_INTERVAL: Final = "poll_interval"


class SourceKind(StrEnum):
    """The kinds of source one config entry can be; also the config-flow menu's step ids."""

    POWERWALL = "powerwall"
    P1 = "p1"
    SUNGROW = "sungrow"
    MODBUS_METER = "modbus_meter"
    CT_CLAMP = "ct_clamp"
    OCR_METER = "ocr_meter"
    AGILE = "agile"


# Keys redacted from diagnostics whatever the source.
REDACT_KEYS: Final = frozenset(
    {
        "password",
        "token",
        "access_token",
        "refresh_token",
        "api_key",
        "email",
        "serial",
        "serial_number",
        "din",
        "webhook_id",
        "unique_id",
        "gateway_password",
        "site_id",
    }
)
