"""Options flow shared by the sources whose only option is their poll interval."""

from typing import Any, ClassVar

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio

from .const import CONF_POLL_INTERVAL


class PollIntervalOptionsFlow(OptionsFlowWithReload):
    """Ask how often to poll the device.

    A subclass names its form (`step_id`, whose strings live under
    `options.step.<step_id>`), sets the bounds in seconds, and routes
    `async_step_<step_id>` to `async_step_poll_interval`, where the
    submitted form comes back.
    """

    step_id: ClassVar[str]
    default_s: ClassVar[int]
    min_s: ClassVar[int]
    max_s: ClassVar[int]

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the poll interval form."""
        return await self.async_step_poll_interval(user_input)

    async def async_step_poll_interval(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Store the poll interval, or ask for it."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL])}
            )
        current = self.config_entry.options.get(CONF_POLL_INTERVAL, self.default_s)
        return self.async_show_form(
            step_id=self.step_id,
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_POLL_INTERVAL, default=current
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=self.min_s,
                            max=self.max_s,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    )
                }
            ),
        )
