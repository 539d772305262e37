"""Config and options flow of the CT clamp source."""

from __future__ import annotations

from typing import Any

from homeassistant.components import webhook
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.helpers import selector
from homeassistant.helpers.network import NoURLAvailableError
import probatio as vol

from ..const import CONF_SOURCE, SourceKind
from .const import (
    CONF_ALLOW_EXTERNAL,
    CONF_CHANNELS,
    CONF_GRID_CHANNELS,
    CONF_MAX_GAP,
    CONF_NAME,
    CONF_POWER_FACTOR,
    CONF_SOLAR_CHANNELS,
    CONF_STALE_TIMEOUT,
    CONF_VOLTAGE,
    CONF_VOLTAGE_ENTITY,
    CONF_WEBHOOK_ID,
    DEFAULT_CHANNELS,
    DEFAULT_MAX_GAP_S,
    DEFAULT_NAME,
    DEFAULT_POWER_FACTOR,
    DEFAULT_STALE_TIMEOUT_S,
    DEFAULT_VOLTAGE,
)
from .model import ChannelRole, parse_channel_spec

_VOLTAGE = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=80,
        max=300,
        step=1,
        unit_of_measurement="V",
        mode=selector.NumberSelectorMode.BOX,
    )
)
_VOLTAGE_ENTITY = selector.EntitySelector(
    selector.EntitySelectorConfig(
        domain="sensor", device_class=SensorDeviceClass.VOLTAGE
    )
)
_POWER_FACTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=0.1, max=1.0, step=0.01, mode=selector.NumberSelectorMode.BOX
    )
)
_SECONDS = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=60,
        max=3600,
        step=1,
        unit_of_measurement="s",
        mode=selector.NumberSelectorMode.BOX,
    )
)


def _electrical_fields(defaults: dict[str, Any]) -> dict[vol.Marker, Any]:
    """Voltage, optional voltage sensor and power factor (both flows ask these)."""
    fields: dict[vol.Marker, Any] = {
        vol.Required(
            CONF_VOLTAGE, default=defaults.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)
        ): _VOLTAGE,
    }
    entity = defaults.get(CONF_VOLTAGE_ENTITY)
    fields[
        vol.Optional(
            CONF_VOLTAGE_ENTITY,
            description={"suggested_value": entity} if entity else None,
        )
    ] = _VOLTAGE_ENTITY
    fields[
        vol.Required(
            CONF_POWER_FACTOR,
            default=defaults.get(CONF_POWER_FACTOR, DEFAULT_POWER_FACTOR),
        )
    ] = _POWER_FACTOR
    return fields


def _electrical_options(user_input: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        CONF_VOLTAGE: float(user_input[CONF_VOLTAGE]),
        CONF_POWER_FACTOR: float(user_input[CONF_POWER_FACTOR]),
    }
    if user_input.get(CONF_VOLTAGE_ENTITY):
        options[CONF_VOLTAGE_ENTITY] = user_input[CONF_VOLTAGE_ENTITY]
    return options


class CtClampConfigFlow(ConfigFlow):
    """Name the board and its channels, then say which channel measures what."""

    _ct_settings: dict[str, Any]
    _ct_channels: list[tuple[str, str]]

    async def async_step_ct_clamp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the board's name, channels and electrical assumptions."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match(
                {CONF_SOURCE: SourceKind.CT_CLAMP, CONF_NAME: user_input[CONF_NAME]}
            )
            try:
                self._ct_channels = parse_channel_spec(user_input[CONF_CHANNELS])
            except ValueError as err:
                errors[CONF_CHANNELS] = f"ct_clamp_{err}"
            else:
                self._ct_settings = user_input
                return await self.async_step_ct_clamp_roles()
        defaults = user_input or {}
        return self.async_show_form(
            step_id=SourceKind.CT_CLAMP,
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME)
                    ): str,
                    vol.Required(
                        CONF_CHANNELS,
                        default=defaults.get(CONF_CHANNELS, DEFAULT_CHANNELS),
                    ): selector.TextSelector(
                        selector.TextSelectorConfig(multiline=True)
                    ),
                    **_electrical_fields(defaults),
                    vol.Required(
                        CONF_ALLOW_EXTERNAL,
                        default=defaults.get(CONF_ALLOW_EXTERNAL, False),
                    ): bool,
                }
            ),
            errors=errors,
        )

    async def async_step_ct_clamp_roles(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which channels measure the grid and which solar; the rest are loads."""
        errors: dict[str, str] = {}
        if user_input is not None:
            grid = set(user_input.get(CONF_GRID_CHANNELS, []))
            solar = set(user_input.get(CONF_SOLAR_CHANNELS, []))
            if grid & solar:
                errors["base"] = "ct_clamp_channel_in_two_roles"
            else:
                return self._async_create_ct_entry(grid, solar)
        channel_options = [
            selector.SelectOptionDict(value=channel_id, label=name)
            for channel_id, name in self._ct_channels
        ]
        multi = selector.SelectSelector(
            selector.SelectSelectorConfig(options=channel_options, multiple=True)
        )
        return self.async_show_form(
            step_id="ct_clamp_roles",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_GRID_CHANNELS, default=[]): multi,
                    vol.Optional(CONF_SOLAR_CHANNELS, default=[]): multi,
                }
            ),
            errors=errors,
        )

    def _async_create_ct_entry(
        self, grid: set[str], solar: set[str]
    ) -> ConfigFlowResult:
        settings = self._ct_settings
        webhook_id = webhook.async_generate_id()
        allow_external = bool(settings[CONF_ALLOW_EXTERNAL])
        channels = [
            {
                "id": channel_id,
                "name": name,
                "role": (
                    ChannelRole.GRID
                    if channel_id in grid
                    else ChannelRole.SOLAR
                    if channel_id in solar
                    else ChannelRole.LOAD
                ).value,
            }
            for channel_id, name in self._ct_channels
        ]
        return self.async_create_entry(
            title=settings[CONF_NAME],
            data={
                CONF_SOURCE: SourceKind.CT_CLAMP.value,
                CONF_NAME: settings[CONF_NAME],
                CONF_CHANNELS: channels,
                CONF_WEBHOOK_ID: webhook_id,
                CONF_ALLOW_EXTERNAL: allow_external,
            },
            options={
                **_electrical_options(settings),
                CONF_STALE_TIMEOUT: DEFAULT_STALE_TIMEOUT_S,
                CONF_MAX_GAP: DEFAULT_MAX_GAP_S,
            },
            description="ct_clamp",
            description_placeholders=self._webhook_placeholders(
                webhook_id, allow_external, self._ct_channels[0][0]
            ),
        )

    def _webhook_placeholders(
        self, webhook_id: str, allow_external: bool, first_channel: str
    ) -> dict[str, str]:
        """The URL to give the board and a command that posts one reading to it."""
        path = webhook.async_generate_path(webhook_id)
        try:
            url = webhook.async_generate_url(
                self.hass,
                webhook_id,
                allow_external=allow_external,
                prefer_external=allow_external,
            )
        except NoURLAvailableError:
            # No URL configured yet: the user prefixes Home Assistant's address.
            url = path
        example = (
            "curl -X POST -H 'Content-Type: application/json' "
            f'-d \'{{"channels": {{"{first_channel}": 5.2}}}}\' {url}'
        )
        return {"webhook_url": url, "webhook_path": path, "example": example}


class CtClampOptionsFlow(OptionsFlow):
    """Change the voltage, power factor, stale timeout and maximum gap."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The options of every source start here; this one has a single step."""
        return await self.async_step_ct_clamp_options(user_input)

    async def async_step_ct_clamp_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options; the entry reloads and keeps its totals."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **_electrical_options(user_input),
                    CONF_STALE_TIMEOUT: int(user_input[CONF_STALE_TIMEOUT]),
                    CONF_MAX_GAP: int(user_input[CONF_MAX_GAP]),
                }
            )
        current = dict(self.config_entry.options)
        return self.async_show_form(
            step_id="ct_clamp_options",
            data_schema=vol.Schema(
                {
                    **_electrical_fields(current),
                    vol.Required(
                        CONF_STALE_TIMEOUT,
                        default=current.get(
                            CONF_STALE_TIMEOUT, DEFAULT_STALE_TIMEOUT_S
                        ),
                    ): _SECONDS,
                    vol.Required(
                        CONF_MAX_GAP,
                        default=current.get(CONF_MAX_GAP, DEFAULT_MAX_GAP_S),
                    ): _SECONDS,
                }
            ),
        )
