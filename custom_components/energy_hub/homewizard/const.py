"""Constants of the HomeWizard source: products, option keys and defaults."""

from typing import Final

# Entry data: besides `host` and `token` (v2), the API generation and, for
# kWh meters and sockets, what the meter measures.
CONF_API_VERSION: Final = "api_version"
CONF_METER_TYPE: Final = "meter_type"
# Option besides `poll_interval` (P1 meters): EUR per kW per year of the
# capacity tariff.
CONF_CAPACITY_RATE: Final = "capacity_rate"

# What a kWh meter or a socket measures (as the Modbus meters): the grid
# connection, a solar inverter's output, the whole building or one circuit.
METER_TYPES: Final = ("grid", "solar", "building", "zone")

# Product types (`GET /api`), as python-homewizard-energy's `Model` names them.
P1_METER: Final = "HWE-P1"
ENERGY_SOCKET: Final = "HWE-SKT"
WATER_METER: Final = "HWE-WTR"
KWH_METERS_1_PHASE: Final = ("HWE-KWH1", "SDM230-wifi")
KWH_METERS_3_PHASE: Final = ("HWE-KWH3", "SDM630-wifi")
KWH_METERS: Final = KWH_METERS_1_PHASE + KWH_METERS_3_PHASE
# Products that measure electricity and take a meter type.
ELECTRICITY_METERS: Final = (*KWH_METERS, ENERGY_SOCKET)
SUPPORTED_PRODUCTS: Final = (P1_METER, *ELECTRICITY_METERS, WATER_METER)

# As core's HomeWizard integration; 1 s (what a DSMR 5 meter sends) stays an
# option. Entries that stored a poll interval keep it.
DEFAULT_POLL_INTERVAL_S: Final = 5
# EUR per kW per year; Flemish grid operators charge about this much (excl. VAT).
DEFAULT_CAPACITY_RATE: Final = 50.0
# Plausible ceiling for a home connection (3 x 63 A): larger steps are glitches.
MAX_GRID_KWH_PER_HOUR: Final = 50.0
DEFAULT_PEAK_LIMIT_KW: Final = 2.5
# The range the peak limit may take (the number entity's, and the store's).
PEAK_LIMIT_MIN_KW: Final = 0.5
PEAK_LIMIT_MAX_KW: Final = 50.0
# Wi-Fi and settings change slowly; read them this often, not every second.
SYSTEM_REFRESH_S: Final = 60

HOMEWIZARD_CORE_DOMAIN: Final = "homewizard"
ZEROCONF_TYPES: Final = ("_hwenergy._tcp.local.", "_homewizard._tcp.local.")


def unique_id_for(product_type: str, serial: str) -> str:
    """Config entry unique id of a device: `<product type>_<serial>` (as core's)."""
    return f"{product_type}_{serial.lower()}"


def identity_from_unique_id(unique_id: str | None) -> tuple[str, str] | None:
    """(product type, serial) of an entry's unique id; None if it is not one."""
    if unique_id is None:
        return None
    product_type, _, serial = unique_id.rpartition("_")
    if product_type not in SUPPORTED_PRODUCTS or not serial:
        return None
    return product_type, serial
