"""Config and options flow of the HomeWizard P1 source.

`P1ConfigFlow` holds the P1 steps of the main flow, which inherits it and
dispatches discovery, reauth and reconfigure to them; `P1OptionsFlow` is the
P1 entry's options flow.
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
    TextSelector,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homewizard_energy.models import Device
import probatio

from ..const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN, LOGGER, SourceKind
from ..errors import DeviceConnectionError, EnergyHubError
from .client import (
    P1_PRODUCT_TYPE,
    ApiVersion,
    LocalApiDisabledError,
    NotAuthorizedError,
    P1Client,
    detect_api,
    parse_host,
)
from .const import (
    CONF_API_VERSION,
    CONF_CAPACITY_RATE,
    DEFAULT_CAPACITY_RATE,
    DEFAULT_POLL_INTERVAL_S,
    HOMEWIZARD_CORE_DOMAIN,
    ZEROCONF_TYPES,
    unique_id_for,
)

HOST_SCHEMA = probatio.Schema({probatio.Required(CONF_HOST): TextSelector()})


class P1ConfigFlow(ConfigFlow):
    """Add a HomeWizard P1 meter: by address, by discovery, v1 or v2 with pairing."""

    _p1_host: str
    _p1_api: ApiVersion

    # Adding by address ---------------------------------------------------------

    async def async_step_p1(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the meter's address (`ip` or `ip:port`)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._p1_host = parse_host(user_input[CONF_HOST])
            result = await self._p1_connect(errors)
            if result is not None:
                return result
        return self.async_show_form(
            step_id="p1",
            data_schema=self.add_suggested_values_to_schema(HOST_SCHEMA, user_input),
            errors=errors,
        )

    async def _p1_connect(self, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Detect the API; add a v1 meter or go on to pairing a v2 one."""
        session = async_get_clientsession(self.hass)
        self._p1_api = await detect_api(self._p1_host, session)
        if self._p1_api is ApiVersion.V2:
            return await self.async_step_p1_pair()
        client = P1Client(self._p1_host, session, self._p1_api)
        if (device := await self._p1_device(client, errors)) is None:
            return None
        return await self._p1_create(device, token=None)

    async def _p1_device(
        self, client: P1Client, errors: dict[str, str]
    ) -> Device | None:
        """Read the meter's identity; None (and `errors` says why) if it cannot.

        Aborts the flow when the device is another HomeWizard product.
        """
        try:
            device = await client.device()
        except LocalApiDisabledError:
            errors["base"] = "p1_api_disabled"
            return None
        except NotAuthorizedError:
            errors["base"] = "p1_not_paired"
            return None
        except EnergyHubError as err:
            LOGGER.debug("P1 meter at %s did not answer: %s", client.host, err)
            errors["base"] = "cannot_connect"
            return None
        if device.product_type != P1_PRODUCT_TYPE:
            raise AbortFlow("p1_not_a_p1_meter")
        return device

    async def _p1_create(self, device: Device, token: str | None) -> ConfigFlowResult:
        data = {
            CONF_SOURCE: SourceKind.P1.value,
            CONF_HOST: self._p1_host,
            CONF_API_VERSION: self._p1_api.value,
        }
        if token is not None:
            data[CONF_TOKEN] = token
        await self.async_set_unique_id(
            unique_id_for(device.serial), raise_on_progress=False
        )
        self._abort_if_unique_id_configured(updates=data)
        return self.async_create_entry(title="P1 meter", data=data)

    # API v2 pairing -------------------------------------------------------------

    async def _p1_request_token(self) -> str | None:
        client = P1Client(
            self._p1_host, async_get_clientsession(self.hass), ApiVersion.V2
        )
        # Part of this installation's id keeps tokens of two Home Assistants apart.
        uuid = await instance_id.async_get(self.hass)
        try:
            return await client.request_token(f"energy-hub#{uuid[:6]}")
        except DeviceConnectionError as err:
            LOGGER.debug("Token request to %s failed: %s", self._p1_host, err)
            return None

    async def async_step_p1_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the user to press the meter's button, then ask for a token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = await self._p1_request_token()
            if token is None:
                errors["base"] = "p1_button_not_pressed"
            else:
                client = P1Client(
                    self._p1_host,
                    async_get_clientsession(self.hass),
                    ApiVersion.V2,
                    token,
                )
                if (device := await self._p1_device(client, errors)) is not None:
                    return await self._p1_create(device, token)
        return self.async_show_form(
            step_id="p1_pair",
            description_placeholders={"host": self._p1_host},
            errors=errors,
        )

    # Discovery --------------------------------------------------------------------

    async def async_p1_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult | None:
        """A HomeWizard device announced itself; offer it if it is a new P1 meter.

        None: not a HomeWizard announcement (another source's).
        """
        if discovery_info.type not in ZEROCONF_TYPES:
            return None
        properties = discovery_info.properties
        product_type = properties.get("product_type")
        serial = properties.get("serial")
        if not serial or not product_type:
            return self.async_abort(reason="p1_invalid_discovery")
        if product_type != P1_PRODUCT_TYPE:
            return self.async_abort(reason="p1_not_a_p1_meter")
        unique_id = unique_id_for(serial)
        if any(
            entry.unique_id == unique_id
            or entry.data.get("ip_address") == discovery_info.host
            for entry in self.hass.config_entries.async_entries(HOMEWIZARD_CORE_DOMAIN)
        ):
            # Core's HomeWizard integration has it already: do not offer it twice.
            return self.async_abort(reason="p1_in_homewizard")
        host = discovery_info.host
        if discovery_info.port not in (None, 80, 443):
            host = f"{host}:{discovery_info.port}"
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        self._p1_host = host
        self.context["title_placeholders"] = {"name": "P1 meter"}
        return await self.async_step_p1_discovery_confirm()

    async def async_step_p1_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm adding a discovered meter."""
        errors: dict[str, str] = {}
        if user_input is not None or not onboarding.async_is_onboarded(self.hass):
            result = await self._p1_connect(errors)
            if result is not None:
                return result
        self._set_confirm_only()
        return self.async_show_form(
            step_id="p1_discovery_confirm",
            description_placeholders={"host": self._p1_host},
            errors=errors,
        )

    async def async_p1_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult | None:
        """A known meter got a new address: update the entry, offer nothing new.

        None: not a P1 meter of ours (another source's device).
        """
        unique_id = unique_id_for(
            format_mac(discovery_info.macaddress).replace(":", "")
        )
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, unique_id
        )
        if entry is None:
            return None
        await self.async_set_unique_id(unique_id)
        old_host: str = entry.data[CONF_HOST]
        port = old_host.rpartition(":")[2] if ":" in old_host else None
        new_host = f"{discovery_info.ip}:{port}" if port else discovery_info.ip
        self._abort_if_unique_id_configured(updates={CONF_HOST: new_host})
        return self.async_abort(reason="already_configured")

    # Reauth and reconfigure -----------------------------------------------------

    async def async_step_p1_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """v2: the token stopped working (pair again); v1: the API was disabled."""
        self._p1_host = entry_data[CONF_HOST]
        if entry_data.get(CONF_API_VERSION) == ApiVersion.V2:
            return await self.async_step_p1_reauth_pair()
        return await self.async_step_p1_reauth_enable_api()

    async def async_step_p1_reauth_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Press the button again for a new token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if (token := await self._p1_request_token()) is None:
                errors["base"] = "p1_button_not_pressed"
            else:
                return self.async_update_reload_and_abort(
                    self._get_reauth_entry(), data_updates={CONF_TOKEN: token}
                )
        return self.async_show_form(
            step_id="p1_reauth_pair",
            description_placeholders={"host": self._p1_host},
            errors=errors,
        )

    async def async_step_p1_reauth_enable_api(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the owner to enable the local API again, then check."""
        errors: dict[str, str] = {}
        if user_input is not None:
            client = P1Client(
                self._p1_host, async_get_clientsession(self.hass), ApiVersion.V1
            )
            if await self._p1_device(client, errors) is not None:
                entry = self._get_reauth_entry()
                await self.hass.config_entries.async_reload(entry.entry_id)
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(step_id="p1_reauth_enable_api", errors=errors)

    async def async_step_p1_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to a new address (same meter)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = parse_host(user_input[CONF_HOST])
            session = async_get_clientsession(self.hass)
            api = await detect_api(host, session)
            client = P1Client(host, session, api, entry.data.get(CONF_TOKEN))
            if (device := await self._p1_device(client, errors)) is not None:
                await self.async_set_unique_id(unique_id_for(device.serial))
                self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={CONF_HOST: host, CONF_API_VERSION: api.value},
                )
        return self.async_show_form(
            step_id="p1_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST]}
            ),
            errors=errors,
        )


class P1OptionsFlow(OptionsFlowWithReload):
    """Poll interval and the capacity tariff's rate."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Options of every source start here; the P1's are one form."""
        return await self.async_step_p1_options(user_input)

    async def async_step_p1_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the poll interval and the capacity rate."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        return self.async_show_form(
            step_id="p1_options",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_POLL_INTERVAL,
                        default=options.get(
                            CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=1,
                            max=60,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                    probatio.Required(
                        CONF_CAPACITY_RATE,
                        default=options.get(CONF_CAPACITY_RATE, DEFAULT_CAPACITY_RATE),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=0,
                            max=1000,
                            step=0.01,
                            unit_of_measurement="EUR/kW/year",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                }
            ),
        )
