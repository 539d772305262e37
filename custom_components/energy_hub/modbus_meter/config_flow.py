"""Config, reconfigure and options flows of the Modbus energy meter source."""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import probatio

from ..const import CONF_SOURCE, LOGGER, SourceKind
from ..errors import EnergyHubError
from ..options_flow import PollIntervalOptionsFlow
from .const import (
    CONF_METER_TYPE,
    CONF_PRESET,
    CONF_REGISTER_MAP,
    CONF_UNIT_ID,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_PORT,
    DEFAULT_UNIT_ID,
    MAX_POLL_INTERVAL_S,
    METER_TYPES,
    MIN_POLL_INTERVAL_S,
)
from .meter import (
    CUSTOM,
    EXAMPLE_MAP,
    PRESETS,
    MeterMap,
    MeterMapError,
    ModbusMeter,
    meter_map_for,
    parse_custom_map,
)
from .source import MeterSource


def _address_fields(defaults: dict[str, Any]) -> dict[Any, Any]:
    return {
        probatio.Required(
            CONF_HOST, default=defaults.get(CONF_HOST, probatio.UNDEFINED)
        ): TextSelector(),
        probatio.Required(
            CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)
        ): NumberSelector(
            NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX)
        ),
        probatio.Required(
            CONF_UNIT_ID, default=defaults.get(CONF_UNIT_ID, DEFAULT_UNIT_ID)
        ): NumberSelector(
            NumberSelectorConfig(min=0, max=247, mode=NumberSelectorMode.BOX)
        ),
    }


def _select(options: list[str], translation_key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=options,
            translation_key=translation_key,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )


def _meter_map(data: Mapping[str, Any]) -> MeterMap:
    return meter_map_for(data[CONF_PRESET], data.get(CONF_REGISTER_MAP))


async def _probe(data: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """Read the meter once; return its unique id, or the form's errors."""
    meter = ModbusMeter(
        data[CONF_HOST], data[CONF_PORT], data[CONF_UNIT_ID], _meter_map(data)
    )
    try:
        serial = await meter.read_serial()
        await meter.poll()
    except EnergyHubError as err:
        LOGGER.warning(
            "No meter readings from %s:%s: %s", data[CONF_HOST], data[CONF_PORT], err
        )
        return None, {"base": "cannot_connect"}
    finally:
        await meter.close()
    if serial is not None:
        return f"{data[CONF_PRESET]}_{serial}", {}
    # Without a serial register the address is the meter's identity.
    return f"{data[CONF_HOST]}:{data[CONF_PORT]}:{data[CONF_UNIT_ID]}", {}


def _title(data: dict[str, Any]) -> str:
    return f"{_meter_map(data).model} ({data[CONF_METER_TYPE]})"


class ModbusMeterConfigFlow(ConfigFlow):
    """Add a Modbus energy meter from a preset or a user-defined map."""

    _meter_data: dict[str, Any]

    async def async_step_modbus_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the meter's address, model and role."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._meter_data = {
                CONF_SOURCE: SourceKind.MODBUS_METER.value,
                CONF_HOST: str(user_input[CONF_HOST]).strip(),
                CONF_PORT: int(user_input[CONF_PORT]),
                CONF_UNIT_ID: int(user_input[CONF_UNIT_ID]),
                CONF_PRESET: user_input[CONF_PRESET],
                CONF_METER_TYPE: user_input[CONF_METER_TYPE],
            }
            # Checked before connecting: many gateways serve one session.
            self._async_abort_entries_match(
                {
                    key: self._meter_data[key]
                    for key in (CONF_HOST, CONF_PORT, CONF_UNIT_ID)
                }
            )
            if user_input[CONF_PRESET] == CUSTOM:
                return await self.async_step_modbus_meter_map()
            if (result := await self._create(errors)) is not None:
                return result
        defaults = user_input or {}
        return self.async_show_form(
            step_id="modbus_meter",
            data_schema=probatio.Schema(
                {
                    **_address_fields(defaults),
                    probatio.Required(
                        CONF_PRESET, default=defaults.get(CONF_PRESET, "abb_b23")
                    ): _select([*PRESETS, CUSTOM], "modbus_meter_preset"),
                    probatio.Required(
                        CONF_METER_TYPE, default=defaults.get(CONF_METER_TYPE, "grid")
                    ): _select(list(METER_TYPES), "modbus_meter_type"),
                }
            ),
            errors=errors,
        )

    async def async_step_modbus_meter_map(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a user-defined register map (JSON)."""
        errors: dict[str, str] = {}
        # Every error's placeholders, filled in by the one shown.
        placeholders = {
            "example": EXAMPLE_MAP,
            "field": "",
            "partner": "",
            "detail": "",
        }
        if user_input is not None:
            try:
                parse_custom_map(user_input[CONF_REGISTER_MAP])
            except MeterMapError as err:
                errors[CONF_REGISTER_MAP] = f"modbus_meter_map_{err.reason}"
                placeholders.update(err.placeholders)
            else:
                self._meter_data[CONF_REGISTER_MAP] = user_input[CONF_REGISTER_MAP]
                if (result := await self._create(errors)) is not None:
                    return result
        return self.async_show_form(
            step_id="modbus_meter_map",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_REGISTER_MAP,
                        default=(user_input or {}).get(CONF_REGISTER_MAP, EXAMPLE_MAP),
                    ): TextSelector(TextSelectorConfig(multiline=True))
                }
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _create(self, errors: dict[str, str]) -> ConfigFlowResult | None:
        unique_id, probe_errors = await _probe(self._meter_data)
        errors.update(probe_errors)
        if unique_id is None:
            return None
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured(updates=self._meter_data)
        return self.async_create_entry(
            title=_title(self._meter_data), data=self._meter_data
        )

    async def async_step_modbus_meter_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of the same meter."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                **entry.data,
                CONF_HOST: str(user_input[CONF_HOST]).strip(),
                CONF_PORT: int(user_input[CONF_PORT]),
                CONF_UNIT_ID: int(user_input[CONF_UNIT_ID]),
            }
            if entry.state is ConfigEntryState.LOADED and isinstance(
                entry.runtime_data, MeterSource
            ):
                # Many gateways serve one session: free it for the check below
                # (the entry reconnects on its next poll or reload).
                await entry.runtime_data.coordinator.client.close()
            unique_id, errors = await _probe(data)
            if unique_id is not None:
                if _meter_map(data).serial is not None:
                    # Identified by its serial: it must be the same meter.
                    await self.async_set_unique_id(unique_id)
                    self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                return self.async_update_reload_and_abort(
                    entry, data=data, unique_id=unique_id
                )
        return self.async_show_form(
            step_id="modbus_meter_reconfigure",
            data_schema=probatio.Schema(
                _address_fields(user_input or dict(entry.data))
            ),
            errors=errors,
        )


class ModbusMeterOptionsFlow(PollIntervalOptionsFlow):
    """Poll interval of a Modbus meter."""

    step_id = "modbus_meter_options"
    default_s = DEFAULT_POLL_INTERVAL_S
    min_s = MIN_POLL_INTERVAL_S
    max_s = MAX_POLL_INTERVAL_S
    async_step_modbus_meter_options = PollIntervalOptionsFlow.async_step_poll_interval
