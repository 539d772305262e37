"""Config, reconfigure, reauth and options flows of the Octopus Agile source.

Prices come from Octopus's public API (region from a postcode or a letter,
an Agile product, an optional export tariff; checked by fetching today's
rates) or from the rate event entities of an Octopus Energy integration
already set up. The entry plans for one Energy Hub battery entry (its
unique id) or for a battery described by the parameters entered here.
"""

from collections.abc import Mapping
import datetime as dt
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from ..const import CONF_SOURCE, DOMAIN, LOGGER, SourceKind
from ..errors import (
    DeviceAuthError,
    DeviceConnectionError,
    DeviceRateLimitedError,
    DeviceRejectedError,
)
from .client import (
    REGIONS,
    UK,
    AgileProducts,
    OctopusClient,
    normalise_postcode,
    uk_day,
)
from .const import (
    CONF_ADVANCED,
    CONF_ALLOW_GRID_EXPORT,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_BATTERY_ENTRY,
    CONF_CAPACITY_KWH,
    CONF_CURRENT_DAY_RATES,
    CONF_EFFICIENCY_PERCENT,
    CONF_EXPORT,
    CONF_EXPORT_PRICE,
    CONF_EXPORT_PRODUCT,
    CONF_LOAD_ENTITY,
    CONF_MAX_CHARGE_KW,
    CONF_MAX_DISCHARGE_KW,
    CONF_NEXT_DAY_RATES,
    CONF_POSTCODE,
    CONF_PRICE_SOURCE,
    CONF_PRODUCT,
    CONF_PV_ENTITY,
    CONF_RATE_ENTITIES,
    CONF_REGION,
    CONF_RESERVE_PERCENT,
    CONF_WEAR_COST,
    DEFAULT_API_URL,
    DEFAULT_CAPACITY_KWH,
    DEFAULT_EFFICIENCY_PERCENT,
    DEFAULT_EXPORT_PRICE,
    DEFAULT_MAX_CHARGE_KW,
    DEFAULT_MAX_DISCHARGE_KW,
    DEFAULT_RESERVE_PERCENT,
    DEFAULT_WEAR_COST,
    NO_BATTERY_UNIQUE_ID,
    ExportTariff,
    PriceSource,
)

# The battery sources an Agile entry can plan for.
BATTERY_SOURCES = frozenset({SourceKind.POWERWALL, SourceKind.SUNGROW})
# The battery form's choice for "no Energy Hub battery".
NO_BATTERY = "none"
# The Octopus Energy integration and its rate event entities.
OCTOPUS_ENERGY_DOMAIN = "octopus_energy"
CURRENT_DAY_SUFFIX = "_current_day_rates"
NEXT_DAY_SUFFIX = "_next_day_rates"

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_REGION = SelectSelector(
    SelectSelectorConfig(
        options=list(REGIONS),
        translation_key="agile_region",
        mode=SelectSelectorMode.DROPDOWN,
    )
)
_PRICE_SOURCE = SelectSelector(
    SelectSelectorConfig(
        options=[source.value for source in PriceSource],
        translation_key="agile_price_source",
        mode=SelectSelectorMode.LIST,
    )
)
_EXPORT = SelectSelector(
    SelectSelectorConfig(
        options=[tariff.value for tariff in ExportTariff],
        translation_key="agile_export",
        mode=SelectSelectorMode.LIST,
    )
)
_GBP_PER_KWH = NumberSelector(
    NumberSelectorConfig(
        min=0,
        max=1,
        step="any",
        unit_of_measurement="GBP/kWh",
        mode=NumberSelectorMode.BOX,
    )
)
_SENSOR = EntitySelector(EntitySelectorConfig(domain="sensor"))


def _number(low: float, high: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


# The battery parameters: key, default, selector.
BATTERY_PARAMETERS: tuple[tuple[str, float, NumberSelector], ...] = (
    (CONF_CAPACITY_KWH, DEFAULT_CAPACITY_KWH, _number(0.5, 200, 0.1, "kWh")),
    (CONF_RESERVE_PERCENT, DEFAULT_RESERVE_PERCENT, _number(0, 95, 1, "%")),
    (CONF_MAX_CHARGE_KW, DEFAULT_MAX_CHARGE_KW, _number(0.1, 50, 0.1, "kW")),
    (CONF_MAX_DISCHARGE_KW, DEFAULT_MAX_DISCHARGE_KW, _number(0.1, 50, 0.1, "kW")),
    (CONF_EFFICIENCY_PERCENT, DEFAULT_EFFICIENCY_PERCENT, _number(50, 100, 0.5, "%")),
)
# What the options flow owns in the entry's options.
OPTION_KEYS = frozenset(
    {key for key, _, _ in BATTERY_PARAMETERS}
    | {CONF_WEAR_COST, CONF_ALLOW_GRID_EXPORT, CONF_LOAD_ENTITY, CONF_PV_ENTITY}
)


# Schemas ---------------------------------------------------------------------------


def _location_schema(defaults: Mapping[str, Any], *, with_key: bool) -> probatio.Schema:
    """Postcode or region letter, the optional API key, the API URL (folded away)."""
    fields: dict[Any, Any] = {
        probatio.Optional(
            CONF_POSTCODE,
            description={"suggested_value": defaults.get(CONF_POSTCODE)},
        ): str,
        probatio.Optional(
            CONF_REGION, description={"suggested_value": defaults.get(CONF_REGION)}
        ): _REGION,
    }
    if with_key:
        fields[probatio.Optional(CONF_API_KEY)] = _PASSWORD
    fields[probatio.Required(CONF_ADVANCED)] = section(
        probatio.Schema(
            {
                probatio.Required(
                    CONF_API_URL, default=defaults.get(CONF_API_URL, DEFAULT_API_URL)
                ): _URL
            }
        ),
        {"collapsed": True},
    )
    return probatio.Schema(fields)


def _product_schema(
    products: AgileProducts, defaults: Mapping[str, Any]
) -> probatio.Schema:
    """The Agile import product (newest first) and what export earns."""
    product = defaults.get(CONF_PRODUCT)
    fields: dict[Any, Any] = {
        probatio.Required(
            CONF_PRODUCT,
            default=product if product in products.imports else products.imports[0],
        ): SelectSelector(
            SelectSelectorConfig(
                options=list(products.imports), mode=SelectSelectorMode.DROPDOWN
            )
        ),
        probatio.Required(
            CONF_EXPORT, default=defaults.get(CONF_EXPORT, ExportTariff.NONE.value)
        ): _EXPORT,
    }
    if products.exports:
        export_product = defaults.get(CONF_EXPORT_PRODUCT)
        fields[
            probatio.Required(
                CONF_EXPORT_PRODUCT,
                default=export_product
                if export_product in products.exports
                else products.exports[0],
            )
        ] = SelectSelector(
            SelectSelectorConfig(
                options=list(products.exports), mode=SelectSelectorMode.DROPDOWN
            )
        )
    fields[
        probatio.Required(
            CONF_EXPORT_PRICE,
            default=defaults.get(CONF_EXPORT_PRICE, DEFAULT_EXPORT_PRICE),
        )
    ] = _GBP_PER_KWH
    return probatio.Schema(fields)


def _rate_entities_schema(
    current: list[str], following: list[str], chosen: list[str]
) -> probatio.Schema:
    """The Octopus Energy integration's current-day and next-day rate entities."""
    current_default = chosen[0] if chosen and chosen[0] in current else current[0]
    fields: dict[Any, Any] = {
        probatio.Required(CONF_CURRENT_DAY_RATES, default=current_default): (
            SelectSelector(
                SelectSelectorConfig(options=current, mode=SelectSelectorMode.DROPDOWN)
            )
        )
    }
    if following:
        paired = current_default.removesuffix(CURRENT_DAY_SUFFIX) + NEXT_DAY_SUFFIX
        next_default = chosen[1] if len(chosen) > 1 else paired
        fields[
            probatio.Optional(
                CONF_NEXT_DAY_RATES,
                description={
                    "suggested_value": next_default
                    if next_default in following
                    else None
                },
            )
        ] = SelectSelector(
            SelectSelectorConfig(options=following, mode=SelectSelectorMode.DROPDOWN)
        )
    return probatio.Schema(fields)


def _battery_parameter_fields(
    values: Mapping[str, Any], *, required: bool
) -> dict[Any, Any]:
    """The battery parameters' fields; optional ones are read from the battery when empty."""
    fields: dict[Any, Any] = {}
    for key, default, selector in BATTERY_PARAMETERS:
        if required:
            fields[probatio.Required(key, default=values.get(key, default))] = selector
        else:
            fields[
                probatio.Optional(key, description={"suggested_value": values.get(key)})
            ] = selector
    return fields


# Checks against the API ------------------------------------------------------------


def octopus_energy_rate_entities(hass: HomeAssistant) -> tuple[list[str], list[str]]:
    """The Octopus Energy integration's current-day and next-day rate event entities."""
    current: list[str] = []
    following: list[str] = []
    for entity in er.async_get(hass).entities.values():
        if entity.platform != OCTOPUS_ENERGY_DOMAIN or entity.domain != "event":
            continue
        if entity.entity_id.endswith(CURRENT_DAY_SUFFIX):
            current.append(entity.entity_id)
        elif entity.entity_id.endswith(NEXT_DAY_SUFFIX):
            following.append(entity.entity_id)
    return sorted(current), sorted(following)


def _api_url(text: str) -> str | None:
    """The API's base URL without a trailing slash; None unless it is http(s)."""
    text = text.strip().rstrip("/")
    try:
        url = URL(text)
        valid = (
            url.scheme in ("http", "https") and bool(url.host) and url.port is not None
        )
    except ValueError:
        return None
    return text if valid else None


def _client(hass: HomeAssistant, data: Mapping[str, Any]) -> OctopusClient:
    return OctopusClient(
        async_get_clientsession(hass),
        api_key=data.get(CONF_API_KEY),
        base_url=data[CONF_API_URL],
    )


def _api_error(err: Exception, what: str) -> dict[str, str]:
    """The form error of a failed API call (callers handle the rejections they expect)."""
    if isinstance(err, DeviceAuthError):
        return {"base": "invalid_auth"}
    if isinstance(err, DeviceRateLimitedError):
        return {"base": "rate_limited"}
    if isinstance(err, DeviceConnectionError | DeviceRejectedError):
        LOGGER.warning("Cannot read %s from Octopus: %s", what, err)
        return {"base": "cannot_connect"}
    LOGGER.error("Unexpected error reading %s from Octopus", what, exc_info=err)
    return {"base": "unknown"}


async def _locate(
    hass: HomeAssistant, user_input: Mapping[str, Any]
) -> tuple[dict[str, Any], AgileProducts | None, dict[str, str]]:
    """The API settings (region found), the products on sale, or the form errors."""
    api_url = _api_url(str(user_input.get(CONF_ADVANCED, {}).get(CONF_API_URL, "")))
    if api_url is None:
        return {}, None, {CONF_ADVANCED: "invalid_url"}
    postcode = normalise_postcode(str(user_input.get(CONF_POSTCODE) or ""))
    region = str(user_input.get(CONF_REGION) or "")
    if not postcode and not region:
        return {}, None, {"base": "postcode_or_region"}
    data: dict[str, Any] = {CONF_API_URL: api_url}
    if api_key := str(user_input.get(CONF_API_KEY) or "").strip():
        data[CONF_API_KEY] = api_key
    client = _client(hass, data)
    try:
        if postcode:
            data[CONF_POSTCODE] = postcode
            try:
                region = await client.region(postcode)
            except DeviceRejectedError:
                return {}, None, {CONF_POSTCODE: "invalid_postcode"}
        products = await client.agile_products()
    except Exception as err:
        return {}, None, _api_error(err, "the region and products")
    if not products.imports:
        return {}, None, {"base": "no_products"}
    data[CONF_REGION] = region
    return data, products, {}


async def _check_prices(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """Fetch today's rates of the chosen tariffs; the form errors when that fails."""
    client = _client(hass, data)
    today = dt.datetime.now(UK).date()
    tariffs = [data[CONF_PRODUCT]]
    if data[CONF_EXPORT] == ExportTariff.AGILE_OUTGOING:
        tariffs.append(data[CONF_EXPORT_PRODUCT])
    for product in tariffs:
        try:
            rates = await client.unit_rates(product, data[CONF_REGION], *uk_day(today))
        except DeviceRejectedError as err:
            LOGGER.warning("Octopus has no rates for %s: %s", product, err)
            return {"base": "no_prices"}
        except Exception as err:
            return _api_error(err, f"the rates of {product}")
        if not rates:
            return {"base": "no_prices"}
    return {}


def _product_data(
    user_input: Mapping[str, Any], products: AgileProducts
) -> tuple[dict[str, Any], dict[str, str]]:
    """The product and export settings of a submitted product form, or its errors."""
    export = ExportTariff(user_input[CONF_EXPORT])
    data: dict[str, Any] = {
        CONF_PRODUCT: user_input[CONF_PRODUCT],
        CONF_EXPORT: export.value,
    }
    if export is ExportTariff.AGILE_OUTGOING:
        if not products.exports:
            return {}, {CONF_EXPORT: "no_export_product"}
        data[CONF_EXPORT_PRODUCT] = user_input[CONF_EXPORT_PRODUCT]
    elif export is ExportTariff.FIXED:
        data[CONF_EXPORT_PRICE] = float(user_input[CONF_EXPORT_PRICE])
    return data, {}


def _title(data: Mapping[str, Any]) -> str:
    if data[CONF_PRICE_SOURCE] == PriceSource.OCTOPUS_ENERGY:
        return "Octopus Agile (Octopus Energy)"
    return f"Octopus Agile (region {data[CONF_REGION]})"


def _battery_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_SOURCE) in BATTERY_SOURCES
    ]


def _rate_entities(user_input: Mapping[str, Any]) -> list[str]:
    chosen = [str(user_input[CONF_CURRENT_DAY_RATES])]
    if following := user_input.get(CONF_NEXT_DAY_RATES):
        chosen.append(str(following))
    return chosen


# The flows ----------------------------------------------------------------------------


class AgileConfigFlow(ConfigFlow):
    """Add Octopus Agile prices and the battery plan built on them."""

    _agile_data: dict[str, Any]
    _agile_products: AgileProducts

    async def async_step_agile(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose where prices come from, when an Octopus Energy integration offers them."""
        self._agile_data = {CONF_SOURCE: SourceKind.AGILE.value}
        current, _ = octopus_energy_rate_entities(self.hass)
        if not current:
            return await self.async_step_agile_api()
        if user_input is not None:
            if user_input[CONF_PRICE_SOURCE] == PriceSource.OCTOPUS_ENERGY:
                return await self.async_step_agile_rate_entities()
            return await self.async_step_agile_api()
        return self.async_show_form(
            step_id="agile",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_PRICE_SOURCE, default=PriceSource.OCTOPUS_ENERGY.value
                    ): _PRICE_SOURCE
                }
            ),
        )

    async def async_step_agile_rate_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the Octopus Energy integration's rate entities."""
        current, following = octopus_energy_rate_entities(self.hass)
        if user_input is not None:
            self._agile_data |= {
                CONF_PRICE_SOURCE: PriceSource.OCTOPUS_ENERGY.value,
                CONF_RATE_ENTITIES: _rate_entities(user_input),
                CONF_EXPORT: ExportTariff.NONE.value,
            }
            return await self.async_step_agile_battery()
        return self.async_show_form(
            step_id="agile_rate_entities",
            data_schema=_rate_entities_schema(current, following, []),
        )

    async def async_step_agile_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the postcode or region, and an optional API key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, products, errors = await _locate(self.hass, user_input)
            if products is not None:
                self._agile_data |= {
                    CONF_PRICE_SOURCE: PriceSource.OCTOPUS_API.value,
                    **data,
                }
                self._agile_products = products
                return await self.async_step_agile_product()
        return self.async_show_form(
            step_id="agile_api",
            data_schema=_location_schema(_form_defaults(user_input), with_key=True),
            errors=errors,
        )

    async def async_step_agile_product(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the Agile product and the export tariff; check today's prices."""
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen, errors = _product_data(user_input, self._agile_products)
            if not errors:
                errors = await _check_prices(self.hass, self._agile_data | chosen)
            if not errors:
                self._agile_data |= chosen
                return await self.async_step_agile_battery()
        return self.async_show_form(
            step_id="agile_product",
            data_schema=_product_schema(self._agile_products, user_input or {}),
            errors=errors,
            description_placeholders={CONF_REGION: self._agile_data[CONF_REGION]},
        )

    async def async_step_agile_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the Energy Hub battery to plan for, or none."""
        batteries = _battery_entries(self.hass)
        if user_input is not None:
            chosen = str(user_input[CONF_BATTERY_ENTRY])
            if chosen == NO_BATTERY:
                await self.async_set_unique_id(NO_BATTERY_UNIQUE_ID)
                self._abort_if_unique_id_configured()
                return await self.async_step_agile_battery_parameters()
            await self.async_set_unique_id(chosen)
            self._abort_if_unique_id_configured()
            data = self._agile_data | {CONF_BATTERY_ENTRY: chosen}
            return self.async_create_entry(title=_title(data), data=data)
        options = [
            SelectOptionDict(value=entry.entry_id, label=entry.title)
            for entry in batteries
        ] + [SelectOptionDict(value=NO_BATTERY, label=NO_BATTERY)]
        return self.async_show_form(
            step_id="agile_battery",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_BATTERY_ENTRY, default=options[0]["value"]
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=options,
                            translation_key="agile_battery",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_agile_battery_parameters(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the battery to plan for when it is not an Energy Hub entry."""
        if user_input is not None:
            options = {key: float(user_input[key]) for key, _, _ in BATTERY_PARAMETERS}
            return self.async_create_entry(
                title=_title(self._agile_data), data=self._agile_data, options=options
            )
        return self.async_show_form(
            step_id="agile_battery_parameters",
            data_schema=probatio.Schema(_battery_parameter_fields({}, required=True)),
        )

    # Reconfigure ------------------------------------------------------------------

    async def async_step_agile_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the region, product or export of an entry (or its rate entities)."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_PRICE_SOURCE) == PriceSource.OCTOPUS_ENERGY:
            return await self.async_step_agile_reconfigure_rate_entities()
        errors: dict[str, str] = {}
        if user_input is not None:
            # The stored key goes on being used: reauth is where it changes.
            with_key = {**user_input, CONF_API_KEY: entry.data.get(CONF_API_KEY)}
            data, products, errors = await _locate(self.hass, with_key)
            if products is not None:
                self._agile_data = data
                self._agile_products = products
                return await self.async_step_agile_reconfigure_product()
        return self.async_show_form(
            step_id="agile_reconfigure",
            data_schema=_location_schema(
                _form_defaults(user_input) if user_input else entry.data,
                with_key=False,
            ),
            errors=errors,
        )

    async def async_step_agile_reconfigure_product(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the product and export again; check today's prices."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen, errors = _product_data(user_input, self._agile_products)
            if not errors:
                errors = await _check_prices(self.hass, self._agile_data | chosen)
            if not errors:
                kept = {
                    key: value
                    for key, value in entry.data.items()
                    if key
                    not in (CONF_POSTCODE, CONF_EXPORT_PRODUCT, CONF_EXPORT_PRICE)
                }
                data = kept | self._agile_data | chosen
                return self.async_update_reload_and_abort(
                    entry, title=_title(data), data=data
                )
        return self.async_show_form(
            step_id="agile_reconfigure_product",
            data_schema=_product_schema(self._agile_products, user_input or entry.data),
            errors=errors,
            description_placeholders={CONF_REGION: self._agile_data[CONF_REGION]},
        )

    async def async_step_agile_reconfigure_rate_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the Octopus Energy integration's rate entities again."""
        entry = self._get_reconfigure_entry()
        current, following = octopus_energy_rate_entities(self.hass)
        if not current:
            return self.async_abort(reason="agile_no_rate_entities")
        if user_input is not None:
            return self.async_update_reload_and_abort(
                entry, data_updates={CONF_RATE_ENTITIES: _rate_entities(user_input)}
            )
        return self.async_show_form(
            step_id="agile_reconfigure_rate_entities",
            data_schema=_rate_entities_schema(
                current, following, list(entry.data.get(CONF_RATE_ENTITIES, []))
            ),
        )

    # Reauth -----------------------------------------------------------------------

    async def async_step_agile_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Octopus refused the API key: ask for another (or none)."""
        return await self.async_step_agile_reauth_confirm()

    async def async_step_agile_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new key by listing the products with it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data}
            data.pop(CONF_API_KEY, None)
            if api_key := str(user_input.get(CONF_API_KEY) or "").strip():
                data[CONF_API_KEY] = api_key
            try:
                await _client(self.hass, data).agile_products()
            except Exception as err:
                errors = _api_error(err, "the products")
            else:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="agile_reauth_confirm",
            data_schema=probatio.Schema({probatio.Optional(CONF_API_KEY): _PASSWORD}),
            errors=errors,
        )


def _form_defaults(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a location form shows again: the fields as entered, the URL unfolded."""
    if not user_input:
        return {}
    values = {key: value for key, value in user_input.items() if key != CONF_ADVANCED}
    if url := user_input.get(CONF_ADVANCED, {}).get(CONF_API_URL):
        values[CONF_API_URL] = url
    return values


class AgileOptionsFlow(OptionsFlowWithReload):
    """The battery parameters, the wear cost, grid export, and the forecast sensors."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The options of every source start here; this one has a single step."""
        return await self.async_step_agile_options(user_input)

    async def async_step_agile_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options; the entry reloads with them."""
        current = dict(self.config_entry.options)
        if user_input is not None:
            kept = {
                key: value for key, value in current.items() if key not in OPTION_KEYS
            }
            chosen: dict[str, Any] = {
                key: float(user_input[key])
                for key, _, _ in BATTERY_PARAMETERS
                if user_input.get(key) is not None
            }
            chosen[CONF_WEAR_COST] = float(user_input[CONF_WEAR_COST])
            chosen[CONF_ALLOW_GRID_EXPORT] = bool(user_input[CONF_ALLOW_GRID_EXPORT])
            for key in (CONF_LOAD_ENTITY, CONF_PV_ENTITY):
                if user_input.get(key):
                    chosen[key] = str(user_input[key])
            return self.async_create_entry(data=kept | chosen)
        has_battery = CONF_BATTERY_ENTRY in self.config_entry.data
        return self.async_show_form(
            step_id="agile_options",
            data_schema=probatio.Schema(
                {
                    **_battery_parameter_fields(current, required=not has_battery),
                    probatio.Required(
                        CONF_WEAR_COST,
                        default=current.get(CONF_WEAR_COST, DEFAULT_WEAR_COST),
                    ): _GBP_PER_KWH,
                    probatio.Required(
                        CONF_ALLOW_GRID_EXPORT,
                        default=current.get(CONF_ALLOW_GRID_EXPORT, False),
                    ): BooleanSelector(),
                    probatio.Optional(
                        CONF_LOAD_ENTITY,
                        description={"suggested_value": current.get(CONF_LOAD_ENTITY)},
                    ): _SENSOR,
                    probatio.Optional(
                        CONF_PV_ENTITY,
                        description={"suggested_value": current.get(CONF_PV_ENTITY)},
                    ): _SENSOR,
                }
            ),
        )
