"""The plan's calendar, the "charge slot active" sensor and the plan targets.

An entry without a battery on the price simulator: the calendar's events
are the plan's charge runs and the manual slots; the numbers and the time
entity change what the planner is asked.
"""

import datetime as dt
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.octopus import OctopusSimulator

from .conftest import SetUp, move_to
from .runner_rig import at, battery_agile_entry
from .test_services import call


def entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str
) -> str:
    """The entity id of the entry's entity `key`."""
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{key}"
    )
    assert found is not None, key
    return found


def state(hass: HomeAssistant, entity: str) -> str:
    """An entity's state."""
    current = hass.states.get(entity)
    assert current is not None, entity
    return current.state


async def calendar_events(
    hass: HomeAssistant, calendar: str, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """The calendar's events between two times, through `calendar.get_events`."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": calendar,
            "start_date_time": start.isoformat(),
            "end_date_time": end.isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[calendar]["events"]  # type: ignore[index]
    return events


def runs(slots: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The plan's consecutive driven slots of one action, merged: (start, end, action)."""
    merged: list[tuple[str, str, str]] = []
    for slot in slots:
        if slot["action"] not in {"charge", "hold", "export"}:
            continue
        if (
            merged
            and merged[-1][1] == slot["start"]
            and merged[-1][2] == slot["action"]
        ):
            merged[-1] = (merged[-1][0], slot["end"], slot["action"])
        else:
            merged.append((slot["start"], slot["end"], slot["action"]))
    return merged


def _utc(text: str) -> str:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


@pytest.fixture
async def entry(octopus: OctopusSimulator, setup_entry: SetUp) -> MockConfigEntry:
    """A loaded Agile entry without a battery, paid to import from 14:00 to 15:00."""
    for start in (at(14, 0), at(14, 30)):
        octopus.set_price(start, -20.0)
    return await setup_entry(battery_agile_entry(octopus, None))


async def test_calendar_events_match_the_plan(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    calendar = entity_id(hass, entry, "calendar", "agile_plan")
    active = entity_id(hass, entry, "binary_sensor", "agile_charge_slot_active")
    await call(
        hass,
        entry,
        "add_charge_slot",
        start=at(20, 0).isoformat(),
        end=at(21, 0).isoformat(),
        target_soc=60,
    )
    plan = await call(hass, entry, "get_plan", response=True)
    expected = runs(plan["slots"])
    # Paid to import from 14:00: a planned charge run covers it.
    assert any(
        action == "charge" and start <= at(14, 0).isoformat() < end
        for start, end, action in expected
    )

    events = await calendar_events(hass, calendar, at(0), at(23, 59))
    planned = [e for e in events if "(manual)" not in e["summary"]]
    manual = [e for e in events if "(manual)" in e["summary"]]
    # Events that overlap the manual slot's hour give way to it.
    expected = [
        run
        for run in expected
        if not (run[0] < at(21, 0).isoformat() and run[1] > at(20, 0).isoformat())
    ]
    assert [
        (_utc(e["start"]), _utc(e["end"]), e["summary"].split(" ")[0].lower())
        for e in planned
    ] == expected
    assert [(_utc(e["start"]), _utc(e["end"]), e["summary"]) for e in manual] == [
        (at(20, 0).isoformat(), at(21, 0).isoformat(), "Charge to 60 % (manual)")
    ]
    charge = next(
        e for e in planned if _utc(e["start"]) <= at(14, 0).isoformat() < _utc(e["end"])
    )
    assert charge["summary"].startswith("Charge to ")
    assert charge["description"]  # the planner's reason

    # The calendar and the binary sensor are on while a charge slot runs.
    assert state(hass, active) == "off"
    await move_to(hass, freezer, at(14, 0, 2))
    assert state(hass, active) == "on"
    assert state(hass, calendar) == "on"
    await move_to(hass, freezer, at(20, 0, 2))
    assert state(hass, active) == "on"
    await move_to(hass, freezer, at(21, 0, 2))
    assert state(hass, active) == "off"


async def test_targets_change_the_plan_and_are_kept(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    target = entity_id(hass, entry, "number", "agile_target_soc")
    deadline = entity_id(hass, entry, "time", "agile_target_time")
    cap = entity_id(hass, entry, "number", "agile_price_cap")
    assert state(hass, target) == "0.0"
    assert state(hass, cap) == "1.0"
    assert state(hass, deadline) == "07:00:00"

    # Full by 20:00: the plan's charge at 20:00 reaches it.
    await hass.services.async_call(
        "time", "set_value", {"entity_id": deadline, "time": "20:00:00"}, blocking=True
    )
    await hass.services.async_call(
        "number", "set_value", {"entity_id": target, "value": 95}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    plan = await call(hass, entry, "get_plan", response=True)
    by_end = {slot["end"]: slot for slot in plan["slots"]}
    assert by_end[at(20, 0).isoformat()]["soc_end"] >= 94.5

    # A cap below every price: no grid charging at all.
    await hass.services.async_call(
        "number", "set_value", {"entity_id": target, "value": 0}, blocking=True
    )
    await hass.services.async_call(
        "number", "set_value", {"entity_id": cap, "value": -0.5}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    plan = await call(hass, entry, "get_plan", response=True)
    assert not [slot for slot in plan["slots"] if slot["action"] == "charge"]

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, cap) == "-0.5"
    assert state(hass, deadline) == "20:00:00"
    assert Platform.SELECT not in entry.runtime_data.platforms or not er.async_get(
        hass
    ).async_get_entity_id("select", DOMAIN, f"{entry.entry_id}_agile_mode")
