"""Constants of the Sungrow source."""

from typing import Final

CONF_UNIT_ID: Final = "unit_id"
CONF_CONNECTION: Final = "connection"

DEFAULT_PORT: Final = 502
DEFAULT_UNIT_ID: Final = 1
DEFAULT_POLL_INTERVAL_S: Final = 10
MIN_POLL_INTERVAL_S: Final = 5
MAX_POLL_INTERVAL_S: Final = 300
