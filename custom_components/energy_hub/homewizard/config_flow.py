"""Config and options flow of the HomeWizard source.

`HomeWizardConfigFlow` holds the HomeWizard steps of the main flow, which
inherits it and dispatches discovery, reauth and reconfigure to them;
`HomeWizardOptionsFlow` is a HomeWizard entry's options flow. One flow adds
every HomeWizard product Energy Hub reads: P1 meters, kWh meters and sockets
(which measure a circuit of a chosen meter type) and the water meter.
"""

from collections.abc import Mapping
from typing import Any

from homeassistant.components import onboarding
from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import instance_id
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homewizard_energy.models import Device
import probatio

from ..const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN, LOGGER, SourceKind
from ..errors import DeviceConnectionError, EnergyHubError
from .client import (
    ApiVersion,
    HomeWizardClient,
    LocalApiDisabledError,
    NotAuthorizedError,
    WrongMeterError,
    detect_api,
    parse_host,
)
from .const import (
    CONF_API_VERSION,
    CONF_CAPACITY_RATE,
    CONF_METER_TYPE,
    DEFAULT_CAPACITY_RATE,
    DEFAULT_POLL_INTERVAL_S,
    ELECTRICITY_METERS,
    ENERGY_SOCKET,
    HOMEWIZARD_CORE_DOMAIN,
    METER_TYPES,
    P1_METER,
    SUPPORTED_PRODUCTS,
    WATER_METER,
    ZEROCONF_TYPES,
    identity_from_unique_id,
    unique_id_for,
)

HOST_SCHEMA = probatio.Schema({probatio.Required(CONF_HOST): TextSelector()})


def device_title(product_type: str, meter_type: str | None = None) -> str:
    """An entry's title, which names a kWh meter's or socket's device."""
    if product_type == P1_METER:
        return "P1 meter"
    if product_type == WATER_METER:
        return "Water meter"
    name = "Energy socket" if product_type == ENERGY_SOCKET else "kWh meter"
    return f"{name} ({meter_type})"


class HomeWizardConfigFlow(ConfigFlow):
    """Add a HomeWizard device: by address or discovery, v1 or v2 with pairing."""

    _hw_host: str
    _hw_api: ApiVersion
    # The device this flow is about, once known (discovery, reauth): a v2
    # device must then present this device's certificate.
    _hw_product: str | None = None
    _hw_serial: str | None = None
    # Read and (v2) paired, waiting for its meter type.
    _hw_found: Device
    _hw_token: str | None = None

    # Adding by address ---------------------------------------------------------

    async def async_step_homewizard(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the device's address (`ip` or `ip:port`)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._hw_host = parse_host(user_input[CONF_HOST])
            result = await self._hw_connect(errors)
            if result is not None:
                return result
        return self.async_show_form(
            step_id="homewizard",
            data_schema=self.add_suggested_values_to_schema(HOST_SCHEMA, user_input),
            errors=errors,
        )

    def _hw_client(
        self, api: ApiVersion, token: str | None = None, *, bound: bool = True
    ) -> HomeWizardClient:
        """A client for the flow's device; `bound`: to the device it is about."""
        return HomeWizardClient(
            self._hw_host,
            async_get_clientsession(self.hass),
            api,
            token,
            product_type=self._hw_product if bound else None,
            serial=self._hw_serial if bound else None,
        )

    async def _hw_connect(self, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Detect the API; add a v1 device or go on to pairing a v2 one."""
        self._hw_api = await detect_api(
            self._hw_host, async_get_clientsession(self.hass)
        )
        if self._hw_api is ApiVersion.V2:
            return await self.async_step_homewizard_pair()
        if (
            device := await self._hw_device(self._hw_client(ApiVersion.V1), errors)
        ) is None:
            return None
        return await self._hw_add(device, token=None)

    async def _hw_device(
        self, client: HomeWizardClient, errors: dict[str, str]
    ) -> Device | None:
        """Read the device's identity; None (and `errors` says why) if it cannot.

        Aborts the flow when the device is a HomeWizard product Energy Hub
        does not read.
        """
        try:
            device = await client.device()
        except LocalApiDisabledError:
            errors["base"] = "homewizard_api_disabled"
            return None
        except WrongMeterError:
            errors["base"] = "homewizard_wrong_device"
            return None
        except NotAuthorizedError:
            errors["base"] = "homewizard_not_paired"
            return None
        except EnergyHubError as err:
            LOGGER.debug("HomeWizard device at %s did not answer: %s", client.host, err)
            errors["base"] = "cannot_connect"
            return None
        if device.product_type not in SUPPORTED_PRODUCTS:
            raise AbortFlow(
                "homewizard_unsupported_product",
                description_placeholders={"product": device.product_type},
            )
        return device

    async def _hw_add(self, device: Device, token: str | None) -> ConfigFlowResult:
        """Add the device; a kWh meter or socket first asks what it measures."""
        await self.async_set_unique_id(
            unique_id_for(device.product_type, device.serial), raise_on_progress=False
        )
        self._abort_if_unique_id_configured(updates=self._hw_data(token))
        if device.product_type in ELECTRICITY_METERS:
            self._hw_found = device
            self._hw_token = token
            return await self.async_step_homewizard_meter_type()
        return self._hw_create(device, token)

    def _hw_data(self, token: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            CONF_SOURCE: SourceKind.HOMEWIZARD.value,
            CONF_HOST: self._hw_host,
            CONF_API_VERSION: self._hw_api.value,
        }
        if token is not None:
            data[CONF_TOKEN] = token
        return data

    def _hw_create(
        self, device: Device, token: str | None, meter_type: str | None = None
    ) -> ConfigFlowResult:
        data = self._hw_data(token)
        if meter_type is not None:
            data[CONF_METER_TYPE] = meter_type
        return self.async_create_entry(
            title=device_title(device.product_type, meter_type), data=data
        )

    async def async_step_homewizard_meter_type(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask what a kWh meter or socket measures (grid, solar, building, zone)."""
        device = self._hw_found
        if user_input is not None:
            return self._hw_create(device, self._hw_token, user_input[CONF_METER_TYPE])
        default = "zone" if device.product_type == ENERGY_SOCKET else "solar"
        return self.async_show_form(
            step_id="homewizard_meter_type",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_METER_TYPE, default=default): SelectSelector(
                        SelectSelectorConfig(
                            options=list(METER_TYPES),
                            translation_key="modbus_meter_type",
                            mode=SelectSelectorMode.DROPDOWN,
                        )
                    )
                }
            ),
            description_placeholders={
                "product": device.model_name or device.product_name,
                "host": self._hw_host,
            },
        )

    # API v2 pairing -------------------------------------------------------------

    async def _hw_request_token(self, errors: dict[str, str]) -> str | None:
        """Ask the device for a token; None (and `errors` says why) without one."""
        client = self._hw_client(ApiVersion.V2)
        # Part of this installation's id keeps tokens of two Home Assistants apart.
        uuid = await instance_id.async_get(self.hass)
        token: str | None = None
        try:
            token = await client.request_token(f"energy-hub#{uuid[:6]}")
        except WrongMeterError:
            errors["base"] = "homewizard_wrong_device"
            return None
        except DeviceConnectionError as err:
            LOGGER.debug("Token request to %s failed: %s", self._hw_host, err)
        if token is None:
            errors["base"] = "homewizard_button_not_pressed"
        return token

    async def async_step_homewizard_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the user to press the device's button, then ask for a token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = await self._hw_request_token(errors)
            if (
                token is not None
                and (device := await self._hw_paired_device(token, errors)) is not None
            ):
                return await self._hw_add(device, token)
        return self.async_show_form(
            step_id="homewizard_pair",
            description_placeholders={"host": self._hw_host},
            errors=errors,
        )

    async def _hw_paired_device(
        self, token: str, errors: dict[str, str]
    ) -> Device | None:
        """Read a v2 device's identity; its certificate must name that device.

        A device added by address tells its serial only now: it is read again
        over a connection that accepts only that device's certificate.
        """
        client = self._hw_client(ApiVersion.V2, token)
        if (device := await self._hw_device(client, errors)) is None:
            return None
        if self._hw_serial is not None:
            return device
        self._hw_product, self._hw_serial = device.product_type, device.serial
        return await self._hw_device(self._hw_client(ApiVersion.V2, token), errors)

    # Discovery --------------------------------------------------------------------

    async def async_homewizard_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult | None:
        """A HomeWizard device announced itself; offer it if it is new to us.

        None: not a HomeWizard announcement (another source's).
        """
        if discovery_info.type not in ZEROCONF_TYPES:
            return None
        properties = discovery_info.properties
        product_type = properties.get("product_type")
        serial = properties.get("serial")
        if not serial or not product_type:
            return self.async_abort(reason="homewizard_invalid_discovery")
        if product_type not in SUPPORTED_PRODUCTS:
            return self.async_abort(
                reason="homewizard_unsupported_product",
                description_placeholders={"product": product_type},
            )
        unique_id = unique_id_for(product_type, serial)
        if any(
            entry.unique_id == unique_id
            or entry.data.get("ip_address") == discovery_info.host
            for entry in self.hass.config_entries.async_entries(HOMEWIZARD_CORE_DOMAIN)
        ):
            # Core's HomeWizard integration has it already: do not offer it twice.
            return self.async_abort(reason="homewizard_in_core")
        host = discovery_info.host
        if discovery_info.port not in (None, 80, 443):
            host = f"{host}:{discovery_info.port}"
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        self._hw_host = host
        self._hw_product = product_type
        self._hw_serial = serial
        self.context["title_placeholders"] = {
            "name": properties.get("product_name") or product_type
        }
        return await self.async_step_homewizard_discovery_confirm()

    async def async_step_homewizard_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm adding a discovered device."""
        errors: dict[str, str] = {}
        if user_input is not None or not onboarding.async_is_onboarded(self.hass):
            result = await self._hw_connect(errors)
            if result is not None:
                return result
        self._set_confirm_only()
        return self.async_show_form(
            step_id="homewizard_discovery_confirm",
            description_placeholders={
                "host": self._hw_host,
                "name": self.context.get("title_placeholders", {}).get(
                    "name", "HomeWizard"
                ),
            },
            errors=errors,
        )

    async def async_homewizard_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult | None:
        """A known device got a new address: update the entry, offer nothing new.

        None: not a HomeWizard device of ours (another source's device).
        """
        serial = format_mac(discovery_info.macaddress).replace(":", "")
        for product_type in SUPPORTED_PRODUCTS:
            unique_id = unique_id_for(product_type, serial)
            entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, unique_id
            )
            if entry is None:
                continue
            await self.async_set_unique_id(unique_id)
            old_host: str = entry.data[CONF_HOST]
            port = old_host.rpartition(":")[2] if ":" in old_host else None
            new_host = f"{discovery_info.ip}:{port}" if port else discovery_info.ip
            self._abort_if_unique_id_configured(updates={CONF_HOST: new_host})
            return self.async_abort(reason="already_configured")
        return None

    # Reauth and reconfigure -----------------------------------------------------

    def _hw_bind_to(self, unique_id: str | None) -> None:
        """From now on the flow talks to the device of this entry's unique id."""
        identity = identity_from_unique_id(unique_id)
        self._hw_product, self._hw_serial = identity or (None, None)

    async def async_step_homewizard_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """v2: the token stopped working (pair again); v1: the API was disabled."""
        self._hw_host = entry_data[CONF_HOST]
        self._hw_bind_to(self._get_reauth_entry().unique_id)
        if entry_data.get(CONF_API_VERSION) == ApiVersion.V2:
            return await self.async_step_homewizard_reauth_pair()
        return await self.async_step_homewizard_reauth_enable_api()

    async def async_step_homewizard_reauth_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Press the button again for a new token."""
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (token := await self._hw_request_token(errors)) is not None
        ):
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data_updates={CONF_TOKEN: token}
            )
        return self.async_show_form(
            step_id="homewizard_reauth_pair",
            description_placeholders={"host": self._hw_host},
            errors=errors,
        )

    async def async_step_homewizard_reauth_enable_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the owner to enable the local API again, then check."""
        errors: dict[str, str] = {}
        if user_input is not None:
            client = self._hw_client(ApiVersion.V1)
            if await self._hw_device(client, errors) is not None:
                entry = self._get_reauth_entry()
                await self.hass.config_entries.async_reload(entry.entry_id)
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="homewizard_reauth_enable_api", errors=errors
        )

    async def async_step_homewizard_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to a new address (same device)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            self._hw_host = parse_host(user_input[CONF_HOST])
            self._hw_bind_to(entry.unique_id)
            api = await detect_api(self._hw_host, async_get_clientsession(self.hass))
            # A v2 device at the new address must present this device's certificate.
            client = self._hw_client(api, entry.data.get(CONF_TOKEN))
            if (device := await self._hw_device(client, errors)) is not None:
                await self.async_set_unique_id(
                    unique_id_for(device.product_type, device.serial)
                )
                self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_HOST: self._hw_host,
                        CONF_API_VERSION: api.value,
                    },
                )
        return self.async_show_form(
            step_id="homewizard_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST]}
            ),
            errors=errors,
        )


class HomeWizardOptionsFlow(OptionsFlowWithReload):
    """Poll interval; for a P1 meter also the capacity tariff's rate."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Options of every source start here; HomeWizard's are one form."""
        return await self.async_step_homewizard_options(user_input)

    async def async_step_homewizard_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the poll interval (and a P1 meter's capacity rate)."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        fields: dict[Any, Any] = {
            probatio.Required(
                CONF_POLL_INTERVAL,
                default=options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=1,
                    max=60,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            )
        }
        identity = identity_from_unique_id(self.config_entry.unique_id)
        if identity is None or identity[0] == P1_METER:
            fields[
                probatio.Required(
                    CONF_CAPACITY_RATE,
                    default=options.get(CONF_CAPACITY_RATE, DEFAULT_CAPACITY_RATE),
                )
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=1000,
                    step=0.01,
                    unit_of_measurement="EUR/kW/year",
                    mode=NumberSelectorMode.BOX,
                )
            )
        return self.async_show_form(
            step_id="homewizard_options", data_schema=probatio.Schema(fields)
        )
