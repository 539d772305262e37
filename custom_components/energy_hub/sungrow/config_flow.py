"""Config, reconfigure and options flows of the Sungrow source."""

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
)
import probatio

from ..const import CONF_SOURCE, LOGGER, SourceKind
from ..errors import DeviceConnectionError, DeviceRejectedError
from ..options_flow import PollIntervalOptionsFlow
from .const import (
    CONF_CONNECTION,
    CONF_UNIT_ID,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_PORT,
    DEFAULT_UNIT_ID,
    MAX_POLL_INTERVAL_S,
    MIN_POLL_INTERVAL_S,
)
from .inverter import Connection, SungrowInverter
from .registers import SungrowIdentity
from .source import SungrowSource


def _schema(defaults: dict[str, Any]) -> probatio.Schema:
    return probatio.Schema(
        {
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
                NumberSelectorConfig(min=1, max=247, mode=NumberSelectorMode.BOX)
            ),
            probatio.Required(
                CONF_CONNECTION, default=defaults.get(CONF_CONNECTION, Connection.WINET)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=[c.value for c in Connection],
                    translation_key="sungrow_connection",
                    mode=SelectSelectorMode.LIST,
                )
            ),
        }
    )


def _clean(user_input: dict[str, Any]) -> dict[str, Any]:
    return {
        CONF_SOURCE: SourceKind.SUNGROW.value,
        CONF_HOST: str(user_input[CONF_HOST]).strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_UNIT_ID: int(user_input[CONF_UNIT_ID]),
        CONF_CONNECTION: Connection(user_input[CONF_CONNECTION]).value,
    }


async def _identify(
    data: dict[str, Any],
) -> tuple[SungrowIdentity | None, dict[str, str]]:
    inverter = SungrowInverter(
        data[CONF_HOST],
        data[CONF_PORT],
        data[CONF_UNIT_ID],
        Connection(data[CONF_CONNECTION]),
    )
    try:
        return await inverter.identify(), {}
    except DeviceRejectedError as err:
        LOGGER.warning(
            "%s:%s is not a Sungrow inverter: %s", data[CONF_HOST], data[CONF_PORT], err
        )
        return None, {"base": "sungrow_not_recognised"}
    except DeviceConnectionError as err:
        LOGGER.warning("Cannot reach %s:%s: %s", data[CONF_HOST], data[CONF_PORT], err)
        return None, {"base": "cannot_connect"}
    finally:
        await inverter.close()


class SungrowConfigFlow(ConfigFlow):
    """Add a Sungrow SH inverter: validate by reading its device type and serial."""

    async def async_step_sungrow(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the inverter's address and how it is connected."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _clean(user_input)
            # Checked before connecting: a WiNet-S refuses a second session.
            self._async_abort_entries_match(
                {key: data[key] for key in (CONF_HOST, CONF_PORT, CONF_UNIT_ID)}
            )
            identity, errors = await _identify(data)
            if identity is not None:
                await self.async_set_unique_id(identity.serial)
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(
                    title=f"Sungrow {identity.model}", data=data
                )
        return self.async_show_form(
            step_id="sungrow", data_schema=_schema(user_input or {}), errors=errors
        )

    async def async_step_sungrow_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address, unit id or connection type of the same inverter."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _clean(user_input)
            if entry.state is ConfigEntryState.LOADED and isinstance(
                entry.runtime_data, SungrowSource
            ):
                # A WiNet-S serves one session: free it for the check below
                # (the entry reconnects on its next poll or reload).
                await entry.runtime_data.coordinator.client.close()
            identity, errors = await _identify(data)
            if identity is not None:
                await self.async_set_unique_id(identity.serial)
                self._abort_if_unique_id_mismatch(reason="unique_id_mismatch")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="sungrow_reconfigure",
            data_schema=_schema(user_input or dict(entry.data)),
            errors=errors,
        )


class SungrowOptionsFlow(PollIntervalOptionsFlow):
    """Poll interval of a Sungrow inverter."""

    step_id = "sungrow_options"
    default_s = DEFAULT_POLL_INTERVAL_S
    min_s = MIN_POLL_INTERVAL_S
    max_s = MAX_POLL_INTERVAL_S
    async_step_sungrow_options = PollIntervalOptionsFlow.async_step_poll_interval
