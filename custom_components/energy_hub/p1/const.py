"""Constants of the HomeWizard P1 source."""

from typing import Final

# Entry data: besides `host` and `token` (v2), the API generation.
CONF_API_VERSION: Final = "api_version"
# Option besides `poll_interval`: EUR per kW per year of the capacity tariff.
CONF_CAPACITY_RATE: Final = "capacity_rate"

DEFAULT_POLL_INTERVAL_S: Final = 1
# EUR per kW per year; Flemish grid operators charge about this much (excl. VAT).
DEFAULT_CAPACITY_RATE: Final = 50.0
DEFAULT_PEAK_LIMIT_KW: Final = 2.5
# Wi-Fi and settings change slowly; read them this often, not every second.
SYSTEM_REFRESH_S: Final = 60

HOMEWIZARD_CORE_DOMAIN: Final = "homewizard"
ZEROCONF_TYPES: Final = ("_hwenergy._tcp.local.", "_homewizard._tcp.local.")


def unique_id_for(serial: str) -> str:
    """Config entry unique id of a P1 meter (the same form core's homewizard uses)."""
    return f"HWE-P1_{serial.lower()}"
