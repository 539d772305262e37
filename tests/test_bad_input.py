"""Bad input on every control of every source: refused with a clear error, nothing lost.

Each source's own folder tests its other bad-input paths (webhook bodies, the
battery controller, restored values); this matrix covers what every number
entity shares: Home Assistant's own checks let `nan` through.
"""

import math

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest

from simulators.registry import SIMULATORS

from .helpers import add_demo_entry

# Every source whose demo entry has number entities; a source that gains or
# loses its numbers must be listed here (the test fails otherwise). The demo
# Powerwall has no control channel: tests/powerwall covers its controls.
SOURCES_WITH_NUMBERS = {"ct_board", "octopus", "p1", "sungrow"}


@pytest.mark.parametrize("name", sorted(SIMULATORS))
async def test_numbers_refuse_nan_and_infinities(
    hass: HomeAssistant, loopback: None, name: str
) -> None:
    simulator = await SIMULATORS[name]().start()
    try:
        numbers: list[str] = []
        for demo in simulator.demo_entries():
            entry, _ = await add_demo_entry(hass, demo)
            numbers += [
                entity.entity_id
                for entity in er.async_entries_for_config_entry(
                    er.async_get(hass), entry.entry_id
                )
                if entity.domain == NUMBER_DOMAIN and entity.disabled_by is None
            ]
        assert bool(numbers) == (name in SOURCES_WITH_NUMBERS), numbers
        for entity_id in numbers:
            before = hass.states.get(entity_id)
            assert before is not None
            for bad in (math.nan, math.inf, -math.inf):
                with pytest.raises(ServiceValidationError):
                    await hass.services.async_call(
                        NUMBER_DOMAIN,
                        SERVICE_SET_VALUE,
                        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: bad},
                        blocking=True,
                    )
            await hass.async_block_till_done()
            after = hass.states.get(entity_id)
            assert after is not None
            assert after.state == before.state, entity_id
            assert after.state not in ("nan", "inf", "-inf")
        for entry in hass.config_entries.async_entries():
            await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    finally:
        await simulator.stop()
