"""Settings keys and defaults of the CT clamp source."""

from typing import Final

CONF_NAME: Final = "name"
CONF_CHANNELS: Final = "channels"
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_ALLOW_EXTERNAL: Final = "allow_external"
CONF_GRID_CHANNELS: Final = "grid_channels"
CONF_SOLAR_CHANNELS: Final = "solar_channels"

CONF_VOLTAGE: Final = "voltage"
CONF_VOLTAGE_ENTITY: Final = "voltage_entity"
CONF_POWER_FACTOR: Final = "power_factor"
CONF_STALE_TIMEOUT: Final = "stale_timeout"
CONF_MAX_GAP: Final = "max_gap"

DEFAULT_NAME: Final = "CT clamps"
DEFAULT_CHANNELS: Final = "line_A, line_B"
DEFAULT_VOLTAGE: Final = 230.0  # 240 V for split-phase homes
DEFAULT_POWER_FACTOR: Final = 0.95
# The board posts every ~60 s: five missed posts and its readings are stale,
# the same span beyond which no energy is integrated.
DEFAULT_STALE_TIMEOUT_S: Final = 300
DEFAULT_MAX_GAP_S: Final = 300

# A voltage sensor reading outside this range is ignored for the nominal voltage.
PLAUSIBLE_VOLTAGE: Final = (80.0, 300.0)
# ESP32 posts are a few hundred bytes; refuse to buffer anything much larger.
MAX_BODY_BYTES: Final = 16 * 1024
# Seconds between an accepted post and saving the board's totals: after a power
# cut the totals restart at most this far behind.
SAVE_DELAY_S: Final = 10.0
# Version of the board's Store (`energy_hub.ct_clamp.<entry id>`).
STORE_VERSION: Final = 1
# Key of each channel's clamp rating (amps) in the entry's channel list.
CONF_MAX_CURRENT: Final = "max_current"
