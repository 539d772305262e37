"""Settings keys and defaults of the Octopus Agile source."""

from enum import StrEnum
from typing import Final

# Where the prices come from (entry data).
CONF_PRICE_SOURCE: Final = "price_source"


class PriceSource(StrEnum):
    """Octopus's public API, or an Octopus Energy integration already set up."""

    OCTOPUS_API = "octopus_api"
    OCTOPUS_ENERGY = "octopus_energy"


# Octopus public API (entry data). The API's address is settable so that the
# demo and the tests can point it at the simulator on 127.0.0.1.
CONF_API_URL: Final = "api_url"
CONF_POSTCODE: Final = "postcode"
CONF_REGION: Final = "region"  # grid supply point group letter, A to P
CONF_PRODUCT: Final = "product"  # e.g. AGILE-24-10-01
CONF_API_KEY: Final = "api_key"  # optional; a credential, redacted everywhere
# Event entities of the Octopus Energy integration with the day's rates:
# [current day, next day] (the next day's may be absent).
CONF_RATE_ENTITIES: Final = "rate_entities"
# The config flow's fields for them, and the section that holds the API URL.
CONF_CURRENT_DAY_RATES: Final = "current_day_rates"
CONF_NEXT_DAY_RATES: Final = "next_day_rates"
CONF_ADVANCED: Final = "advanced"

# Export (entry data).
CONF_EXPORT: Final = "export"


class ExportTariff(StrEnum):
    """What exported energy earns."""

    NONE = "none"
    AGILE_OUTGOING = "agile_outgoing"
    FIXED = "fixed"


CONF_EXPORT_PRODUCT: Final = "export_product"  # e.g. AGILE-OUTGOING-BB-23-02-28
CONF_EXPORT_PRICE: Final = "export_price"  # GBP/kWh, for ExportTariff.FIXED

# The Energy Hub battery entry the plan is for (entry data); absent: no battery,
# the plan uses the parameters in the options. Also the entry's unique id.
CONF_BATTERY_ENTRY: Final = "battery_entry_id"
NO_BATTERY_UNIQUE_ID: Final = "no_battery"

# Battery parameters (options; read from the battery entry when not set).
CONF_CAPACITY_KWH: Final = "capacity_kwh"
CONF_RESERVE_PERCENT: Final = "reserve_percent"
CONF_MAX_CHARGE_KW: Final = "max_charge_kw"
CONF_MAX_DISCHARGE_KW: Final = "max_discharge_kw"
CONF_EFFICIENCY_PERCENT: Final = "efficiency_percent"  # each way
CONF_WEAR_COST: Final = "wear_cost"  # GBP per kWh through the battery
CONF_ALLOW_GRID_EXPORT: Final = "allow_grid_export"  # grid -> battery -> grid
# Forecast inputs (options): a power or energy sensor of the home's consumption
# and of PV; default the battery source's own home/load and solar sensors.
CONF_LOAD_ENTITY: Final = "load_entity"
CONF_PV_ENTITY: Final = "pv_entity"

DEFAULT_API_URL: Final = "https://api.octopus.energy/v1"
DEFAULT_CAPACITY_KWH: Final = 13.5
DEFAULT_RESERVE_PERCENT: Final = 5.0
DEFAULT_MAX_CHARGE_KW: Final = 5.0
DEFAULT_MAX_DISCHARGE_KW: Final = 5.0
DEFAULT_EFFICIENCY_PERCENT: Final = 95.0
DEFAULT_WEAR_COST: Final = 0.0
DEFAULT_EXPORT_PRICE: Final = 0.15  # GBP/kWh, the fixed export price offered
DEFAULT_CHEAP_THRESHOLD: Final = 0.10  # GBP/kWh, the "cheap slot now" number

# Version of the price Store (`energy_hub.agile.<entry id>`).
STORE_VERSION: Final = 1
