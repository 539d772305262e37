"""Config, reauth, reconfigure, discovery and options flows of the Powerwall source."""

from collections.abc import Mapping
from fnmatch import fnmatch
from typing import Any

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import probatio

from ..const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN, LOGGER, SourceKind
from ..errors import DeviceAuthError, DeviceRateLimitedError, EnergyHubError
from .const import (
    CHANNEL_FLEETAPI,
    CHANNEL_NETZERO,
    CHANNEL_NONE,
    CONF_CERTIFICATE_SHA256,
    CONF_CONNECTION_MODE,
    CONF_CONTROL_CHANNEL,
    CONF_EMAIL,
    CONF_FLEET_ACCESS_TOKEN,
    CONF_FLEET_AUDIENCE,
    CONF_FLEET_CLIENT_ID,
    CONF_FLEET_CLIENT_SECRET,
    CONF_FLEET_REFRESH_TOKEN,
    CONF_FLEET_SITE_ID,
    CONF_SITE_ID,
    CONF_TOKEN,
    DEFAULT_POLL_INTERVAL_S,
    DHCP_HOSTNAME_PATTERNS,
    FLEET_OPTION_KEYS,
    ISSUE_CERTIFICATE,
    MAX_POLL_INTERVAL_S,
    MIN_POLL_INTERVAL_S,
    MODE_LOCAL,
    MODE_TEDAPI,
)
from .coordinator import control_token_issue_id
from .fleetapi import REGION_URLS, FleetApiClient, FleetApiCredentials
from .gateway import DEFAULT_HOST, GatewayInfo, probe_gateway, split_host, with_port
from .netzero import NetZeroClient, SiteNotFoundError
from .source import async_forget_session, fleetapi_folder, gateway_for

# Option fields that hold a secret: never shown again; left empty, they keep
# the stored value.
SECRET_OPTIONS = frozenset(
    {
        CONF_TOKEN,
        CONF_FLEET_CLIENT_SECRET,
        CONF_FLEET_ACCESS_TOKEN,
        CONF_FLEET_REFRESH_TOKEN,
    }
)

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_EMAIL = TextSelector(TextSelectorConfig(type=TextSelectorType.EMAIL))
_CREDENTIALS = {
    probatio.Required(CONF_PASSWORD): _PASSWORD,
    probatio.Optional(CONF_EMAIL): _EMAIL,
}
_CONNECTION_MODE = SelectSelector(
    SelectSelectorConfig(
        options=[MODE_LOCAL, MODE_TEDAPI],
        translation_key="powerwall_connection_mode",
        mode=SelectSelectorMode.LIST,
    )
)
GATEWAY_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_HOST, default=DEFAULT_HOST): str}
    | _CREDENTIALS
    | {probatio.Required(CONF_CONNECTION_MODE, default=MODE_LOCAL): _CONNECTION_MODE}
)
CREDENTIALS_SCHEMA = probatio.Schema(_CREDENTIALS)
CONTROL_FIELDS = {
    probatio.Optional(CONF_TOKEN): _PASSWORD,
    probatio.Optional(CONF_SITE_ID): str,
}
_CONTROL_CHANNEL = SelectSelector(
    SelectSelectorConfig(
        options=[CHANNEL_NONE, CHANNEL_NETZERO, CHANNEL_FLEETAPI],
        translation_key="powerwall_control_channel",
        mode=SelectSelectorMode.LIST,
    )
)
# The secrets are optional in the form: left empty, the stored ones stay
# (a first set-up without them is "fleetapi_incomplete").
FLEETAPI_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_FLEET_CLIENT_ID): str,
        probatio.Optional(CONF_FLEET_CLIENT_SECRET): _PASSWORD,
        probatio.Required(CONF_FLEET_AUDIENCE, default=REGION_URLS[0]): SelectSelector(
            SelectSelectorConfig(
                options=list(REGION_URLS),
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        probatio.Optional(CONF_FLEET_ACCESS_TOKEN): _PASSWORD,
        probatio.Optional(CONF_FLEET_REFRESH_TOKEN): _PASSWORD,
        probatio.Required(CONF_FLEET_SITE_ID): str,
    }
)


def _without_secrets(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a form may show again: everything but the secrets."""
    return {key: value for key, value in values.items() if key not in SECRET_OPTIONS}


def _keep_stored_secrets(
    user_input: Mapping[str, Any], stored: Mapping[str, Any], keys: frozenset[str]
) -> dict[str, Any]:
    """`user_input` with each empty secret of `keys` taken from `stored`."""
    merged = dict(user_input)
    for key in keys & SECRET_OPTIONS:
        if not str(merged.get(key) or "").strip() and stored.get(key):
            merged[key] = stored[key]
    return merged


def _gateway_data(
    user_input: dict[str, Any],
    host: str,
    info: GatewayInfo,
    mode: str | None = None,
) -> dict[str, Any]:
    """Entry data from a checked form; `mode` for forms without the mode field."""
    data = {
        CONF_SOURCE: SourceKind.POWERWALL.value,
        CONF_HOST: host.strip(),
        CONF_PASSWORD: user_input[CONF_PASSWORD],
        CONF_CONNECTION_MODE: mode or user_input.get(CONF_CONNECTION_MODE, MODE_LOCAL),
    }
    if email := (user_input.get(CONF_EMAIL) or "").strip():
        data[CONF_EMAIL] = email
    if info.certificate_sha256:
        data[CONF_CERTIFICATE_SHA256] = info.certificate_sha256
    return data


def _form_data(
    user_input: dict[str, Any], host: str, mode: str | None = None
) -> dict[str, Any]:
    """What a gateway check needs from a form (not yet entry data)."""
    return {
        CONF_HOST: host.strip(),
        CONF_PASSWORD: user_input[CONF_PASSWORD],
        CONF_EMAIL: (user_input.get(CONF_EMAIL) or "").strip() or None,
        CONF_CONNECTION_MODE: mode or user_input.get(CONF_CONNECTION_MODE, MODE_LOCAL),
    }


async def _async_check_gateway(
    hass: HomeAssistant, data: dict[str, Any]
) -> tuple[GatewayInfo | None, dict[str, str]]:
    """Log in and read the gateway's identity; return it or the form errors.

    The session lives only for the check (no cached cookies): the password
    is really checked.
    """
    gateway = gateway_for(hass, data)
    try:
        return await hass.async_add_executor_job(gateway.connect), {}
    except DeviceAuthError:
        return None, {"base": "invalid_auth"}
    except DeviceRateLimitedError:
        return None, {"base": "rate_limited"}
    except EnergyHubError:
        return None, {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error checking the Powerwall gateway")
        return None, {"base": "unknown"}
    finally:
        await hass.async_add_executor_job(gateway.close)


async def _async_check_control(
    hass: HomeAssistant, user_input: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """Check the NetZero token and site id; return the options or the errors."""
    token = str(user_input.get(CONF_TOKEN) or "").strip()
    site_id = str(user_input.get(CONF_SITE_ID) or "").strip()
    if not token and not site_id:
        return {}, {}
    if not token or not site_id:
        return {}, {"base": "netzero_incomplete"}
    client = NetZeroClient(async_get_clientsession(hass), token, site_id)
    try:
        await client.read()
    except DeviceAuthError:
        return {}, {CONF_TOKEN: "invalid_auth"}
    except SiteNotFoundError:
        return {}, {CONF_SITE_ID: "site_not_found"}
    except DeviceRateLimitedError:
        return {}, {"base": "rate_limited"}
    except EnergyHubError:
        return {}, {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error checking the NetZero channel")
        return {}, {"base": "unknown"}
    return {CONF_TOKEN: token, CONF_SITE_ID: site_id}, {}


async def _async_check_fleetapi(
    hass: HomeAssistant, entry_id: str, user_input: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """Read the site through FleetAPI; return the options (fresh tokens) or errors."""
    fields = {key: str(value).strip() for key, value in user_input.items()}
    credentials = FleetApiCredentials.from_options(fields)
    if credentials is None:
        return {}, {"base": "fleetapi_incomplete"}
    if not credentials.audience.startswith("https://"):
        return {}, {CONF_FLEET_AUDIENCE: "fleetapi_not_https"}
    client = FleetApiClient(credentials, fleetapi_folder(hass, entry_id))
    try:
        await client.read()
    except DeviceRateLimitedError:
        return {}, {"base": "rate_limited"}
    except EnergyHubError:
        return {}, {"base": "fleetapi_failed"}
    except Exception:
        LOGGER.exception("Unexpected error checking the FleetAPI channel")
        return {}, {"base": "unknown"}
    # The check may have refreshed the tokens; the old refresh token is spent.
    return client.credentials.as_options(), {}


def _control_channel(options: Mapping[str, Any]) -> str:
    """The channel that `options` name, or imply (entries from before the choice)."""
    if channel := options.get(CONF_CONTROL_CHANNEL):
        return str(channel)
    if options.get(CONF_TOKEN) or options.get(CONF_SITE_ID):
        return CHANNEL_NETZERO
    return CHANNEL_NONE


def certificate_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose gateway turned up with another certificate."""
    return f"{ISSUE_CERTIFICATE}_{entry_id}"


class PowerwallConfigFlow(ConfigFlow):
    """The Powerwall steps that Energy Hub's config flow inherits (no domain)."""

    _powerwall_data: dict[str, Any]
    _powerwall_title: str = "Powerwall"
    _powerwall_discovered_host: str | None = None
    # Reconfigure: the address a certificate repair named (read once, as the
    # repair is closed once this flow has started).
    _powerwall_moved_host: str | None = None

    async def async_step_powerwall(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the gateway's address and the customer password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST]
            info, errors = await _async_check_gateway(
                self.hass, _form_data(user_input, host)
            )
            if info is not None:
                data = _gateway_data(user_input, host, info)
                await self.async_set_unique_id(info.din)
                # The owner typed this address and the password it accepted.
                self._abort_if_unique_id_configured(
                    updates={
                        key: data[key]
                        for key in (CONF_HOST, CONF_CERTIFICATE_SHA256)
                        if key in data
                    }
                )
                return await self._async_gateway_checked(info, data)
        return self.async_show_form(
            step_id="powerwall",
            data_schema=self.add_suggested_values_to_schema(
                GATEWAY_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
        )

    async def _async_gateway_checked(
        self, info: GatewayInfo, data: dict[str, Any]
    ) -> ConfigFlowResult:
        self._powerwall_data = data
        self._powerwall_title = info.site_name or "Powerwall"
        return await self.async_step_powerwall_control()

    async def async_step_powerwall_control(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Optionally add the NetZero control channel."""
        errors: dict[str, str] = {}
        if user_input is not None:
            control, errors = await _async_check_control(self.hass, user_input)
            if not errors:
                return self.async_create_entry(
                    title=self._powerwall_title,
                    data=self._powerwall_data,
                    options={CONF_POLL_INTERVAL: DEFAULT_POLL_INTERVAL_S} | control,
                )
        return self.async_show_form(
            step_id="powerwall_control",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(CONTROL_FIELDS), _without_secrets(user_input or {})
            ),
            errors=errors,
        )

    async def async_powerwall_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult | None:
        """A Tesla gateway asked for an address (None: another source's device)."""
        hostname = discovery_info.hostname.lower()
        if not any(fnmatch(hostname, pattern) for pattern in DHCP_HOSTNAME_PATTERNS):
            return None
        # The gateway's DHCP hostname is its DIN (core's powerwall reads it so too).
        din = discovery_info.hostname.upper()
        await self.async_set_unique_id(din)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, din)
        if entry is not None:
            return await self._async_known_gateway_at(entry, discovery_info.ip)
        if self.hass.config_entries.async_entry_for_domain_unique_id("powerwall", din):
            # Already in Home Assistant through the core integration: do not
            # offer the same gateway twice unasked.
            return self.async_abort(reason="powerwall_core_configured")
        self._powerwall_discovered_host = discovery_info.ip
        self.context["title_placeholders"] = {"name": "Powerwall"}
        return await self.async_step_powerwall_discovery()

    async def _async_known_gateway_at(
        self, entry: ConfigEntry, address: str
    ) -> ConfigFlowResult:
        """A configured gateway's name turned up at `address`: move only if it is it.

        Anything on the network can claim the gateway's DHCP name. The entry
        moves (keeping its port) only when the new address answers with the
        gateway's DIN and the TLS certificate recorded for it; the same DIN
        with another certificate raises a repair issue that leads to
        reconfigure, and the entry stays where it is.
        """
        if entry.source == SOURCE_IGNORE or entry.data.get(CONF_SOURCE) != (
            SourceKind.POWERWALL
        ):
            return self.async_abort(reason="already_configured")
        current = entry.data[CONF_HOST]
        new_host = with_port(address, split_host(current)[1])
        stored = entry.data.get(CONF_CERTIFICATE_SHA256)
        if (
            new_host == current
            # TEDAPI answers only on the gateway's own Wi-Fi (192.168.91.1).
            or entry.data.get(CONF_CONNECTION_MODE) == MODE_TEDAPI
            or not stored  # nothing to compare with until the entry connects
        ):
            return self.async_abort(reason="already_configured")
        try:
            probe = await self.hass.async_add_executor_job(probe_gateway, new_host)
        except EnergyHubError as err:
            LOGGER.debug("Not moving %s to %s: %s", entry.title, new_host, err)
            return self.async_abort(reason="already_configured")
        if probe.din != entry.unique_id:
            LOGGER.debug("Not moving %s: %s is another device", entry.title, new_host)
            return self.async_abort(reason="already_configured")
        if probe.certificate_sha256 != stored:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                certificate_issue_id(entry.entry_id),
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_CERTIFICATE,
                translation_placeholders={
                    "entry": entry.title,
                    "host": new_host,
                    "configured": current,
                },
                data={"entry_id": entry.entry_id, CONF_HOST: new_host},
            )
            return self.async_abort(reason="powerwall_certificate_changed")
        return self.async_update_reload_and_abort(
            entry,
            data_updates={CONF_HOST: new_host},
            reason="already_configured",
        )

    async def async_step_powerwall_discovery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password of a discovered gateway."""
        host = self._powerwall_discovered_host or DEFAULT_HOST
        errors: dict[str, str] = {}
        if user_input is not None:
            info, errors = await _async_check_gateway(
                self.hass, _form_data(user_input, host)
            )
            if info is not None:
                await self.async_set_unique_id(info.din, raise_on_progress=False)
                entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, info.din
                )
                if entry is not None:
                    return await self._async_known_gateway_at(
                        entry, split_host(host)[0]
                    )
                return await self._async_gateway_checked(
                    info, _gateway_data(user_input, host, info)
                )
        return self.async_show_form(
            step_id="powerwall_discovery",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, _without_password(user_input)
            ),
            description_placeholders={"host": host},
            errors=errors,
        )

    async def async_step_powerwall_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The gateway refused the stored password."""
        return await self.async_step_powerwall_reauth_confirm()

    async def async_step_powerwall_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = entry.data[CONF_HOST]
            mode = entry.data.get(CONF_CONNECTION_MODE, MODE_LOCAL)
            info, errors = await _async_check_gateway(
                self.hass, _form_data(user_input, host, mode)
            )
            if info is not None:
                await self.async_set_unique_id(info.din)
                self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                # No session of the old password may stand in for the new one.
                await async_forget_session(self.hass, entry.entry_id)
                return self.async_update_reload_and_abort(
                    entry, data=_gateway_data(user_input, host, info, mode)
                )
        return self.async_show_form(
            step_id="powerwall_reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, {CONF_EMAIL: entry.data.get(CONF_EMAIL)}
            ),
            description_placeholders={"host": entry.data[CONF_HOST]},
            errors=errors,
        )

    async def async_step_powerwall_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the gateway's address or credentials."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST]
            info, errors = await _async_check_gateway(
                self.hass, _form_data(user_input, host)
            )
            if info is not None:
                await self.async_set_unique_id(info.din)
                self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                await async_forget_session(self.hass, entry.entry_id)
                # The owner confirmed this address and its certificate.
                ir.async_delete_issue(
                    self.hass, DOMAIN, certificate_issue_id(entry.entry_id)
                )
                return self.async_update_reload_and_abort(
                    entry, data=_gateway_data(user_input, host, info)
                )
        if self._powerwall_moved_host is None:
            self._powerwall_moved_host = _moved_host(self.hass, entry) or ""
        suggested = _without_password(user_input) or {
            CONF_HOST: self._powerwall_moved_host or entry.data[CONF_HOST],
            CONF_EMAIL: entry.data.get(CONF_EMAIL),
            CONF_CONNECTION_MODE: entry.data.get(CONF_CONNECTION_MODE, MODE_LOCAL),
        }
        return self.async_show_form(
            step_id="powerwall_reconfigure",
            data_schema=self.add_suggested_values_to_schema(GATEWAY_SCHEMA, suggested),
            errors=errors,
        )


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """A gateway form's input without the password, to show the form again."""
    return {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD}


def _moved_host(hass: HomeAssistant, entry: ConfigEntry) -> str | None:
    """The address the gateway's name turned up at, when a repair issue says so."""
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, certificate_issue_id(entry.entry_id)
    )
    host = (issue.data or {}).get(CONF_HOST) if issue is not None else None
    return host if isinstance(host, str) else None


class PowerwallOptionsFlow(OptionsFlowWithReload):
    """Poll interval and the control channel (none, NetZero or FleetAPI).

    Secrets (the NetZero token, FleetAPI's client secret and tokens) are never
    shown again: a field left empty keeps the stored one.
    """

    _poll_interval: int = DEFAULT_POLL_INTERVAL_S

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Hand over to the Powerwall options step.

        While the FleetAPI channel's token is refused (a repair issue is
        open), straight to the page where it is entered.
        """
        options = self.config_entry.options
        refused = ir.async_get(self.hass).async_get_issue(
            DOMAIN, control_token_issue_id(self.config_entry.entry_id)
        )
        if (
            user_input is None
            and refused is not None
            and _control_channel(options) == CHANNEL_FLEETAPI
        ):
            self._poll_interval = int(
                options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
            )
            return await self.async_step_powerwall_fleetapi()
        return await self.async_step_powerwall_options(user_input)

    async def async_step_powerwall_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the poll interval or the control channel."""
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            poll_interval = int(user_input[CONF_POLL_INTERVAL])
            channel = _control_channel(user_input)
            if channel == CHANNEL_FLEETAPI:
                self._poll_interval = poll_interval
                return await self.async_step_powerwall_fleetapi()
            if channel == CHANNEL_NONE:
                return self.async_create_entry(data={CONF_POLL_INTERVAL: poll_interval})
            stored = options if _control_channel(options) == CHANNEL_NETZERO else {}
            control, errors = await _async_check_control(
                self.hass,
                _keep_stored_secrets(user_input, stored, frozenset({CONF_TOKEN})),
            )
            if not control and not errors:
                errors = {"base": "netzero_incomplete"}
            if not errors:
                return self.async_create_entry(
                    data={CONF_POLL_INTERVAL: poll_interval} | control
                )
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_POLL_INTERVAL, default=DEFAULT_POLL_INTERVAL_S
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_POLL_INTERVAL_S,
                        max=MAX_POLL_INTERVAL_S,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                probatio.Optional(CONF_CONTROL_CHANNEL): _CONTROL_CHANNEL,
            }
            | CONTROL_FIELDS
        )
        suggested = user_input or options | {
            CONF_CONTROL_CHANNEL: _control_channel(options)
        }
        return self.async_show_form(
            step_id="powerwall_options",
            data_schema=self.add_suggested_values_to_schema(
                schema, _without_secrets(suggested)
            ),
            errors=errors,
        )

    async def async_step_powerwall_fleetapi(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take the fields of pypowerwall's FleetAPI setup and read the site."""
        errors: dict[str, str] = {}
        options = dict(self.config_entry.options)
        stored = options if _control_channel(options) == CHANNEL_FLEETAPI else {}
        if user_input is not None:
            fields = _keep_stored_secrets(
                user_input, stored, frozenset(FLEET_OPTION_KEYS)
            )
            fleet, errors = await _async_check_fleetapi(
                self.hass, self.config_entry.entry_id, fields
            )
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_POLL_INTERVAL: self._poll_interval,
                        CONF_CONTROL_CHANNEL: CHANNEL_FLEETAPI,
                    }
                    | fleet
                )
        return self.async_show_form(
            step_id="powerwall_fleetapi",
            data_schema=self.add_suggested_values_to_schema(
                FLEETAPI_SCHEMA, _without_secrets(user_input or stored)
            ),
            errors=errors,
        )
