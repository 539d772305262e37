"""The Agile entry driving a real battery entry in Home Assistant.

Powerwall over NetZero and over FleetAPI, and a Sungrow, each on its
simulator on 127.0.0.1; prices from the Octopus simulator. Time is Home
Assistant's (frozen, moved by the tests): the runner ticks at slot and
manual-slot boundaries and every 30 s, as it does in a real installation.
"""

import datetime as dt
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.energy_hub.agile.runner import (
    EVENT_SLOT_ENDED,
    EVENT_SLOT_STARTED,
    EVENT_STOOD_DOWN,
)
from custom_components.energy_hub.const import DOMAIN
from simulators.powerwall import SETTINGS_LAG_S

from .runner_rig import Agile, agile, at
from .test_executor import fleetapi, gateway, netzero, rig, sungrow

__all__ = ["agile", "fleetapi", "gateway", "netzero", "rig", "sungrow"]

# A running clock (moved by the tests): the Modbus client paces its requests
# with the event loop's clock, which a stopped clock would never move.
pytestmark = pytest.mark.freeze_time("2026-01-13 10:10:00+00:00", tick=True)

CHARGE_SLOT_ACTIVE = (Platform.BINARY_SENSOR, "agile_charge_slot_active")
MODE = (Platform.SELECT, "agile_mode")


def events_of(log: list[dict[str, Any]]) -> list[str]:
    """The kinds of the executor's log entries, in order."""
    return [entry["event"] for entry in log]


async def add_slot(
    agile: Agile, start: dt.datetime, end: dt.datetime, target: float = 100
) -> None:
    """A manual charge slot through the action."""
    await agile.call(
        "add_charge_slot",
        start=start.isoformat(),
        end=end.isoformat(),
        target_soc=target,
    )


async def test_two_manual_slots_run_once_and_restore(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    assert agile.state(*MODE) == "plan_only"  # a new entry changes nothing by itself
    initial = await agile.settings()
    started = async_capture_events(hass, EVENT_SLOT_STARTED)
    ended = async_capture_events(hass, EVENT_SLOT_ENDED)
    await add_slot(agile, at(10, 30), at(11, 0), 90)
    await add_slot(agile, at(11, 0), at(11, 30), 95)
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "off"
    assert await agile.settings() == initial

    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() != initial
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "on"
    assert [event.data["target_soc"] for event in started] == [90]
    assert started[0].data["manual"] is True
    assert started[0].data["config_entry_id"] == agile.entry.entry_id
    await agile.rig.settle(SETTINGS_LAG_S + 60)

    await agile.move_to(at(11, 0, 1))
    assert await agile.settings() != initial
    assert [event.data["target_soc"] for event in started] == [90, 95]
    assert [event.data["end"] for event in ended] == [at(11, 0).isoformat()]
    await agile.rig.settle(SETTINGS_LAG_S + 60)

    await agile.move_to(at(11, 30, 1))
    assert await agile.settings() == initial
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "off"
    assert len(ended) == 2
    log = events_of(await agile.log())
    # Saved once for the two consecutive slots, restored once at the end.
    assert log.count("saved") == 1 and log[0] == "saved"
    assert log.count("applied") >= 2
    assert log[-1] == "restored"
    issues = ir.async_get(hass)
    assert not [i for i in issues.issues.values() if i.domain == DOMAIN]


async def test_a_failure_mid_slot_restores_and_raises_a_repair(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    initial = await agile.settings()
    await add_slot(agile, at(10, 30), at(11, 30))
    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() != initial

    agile.rig.break_device()
    issue_id = f"agile_restore_failed_{agile.entry.entry_id}"
    issues = ir.async_get(hass)
    # The failed check, then retries after 30 s and 60 s: the third failure
    # is reported.
    await agile.move_to(at(10, 35))
    await agile.move_to(at(10, 35, 31))
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await agile.move_to(at(10, 36, 32))
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_key == "agile_restore_failed"

    agile.rig.fix_device()
    await agile.move_to(at(10, 42))
    assert await agile.settings() == initial
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    log = events_of(await agile.log())
    assert log[-1] == "restored"
    assert log.count("restore_failed") == 3
    # The rest of the slot is sat out: nothing is applied again.
    await agile.move_to(at(10, 50))
    assert await agile.settings() == initial


async def test_a_restart_mid_slot_restores_then_resumes(
    hass: HomeAssistant, agile: Agile, hass_storage: dict[str, Any]
) -> None:
    await agile.setup()
    initial = await agile.settings()
    await add_slot(agile, at(10, 30), at(11, 30))
    await agile.move_to(at(10, 30, 1))
    applied = await agile.settings()
    assert applied != initial

    # Home Assistant goes down while the battery cannot be reached: the
    # settings stay applied, and saved in the store.
    agile.rig.break_device()
    await agile.unload()
    stored = hass_storage[f"{DOMAIN}.agile_executor.{agile.entry.entry_id}"]["data"]
    assert stored["executor"]["saved"] == initial
    agile.rig.fix_device()
    assert await agile.settings() == applied

    await agile.move_to(at(10, 40))
    await agile.setup()
    # Restored first, then the rest of the slot is sat out ...
    assert await agile.settings() == initial
    await agile.move_to(at(10, 50))
    assert await agile.settings() == initial
    # ... and the manual slot (kept in the store) resumes at the next slot.
    await agile.move_to(at(11, 0, 1))
    assert await agile.settings() != initial
    await agile.move_to(at(11, 30, 1))
    assert await agile.settings() == initial
    log = events_of(await agile.log())
    assert log[-4:] == ["restored", "saved", "applied", "restored"]


async def test_a_change_by_the_user_is_respected(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    stood_down = async_capture_events(hass, EVENT_STOOD_DOWN)
    await add_slot(agile, at(10, 30), at(11, 30))
    await agile.move_to(at(10, 30, 1))
    agile.rig.change_by_user()
    changed = await agile.settings()

    await agile.move_to(at(10, 33))
    assert len(stood_down) == 1
    assert stood_down[0].data["until"] == at(11, 30).isoformat()
    assert stood_down[0].data["config_entry_id"] == agile.entry.entry_id
    for moment in (at(10, 40), at(11, 0, 1), at(11, 30, 1)):
        await agile.move_to(moment)
        assert await agile.settings() == changed  # never restored over it
    assert len(stood_down) == 1
    assert events_of(await agile.log())[-1] == "stood_down"


async def planned_run(agile: Agile, start: dt.datetime) -> str:
    """End of the run of driven planned slots that starts at `start`."""
    response = await agile.call("get_plan", response=True)
    assert response is not None
    end = None
    for planned in response["slots"]:
        if planned["start"] < start.isoformat():
            continue
        if planned["action"] not in {"charge", "hold", "export"}:
            break
        end = planned["end"]
    assert end is not None, response["slots"][:8]
    return end


async def test_automatic_mode_follows_the_plan_and_restores(
    hass: HomeAssistant, agile: Agile
) -> None:
    # Paid to import at 10:30 and 11:00: the plan charges then.
    for start in (at(10, 30), at(11, 0)):
        agile.octopus.set_price(start, -20.0)
    await agile.setup()
    initial = await agile.settings()
    response = await agile.call("get_plan", response=True)
    assert response is not None
    first = next(s for s in response["slots"] if s["start"] == at(10, 30).isoformat())
    assert first["action"] == "charge"
    # "Plan only": shown, not applied.
    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() == initial

    await agile.set_mode("automatic")
    assert await agile.settings() != initial
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "on"
    end = await planned_run(agile, at(10, 30))
    await agile.rig.settle(SETTINGS_LAG_S + 60)

    # The mode is kept across a restart (and the unload restores).
    await agile.unload()
    assert await agile.settings() == initial
    await agile.setup()
    assert agile.state(*MODE) == "automatic"

    # Resumed at the next slot, restored at the end of the planned run.
    await agile.move_to(at(11, 0, 1))
    assert await agile.settings() != initial
    await agile.move_to(_after(end))
    assert await agile.settings() == initial


def _after(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso) + dt.timedelta(seconds=1)


async def test_stale_prices_restore(hass: HomeAssistant, agile: Agile) -> None:
    # A charge planned from 15:30 into 16:00, when tomorrow's prices are due.
    for start in (at(15, 30), at(16, 0)):
        agile.octopus.set_price(start, -20.0)
    await agile.setup()
    await agile.set_mode("automatic")
    initial = await agile.settings()
    await agile.move_to(at(15, 30, 1))
    assert await agile.settings() != initial

    # The price API stops answering (the key is refused): the coordinator's
    # prices are stale, and the plan no longer drives the battery.
    agile.octopus.require_key = True
    await agile.move_to(at(16, 0, 2))
    assert not agile.runner.prices.last_update_success
    assert await agile.settings() == initial
    await agile.move_to(at(16, 10))
    assert await agile.settings() == initial


@pytest.mark.parametrize("rig", ["sungrow"], indirect=True)
async def test_off_mode_restores_at_once_and_hides_the_plan(
    hass: HomeAssistant, agile: Agile
) -> None:
    agile.octopus.set_price(at(10, 30), -20.0)
    await agile.setup()
    initial = await agile.settings()
    await agile.set_mode("automatic")
    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() != initial
    await agile.set_mode("off")
    assert await agile.settings() == initial
    assert agile.state(*MODE) == "off"
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "off"


@pytest.mark.parametrize("rig", ["sungrow"], indirect=True)
async def test_force_charge_and_hold_act_until_their_time(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    initial = await agile.settings()
    await agile.call("force_charge", until=at(10, 40).isoformat(), target_soc=80)
    charging = await agile.settings()
    assert charging != initial
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "on"
    await agile.call("hold", until=at(11, 0).isoformat())
    held = await agile.settings()
    assert held not in (initial, charging)  # the later manual slot wins
    assert agile.state(*CHARGE_SLOT_ACTIVE) == "off"
    await agile.move_to(at(11, 0, 1))
    assert await agile.settings() == initial
    log = events_of(await agile.log())
    assert log == ["saved", "applied", "applied", "restored"]


@pytest.mark.parametrize("rig", ["sungrow"], indirect=True)
async def test_a_battery_that_does_not_follow_raises_a_repair(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    agile.rig.stop_following()
    await add_slot(agile, at(10, 30), at(11, 0))
    await agile.move_to(at(10, 30, 1))
    issue_id = f"agile_not_taking_effect_{agile.entry.entry_id}"
    issues = ir.async_get(hass)
    # Not before the battery's response time.
    await agile.move_to(at(10, 30, 40))
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await agile.move_to(at(10, 32))
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_key == "agile_not_taking_effect"
    # Withdrawn when the run ends (and the settings are back).
    await agile.move_to(at(11, 0, 1))
    assert issues.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize("rig", ["netzero"], indirect=True)
async def test_removing_the_entry_mid_slot_restores_and_forgets(
    hass: HomeAssistant, agile: Agile, hass_storage: dict[str, Any]
) -> None:
    await agile.setup()
    initial = await agile.settings()
    await add_slot(agile, at(10, 30), at(11, 30))
    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() != initial
    key = f"{DOMAIN}.agile_executor.{agile.entry.entry_id}"
    assert key in hass_storage

    assert (await hass.config_entries.async_remove(agile.entry.entry_id))[
        "require_restart"
    ] is False
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await agile.settings() == initial
    assert key not in hass_storage


@pytest.mark.parametrize("rig", ["sungrow"], indirect=True)
async def test_a_reloaded_battery_entry_is_restored_then_resumed(
    hass: HomeAssistant, agile: Agile
) -> None:
    await agile.setup()
    initial = await agile.settings()
    await add_slot(agile, at(10, 30), at(11, 30))
    await agile.move_to(at(10, 30, 1))
    assert await agile.settings() != initial

    # The battery's entry is reloaded (its options changed): a new controller.
    assert await hass.config_entries.async_reload(agile.rig.entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    agile.rig.controller = agile.rig.entry.runtime_data.battery_controller
    await agile.move_to(at(10, 31))
    # What the old executor applied is put back, the slot sat out ...
    assert await agile.settings() == initial
    # ... and the run resumes at the next slot, saving afresh.
    await agile.move_to(at(11, 0, 1))
    assert await agile.settings() != initial
    await agile.move_to(at(11, 30, 1))
    assert await agile.settings() == initial
    assert events_of(await agile.log())[-4:] == [
        "restored",
        "saved",
        "applied",
        "restored",
    ]
