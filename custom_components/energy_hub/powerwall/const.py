"""Constants of the Powerwall source."""

from datetime import timedelta
from typing import Final

CONF_EMAIL: Final = "email"
# How the gateway is read: its local API with the customer password (Powerwall
# 2/+), or TEDAPI with the gateway Wi-Fi password (Powerwall 3). Entries made
# before the mode existed have no key: local.
CONF_CONNECTION_MODE: Final = "connection_mode"
MODE_LOCAL: Final = "local"
MODE_TEDAPI: Final = "tedapi"
# NetZero control channel (in the entry's options; redacted as "token"/"site_id").
CONF_TOKEN: Final = "token"  # noqa: S105 - a key name, not a secret
CONF_SITE_ID: Final = "site_id"
# Which cloud channel the control entities use (options). Entries without the
# key use NetZero when they have its token, else none.
CONF_CONTROL_CHANNEL: Final = "control_channel"
CHANNEL_NONE: Final = "none"
CHANNEL_NETZERO: Final = "netzero"
CHANNEL_FLEETAPI: Final = "fleetapi"
# Tesla FleetAPI: the fields of pypowerwall's FleetAPI config file (options).
CONF_FLEET_CLIENT_ID: Final = "fleet_client_id"
CONF_FLEET_CLIENT_SECRET: Final = "fleet_client_secret"  # noqa: S105 - a key name
CONF_FLEET_AUDIENCE: Final = "fleet_audience"
CONF_FLEET_ACCESS_TOKEN: Final = "fleet_access_token"  # noqa: S105 - a key name
CONF_FLEET_REFRESH_TOKEN: Final = "fleet_refresh_token"  # noqa: S105 - a key name
CONF_FLEET_SITE_ID: Final = "fleet_site_id"
FLEET_OPTION_KEYS: Final = (
    CONF_FLEET_CLIENT_ID,
    CONF_FLEET_CLIENT_SECRET,
    CONF_FLEET_AUDIENCE,
    CONF_FLEET_ACCESS_TOKEN,
    CONF_FLEET_REFRESH_TOKEN,
    CONF_FLEET_SITE_ID,
)

# Entry data: the SHA-256 fingerprint (hex) of the gateway's TLS certificate,
# recorded at set-up (entries from before: at their next good connection). A
# DHCP announcement moves the entry only to an address presenting the same one.
CONF_CERTIFICATE_SHA256: Final = "certificate_sha256"

# Repair issues (ids: `<kind>_<entry id>`; `repairs.py` dispatches on "powerwall_").
ISSUE_CONTROL_TOKEN: Final = "powerwall_control_token_refused"  # noqa: S105
ISSUE_CERTIFICATE: Final = "powerwall_certificate_changed"

DEFAULT_POLL_INTERVAL_S: Final = 5
MIN_POLL_INTERVAL_S: Final = 1
MAX_POLL_INTERVAL_S: Final = 300
CONTROL_POLL_INTERVAL: Final = timedelta(seconds=60)
# Where pypowerwall keeps its session cookies, under Home Assistant's config
# folder: one file per entry, `powerwall-<entry id>.json`.
CACHE_FOLDER: Final = ".storage/energy_hub_powerwall"
# pypowerwall's FleetAPI config file goes in here, one folder per entry.
FLEETAPI_FOLDER: Final = ".storage/energy_hub_powerwall_fleetapi"

MANUFACTURER: Final = "Tesla"
# DHCP hostnames of Tesla gateways (the same patterns as core's powerwall integration).
DHCP_HOSTNAME_PATTERNS: Final = ("1118431-*", "1232100-*", "teslapw_*")
