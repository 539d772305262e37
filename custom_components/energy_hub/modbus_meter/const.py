"""Constants of the Modbus energy meter source."""

from typing import Final

CONF_UNIT_ID: Final = "unit_id"
CONF_PRESET: Final = "preset"
CONF_METER_TYPE: Final = "meter_type"
CONF_REGISTER_MAP: Final = "register_map"

METER_TYPES: Final = ("grid", "building", "solar", "zone")
DEFAULT_PORT: Final = 502
DEFAULT_UNIT_ID: Final = 1
DEFAULT_POLL_INTERVAL_S: Final = 10
MIN_POLL_INTERVAL_S: Final = 2
MAX_POLL_INTERVAL_S: Final = 300
