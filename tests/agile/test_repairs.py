"""Tomorrow's prices missing at 20:00 UK time: a repair issue, gone when they arrive.

Until then the plan covers only the known slots, never a price of 0.
"""

import datetime as dt

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.energy_hub.agile.client import UK
from custom_components.energy_hub.const import DOMAIN
from simulators.octopus import OctopusSimulator
from tests.helpers import STRINGS

from .conftest import SetUp, agile_entry, move_to

PLANNED_SOC = "sensor.octopus_agile_planned_state_of_charge"
TOMORROW_MIN = "sensor.octopus_agile_tomorrow_s_lowest_price"


def _plan_end(hass: HomeAssistant) -> str:
    state = hass.states.get(PLANNED_SOC)
    assert state is not None
    end: str = state.attributes["plan_end"]
    return end


async def test_missing_prices_at_20_00_raise_a_repair(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    octopus.faults.extra["late_publication"] = True
    entry = await setup_entry(agile_entry(octopus))
    issue_id = f"agile_prices_missing_{entry.entry_id}"
    issues = ir.async_get(hass)

    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 19, 59, 50, tzinfo=UK))
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    today_end = dt.datetime(2026, 1, 13, 23, 0, tzinfo=dt.UTC).isoformat()
    assert _plan_end(hass) == today_end

    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 20, 0, 2, tzinfo=UK))
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "agile_prices_missing"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.translation_placeholders == {
        "entry": entry.title,
        "from": "2026-01-13 23:00",
        "known_until": "2026-01-13 23:00",
    }
    assert "description" in STRINGS["issues"]["agile_prices_missing"]
    # The plan stops where the prices stop.
    assert _plan_end(hass) == today_end
    assert hass.states.get(TOMORROW_MIN).state == "unavailable"  # type: ignore[union-attr]

    # Published at last: the next poll (within 15 minutes) reads them.
    octopus.faults.extra.pop("late_publication")
    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 20, 16, tzinfo=UK))
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert _plan_end(hass) == dt.datetime(2026, 1, 14, 23, 0, tzinfo=dt.UTC).isoformat()
    assert hass.states.get(TOMORROW_MIN).state != "unavailable"  # type: ignore[union-attr]


async def test_unload_withdraws_the_repair(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    octopus.faults.extra["late_publication"] = True
    entry = await setup_entry(agile_entry(octopus))
    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 20, 30, 2, tzinfo=UK))
    issue_id = f"agile_prices_missing_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
