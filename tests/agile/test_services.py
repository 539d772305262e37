"""The Agile actions in a real Home Assistant, on the price simulator.

An entry without a battery (the plan uses the parameters in its options):
the plan, the cheapest slots, manual slots kept across a restart, and the
errors a call can meet.
"""

import datetime as dt
from itertools import pairwise
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulators.octopus import OctopusSimulator
from tests.helpers import STRINGS

from .conftest import REGION, SetUp, move_to
from .runner_rig import at, battery_agile_entry


async def call(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    service: str,
    response: bool = False,
    **data: Any,
) -> dict[str, Any]:
    """Call an action for `entry`; its response (empty without one)."""
    result = await hass.services.async_call(
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=response,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return {} if result is None else dict(result)


def price(octopus: OctopusSimulator, start: dt.datetime) -> float:
    """The simulator's import price of a slot, GBP/kWh."""
    return round(octopus.import_price(start, REGION)[1] / 100, 6)


@pytest.fixture
async def entry(octopus: OctopusSimulator, setup_entry: SetUp) -> MockConfigEntry:
    """A loaded Agile entry without a battery, paid to import from 14:00 to 15:00."""
    for start in (at(14, 0), at(14, 30)):
        octopus.set_price(start, -20.0)
    return await setup_entry(battery_agile_entry(octopus, None))


async def test_get_plan_answers_the_plan(
    hass: HomeAssistant, entry: MockConfigEntry, octopus: OctopusSimulator
) -> None:
    plan = await call(hass, entry, "get_plan", response=True)
    assert plan["mode"] == "plan_only"
    slots = plan["slots"]
    # From the running slot to the last known price (today's set, to 23:00).
    assert slots[0]["start"] == at(10, 0).isoformat()
    assert slots[-1]["end"] == at(23, 0).isoformat()
    assert len(slots) == 26
    for first, second in pairwise(slots):
        assert first["end"] == second["start"]
    by_start = {slot["start"]: slot for slot in slots}
    assert by_start[at(14, 0).isoformat()]["action"] == "charge"
    assert by_start[at(14, 0).isoformat()]["import_price"] == -0.2
    assert by_start[at(12, 0).isoformat()]["import_price"] == price(octopus, at(12))
    assert all(slot["reason"] for slot in slots)
    assert plan["next_charge"] is not None
    assert plan["cost"] is not None and plan["cost_no_battery"] is not None
    # The planned charge is in the schedule (what the calendar shows).
    assert any(
        item["action"] == "charge" and not item["manual"] for item in plan["schedule"]
    )
    assert plan["manual_slots"] == []


async def test_cheapest_slots(
    hass: HomeAssistant, entry: MockConfigEntry, octopus: OctopusSimulator
) -> None:
    start, end = at(16, 0), at(23, 0)
    starts = [start + index * dt.timedelta(minutes=30) for index in range(14)]
    prices = {moment: price(octopus, moment) for moment in starts}

    found = await call(
        hass,
        entry,
        "cheapest_slots",
        response=True,
        hours=2,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    chosen = [dt.datetime.fromisoformat(slot["start"]) for slot in found["slots"]]
    assert len(chosen) == 4 and chosen == sorted(chosen)
    # Nothing left out is cheaper than what was chosen.
    assert max(prices[m] for m in chosen) <= min(
        prices[m] for m in starts if m not in chosen
    )
    assert [slot["price"] for slot in found["slots"]] == [prices[m] for m in chosen]
    assert found["complete"] is True and found["hours"] == 2

    continuous = await call(
        hass,
        entry,
        "cheapest_slots",
        response=True,
        hours=1.5,
        start=start.isoformat(),
        end=end.isoformat(),
        continuous=True,
    )
    run = [dt.datetime.fromisoformat(slot["start"]) for slot in continuous["slots"]]
    assert len(run) == 3
    assert all(b - a == dt.timedelta(minutes=30) for a, b in pairwise(run))
    best = min(
        sum(prices[m] for m in starts[index : index + 3])
        for index in range(len(starts) - 2)
    )
    assert sum(prices[m] for m in run) == pytest.approx(best)
    assert continuous["start"] == run[0].isoformat()
    assert continuous["end"] == (run[-1] + dt.timedelta(minutes=30)).isoformat()

    # Beyond the known prices: fewer slots than asked, never a price of 0.
    late = await call(
        hass,
        entry,
        "cheapest_slots",
        response=True,
        hours=3,
        start=at(22, 0).isoformat(),
        end=(at(23, 0) + dt.timedelta(hours=6)).isoformat(),
    )
    assert len(late["slots"]) == 2 and late["complete"] is False

    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            entry,
            "cheapest_slots",
            response=True,
            hours=1,
            start=end.isoformat(),
            end=start.isoformat(),
        )
    assert raised.value.translation_key == "agile_invalid_period"


async def test_manual_slots_are_kept_across_a_restart(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    await call(
        hass,
        entry,
        "add_charge_slot",
        start=at(12, 0).isoformat(),
        end=at(13, 0).isoformat(),
        target_soc=80,
    )
    await call(hass, entry, "add_charge_slot", start=at(19, 0).isoformat())
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    plan = await call(hass, entry, "get_plan", response=True)
    manual = plan["manual_slots"]
    assert [(m["start"], m["end"], m["target_soc"]) for m in manual] == [
        (at(12, 0).isoformat(), at(13, 0).isoformat(), 80),
        (at(19, 0).isoformat(), at(19, 30).isoformat(), 100),
    ]
    assert {
        (item["start"], item["action"]) for item in plan["schedule"] if item["manual"]
    } == {(at(12, 0).isoformat(), "charge"), (at(19, 0).isoformat(), "charge")}

    # Removing the manual one at 19:00; the planned one at 14:00 is skipped
    # with a manual "no charge" slot.
    await call(hass, entry, "remove_charge_slot", start=at(19, 0).isoformat())
    await call(hass, entry, "remove_charge_slot", start=at(14, 0).isoformat())
    plan = await call(hass, entry, "get_plan", response=True)
    assert [(m["start"], m["action"]) for m in plan["manual_slots"]] == [
        (at(12, 0).isoformat(), "charge"),
        (at(14, 0).isoformat(), "self_consumption"),
    ]
    assert not any(
        item["start"] == at(14, 0).isoformat() and not item["manual"]
        for item in plan["schedule"]
    )
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, entry, "remove_charge_slot", start=at(20, 0).isoformat())
    assert raised.value.translation_key == "agile_no_charge_slot"

    # Slots that ended are dropped.
    await move_to(hass, freezer, at(13, 0, 5))
    plan = await call(hass, entry, "get_plan", response=True)
    assert [m["start"] for m in plan["manual_slots"]] == [at(14, 0).isoformat()]
    await call(hass, entry, "clear_charge_slots")
    plan = await call(hass, entry, "get_plan", response=True)
    assert plan["manual_slots"] == []


async def test_errors_are_translated(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, entry, "force_charge", until=at(12, 0).isoformat())
    assert raised.value.translation_key == "agile_no_battery"
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, entry, "hold", until=at(12, 0).isoformat())
    assert raised.value.translation_key == "agile_no_battery"
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, entry, "add_charge_slot", start=at(9, 0).isoformat())
    assert raised.value.translation_key == "agile_in_the_past"
    with pytest.raises(ServiceValidationError) as raised:
        await call(
            hass,
            entry,
            "add_charge_slot",
            start=at(12, 0).isoformat(),
            end=at(11, 0).isoformat(),
        )
    assert raised.value.translation_key == "agile_invalid_period"

    other = MockConfigEntry(domain=DOMAIN, data={"source": "ct_clamp"})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, other, "get_plan", response=True)
    assert raised.value.translation_key == "agile_not_an_agile_entry"

    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await call(hass, entry, "get_plan", response=True)
    assert raised.value.translation_key == "agile_not_loaded"


async def test_diagnostics_have_the_plans_and_no_key(
    hass: HomeAssistant, octopus: OctopusSimulator, setup_entry: SetUp
) -> None:
    octopus.api_keys.add("sk_live_secret")
    entry = await setup_entry(
        battery_agile_entry(octopus, None, api_key="sk_live_secret")
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert "sk_live_secret" not in repr(diagnostics)
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    runner = diagnostics["source"]["runner"]
    assert runner["mode"] == "plan_only"
    assert runner["plans"] and runner["plans"][-1]["slots"]
    assert runner["battery_controller"] is False


async def test_actions_are_described_and_translated(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    descriptions = await async_get_all_descriptions(hass)
    for service in (
        "get_plan",
        "cheapest_slots",
        "add_charge_slot",
        "remove_charge_slot",
        "clear_charge_slots",
        "force_charge",
        "hold",
    ):
        described = descriptions[DOMAIN][service]
        assert described["fields"]["config_entry_id"]["required"] is True
        assert (
            STRINGS["services"][service]["fields"].keys() == described["fields"].keys()
        )
    assert descriptions[DOMAIN]["cheapest_slots"]["fields"]["hours"]["required"]
