"""Config and options flow of the CT clamp source."""

from typing import Any

from homeassistant.components import webhook
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.helpers import selector
from homeassistant.helpers.network import NoURLAvailableError
import probatio

from ..const import CONF_SOURCE, SourceKind
from .const import (
    CONF_ALLOW_EXTERNAL,
    CONF_CHANNELS,
    CONF_GRID_CHANNELS,
    CONF_MAX_CURRENT,
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
from .model import ChannelConfig, ChannelRole, format_channel_spec, parse_channel_spec
from .source import channel_config

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


def _electrical_fields(defaults: dict[str, Any]) -> dict[probatio.Marker, Any]:
    """Voltage, optional voltage sensor and power factor (both flows ask these)."""
    fields: dict[probatio.Marker, Any] = {
        probatio.Required(
            CONF_VOLTAGE, default=defaults.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)
        ): _VOLTAGE,
    }
    entity = defaults.get(CONF_VOLTAGE_ENTITY)
    fields[
        probatio.Optional(
            CONF_VOLTAGE_ENTITY,
            description={"suggested_value": entity} if entity else None,
        )
    ] = _VOLTAGE_ENTITY
    fields[
        probatio.Required(
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


def _board_schema(defaults: dict[str, Any], *, electrical: bool) -> probatio.Schema:
    """Name, channels, (electrical assumptions,) and the webhook's reach."""
    return probatio.Schema(
        {
            probatio.Required(
                CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME)
            ): str,
            probatio.Required(
                CONF_CHANNELS,
                default=defaults.get(CONF_CHANNELS, DEFAULT_CHANNELS),
            ): selector.TextSelector(selector.TextSelectorConfig(multiline=True)),
            **(_electrical_fields(defaults) if electrical else {}),
            probatio.Required(
                CONF_ALLOW_EXTERNAL,
                default=defaults.get(CONF_ALLOW_EXTERNAL, False),
            ): bool,
        }
    )


class CtClampConfigFlow(ConfigFlow):
    """Name the board and its channels, then say which channel measures what.

    Reconfigure walks the same two steps for an existing board: its webhook
    stays, and so do the entities (and energy totals) of the channels kept.
    """

    _ct_settings: dict[str, Any]
    _ct_channels: list[ChannelConfig]

    async def async_step_ct_clamp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the board's name, channels and electrical assumptions."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if self._ct_name_taken(user_input[CONF_NAME]):
                errors[CONF_NAME] = "ct_clamp_name_taken"
            elif self._take_board_settings(user_input, errors):
                return await self.async_step_ct_clamp_roles()
        return self.async_show_form(
            step_id=SourceKind.CT_CLAMP,
            data_schema=_board_schema(user_input or {}, electrical=True),
            errors=errors,
        )

    async def async_step_ct_clamp_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename the board, change its channels or whether it may post from outside."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if self._ct_name_taken(user_input[CONF_NAME], entry.entry_id):
                errors[CONF_NAME] = "ct_clamp_name_taken"
            elif self._take_board_settings(user_input, errors):
                return await self.async_step_ct_clamp_roles()
        defaults = user_input or {
            CONF_NAME: entry.title,
            CONF_CHANNELS: format_channel_spec(
                [channel_config(channel) for channel in entry.data[CONF_CHANNELS]]
            ),
            CONF_ALLOW_EXTERNAL: entry.data.get(CONF_ALLOW_EXTERNAL, False),
        }
        return self.async_show_form(
            step_id="ct_clamp_reconfigure",
            data_schema=_board_schema(defaults, electrical=False),
            errors=errors,
        )

    def _ct_name_taken(self, name: str, entry_id: str | None = None) -> bool:
        """Whether another CT board (not `entry_id`) already has this name."""
        return any(
            other.entry_id != entry_id
            and other.data.get(CONF_SOURCE) == SourceKind.CT_CLAMP
            and other.data.get(CONF_NAME) == name
            for other in self._async_current_entries(include_ignore=False)
        )

    def _take_board_settings(
        self, user_input: dict[str, Any], errors: dict[str, str]
    ) -> bool:
        """Keep the settings for the roles step; False (error noted) on bad channels."""
        try:
            self._ct_channels = parse_channel_spec(user_input[CONF_CHANNELS])
        except ValueError as err:
            errors[CONF_CHANNELS] = f"ct_clamp_{err}"
            return False
        self._ct_settings = user_input
        return True

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
            elif self.source == SOURCE_RECONFIGURE:
                return self._async_update_ct_entry(grid, solar)
            else:
                return self._async_create_ct_entry(grid, solar)
        channel_options = [
            selector.SelectOptionDict(value=channel.id, label=channel.name)
            for channel in self._ct_channels
        ]
        multi = selector.SelectSelector(
            selector.SelectSelectorConfig(options=channel_options, multiple=True)
        )
        # On reconfigure the channels kept start with the role they have.
        roles = (
            {
                channel["id"]: channel["role"]
                for channel in self._get_reconfigure_entry().data[CONF_CHANNELS]
            }
            if self.source == SOURCE_RECONFIGURE
            else {}
        )

        def having(role: ChannelRole) -> list[str]:
            return [
                channel.id
                for channel in self._ct_channels
                if roles.get(channel.id) == role
            ]

        return self.async_show_form(
            step_id="ct_clamp_roles",
            data_schema=probatio.Schema(
                {
                    probatio.Optional(
                        CONF_GRID_CHANNELS, default=having(ChannelRole.GRID)
                    ): multi,
                    probatio.Optional(
                        CONF_SOLAR_CHANNELS, default=having(ChannelRole.SOLAR)
                    ): multi,
                }
            ),
            errors=errors,
        )

    def _channels_with_roles(
        self, grid: set[str], solar: set[str]
    ) -> list[dict[str, Any]]:
        """The entry's channel list: id, display name, role and rating of each."""
        return [
            {
                "id": channel.id,
                "name": channel.name,
                "role": (
                    ChannelRole.GRID
                    if channel.id in grid
                    else ChannelRole.SOLAR
                    if channel.id in solar
                    else ChannelRole.LOAD
                ).value,
                CONF_MAX_CURRENT: channel.max_current_a,
            }
            for channel in self._ct_channels
        ]

    def _async_update_ct_entry(
        self, grid: set[str], solar: set[str]
    ) -> ConfigFlowResult:
        """Save the new settings and reload the entry."""
        entry = self._get_reconfigure_entry()
        settings = self._ct_settings
        allow_external = bool(settings[CONF_ALLOW_EXTERNAL])
        self.hass.config_entries.async_update_entry(
            entry,
            title=settings[CONF_NAME],
            data={
                **entry.data,
                CONF_NAME: settings[CONF_NAME],
                CONF_CHANNELS: self._channels_with_roles(grid, solar),
                CONF_ALLOW_EXTERNAL: allow_external,
            },
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(
            reason="ct_clamp_reconfigured",
            description_placeholders=self._webhook_placeholders(
                entry.data[CONF_WEBHOOK_ID], allow_external, self._ct_channels[0].id
            ),
        )

    def _async_create_ct_entry(
        self, grid: set[str], solar: set[str]
    ) -> ConfigFlowResult:
        settings = self._ct_settings
        webhook_id = webhook.async_generate_id()
        allow_external = bool(settings[CONF_ALLOW_EXTERNAL])
        return self.async_create_entry(
            title=settings[CONF_NAME],
            data={
                CONF_SOURCE: SourceKind.CT_CLAMP.value,
                CONF_NAME: settings[CONF_NAME],
                CONF_CHANNELS: self._channels_with_roles(grid, solar),
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
                webhook_id, allow_external, self._ct_channels[0].id
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


class CtClampOptionsFlow(OptionsFlowWithReload):
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
            data_schema=probatio.Schema(
                {
                    **_electrical_fields(current),
                    probatio.Required(
                        CONF_STALE_TIMEOUT,
                        default=current.get(
                            CONF_STALE_TIMEOUT, DEFAULT_STALE_TIMEOUT_S
                        ),
                    ): _SECONDS,
                    probatio.Required(
                        CONF_MAX_GAP,
                        default=current.get(CONF_MAX_GAP, DEFAULT_MAX_GAP_S),
                    ): _SECONDS,
                }
            ),
        )
