"""The Agile executor driving real batteries: Powerwall (NetZero, FleetAPI) and Sungrow.

Each test runs the executor on its own clock against the battery controller
of a real Energy Hub entry, talking to the simulators on 127.0.0.1; the
simulated Powerwall acts on a settings change two minutes after it.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
import datetime as dt
import json
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.executor import (
    EventKind,
    Executor,
    ExecutorEvent,
    Mode,
    Problem,
    force_charge,
    no_charge_slot,
)
from custom_components.energy_hub.agile.planner import (
    SLOT,
    Action,
    Battery,
    PlannedSlot,
    PlanOptions,
    SlotInput,
    plan,
)
from custom_components.energy_hub.battery import BatteryController, BatterySettings
from simulators.fleetapi import FleetApiSimulator
from simulators.modbus import (
    EMS_SELF_CONSUMPTION,
    FAULT_DEVICE_FAILURE,
    H_EMS_MODE,
    H_MAX_SOC,
    SungrowSimulator,
)
from simulators.netzero import NetZeroSimulator
from simulators.powerwall import SETTINGS_LAG_S, PowerwallGatewaySimulator
from tests.modbus.fixtures import sungrow
from tests.powerwall.conftest import (
    entry_for,
    fleet_options,
    fleetapi,
    gateway,
    netzero,
    setup_entry,
)
from tests.sungrow.conftest import add_entry

__all__ = ["fleetapi", "gateway", "netzero", "sungrow"]

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """These tests load Energy Hub entries in a real Home Assistant."""


@dataclass
class Rig:
    """One battery behind a real entry, and how a test acts on its simulator."""

    kind: str
    entry: MockConfigEntry
    controller: BatteryController
    capacity_kwh: float
    gateway: PowerwallGatewaySimulator | None
    channel: NetZeroSimulator | FleetApiSimulator | None
    inverter: SungrowSimulator | None

    async def settle(self, seconds: float) -> None:
        """Let device time pass (the Powerwall acts after its lag), then poll."""
        if self.gateway is not None:
            self.gateway.advance(seconds)
            await self.entry.runtime_data.coordinator.async_refresh()

    def break_device(self) -> None:
        """Every request fails from now on (cloud 503, Modbus exception 04)."""
        if self.channel is not None:
            self.channel.faults.http_status = 503
        if self.inverter is not None:
            self.inverter.faults.extra[FAULT_DEVICE_FAILURE] = 10**6

    def fix_device(self) -> None:
        """Requests are answered again."""
        if self.channel is not None:
            self.channel.faults.http_status = None
        if self.inverter is not None:
            self.inverter.faults.extra[FAULT_DEVICE_FAILURE] = 0

    def change_by_user(self) -> None:
        """The owner changes a setting in the vendor's app."""
        if isinstance(self.channel, NetZeroSimulator):
            self.channel.config["backup_reserve_percent"] = 35
        elif isinstance(self.channel, FleetApiSimulator):
            self.channel.backup_reserve_percent = 35
        if self.inverter is not None:
            self.inverter.holding[H_EMS_MODE] = EMS_SELF_CONSUMPTION

    def stop_following(self) -> None:
        """The battery no longer acts on its settings (a fault of its own)."""
        if self.gateway is not None:
            self.gateway.follow_settings = False
        if self.inverter is not None:
            self.inverter.holding[H_MAX_SOC] = 100  # stops charging above 10 %


@pytest.fixture(params=["netzero", "fleetapi", "sungrow"])
async def rig(
    request: pytest.FixtureRequest,
    *,
    hass: HomeAssistant,
    gateway: PowerwallGatewaySimulator,
    netzero: NetZeroSimulator,
    fleetapi: FleetApiSimulator,
    sungrow: SungrowSimulator,
) -> AsyncGenerator[Rig]:
    """A battery at night (no PV) with its house drawing about 1 kW."""
    if request.param == "sungrow":
        sungrow.hour = 0.0
        sungrow.time_scale = 1.0
        sungrow.advance(force=True)
        entry = await add_entry(hass, sungrow)
        made = Rig(
            "sungrow",
            entry,
            entry.runtime_data.battery_controller,
            9.6,
            None,
            None,
            sungrow,
        )
    else:
        gateway.set_powers(load_w=1000, solar_w=0)
        gateway.follow_settings = True
        if request.param == "netzero":
            config = entry_for(gateway, control=True)
            channel: NetZeroSimulator | FleetApiSimulator = netzero
        else:
            config = entry_for(
                gateway, control_channel="fleetapi", **fleet_options(fleetapi)
            )
            channel = fleetapi
        entry = await setup_entry(hass, config)
        made = Rig(
            request.param,
            entry,
            entry.runtime_data.battery_controller,
            27.0,
            gateway,
            channel,
            None,
        )
    yield made
    await hass.config_entries.async_unload(made.entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def slot(
    start: dt.datetime, action: Action, target_kwh: float | None = None
) -> PlannedSlot:
    """A planned half-hour (the figures the executor does not read are zero)."""
    return PlannedSlot(
        start=start,
        action=action,
        target_soc_kwh=target_kwh,
        soc_start_kwh=0.0,
        soc_end_kwh=0.0,
        battery_in_kwh=0.0,
        battery_out_kwh=0.0,
        grid_import_kwh=0.0,
        grid_export_kwh=0.0,
        import_price=10.0,
        export_price=5.0,
        cost=0.0,
    )


def kinds(events: list[ExecutorEvent]) -> list[EventKind]:
    """The kinds of `events`, in order."""
    return [event.kind for event in events]


def executor_for(rig: Rig, **state: Any) -> Executor:
    """An executor in automatic mode for the rig's battery."""
    return Executor(
        rig.controller, rig.capacity_kwh, state={"mode": "automatic", **state}
    )


async def test_a_run_saves_once_applies_each_slot_and_restores(rig: Rig) -> None:
    initial = await rig.controller.read_settings()
    target = 0.9 * rig.capacity_kwh
    slots = [
        slot(T0, Action.CHARGE, target),
        slot(T0 + SLOT, Action.HOLD),
        slot(T0 + 2 * SLOT, Action.SELF_CONSUMPTION),
    ]
    executor = executor_for(rig)
    events = await executor.tick(T0 + MINUTE, slots)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert events[1].detail["target_soc"] == 90.0
    assert events[1].detail["run_end"] == (T0 + 2 * SLOT).isoformat()
    assert executor.saved == initial
    assert await rig.controller.read_settings() != initial

    # After the battery's response time it charges: no problem reported.
    await rig.settle(SETTINGS_LAG_S + 60)
    events = await executor.tick(T0 + 7 * MINUTE, slots)
    assert events == []
    assert executor.problems == frozenset()
    status = await rig.controller.read_status()
    assert status.power_w is not None and status.power_w < -1000

    # The second slot of the run holds: applied without saving again.
    events = await executor.tick(T0 + SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.APPLIED]
    assert events[0].detail["action"] == "hold"
    # A Powerwall first gives back what it charged during its lag, down to
    # the reserve; that is no problem either.
    await rig.settle(SETTINGS_LAG_S + 1200)
    events = await executor.tick(T0 + SLOT + 25 * MINUTE, slots)
    assert events == []
    assert executor.problems == frozenset()
    status = await rig.controller.read_status()
    assert status.power_w == 0

    # The run ends: the settings saved at its start are back, exactly.
    events = await executor.tick(T0 + 2 * SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.RESTORED]
    assert await rig.controller.read_settings() == initial
    assert executor.saved is None and executor.applied is None
    assert [entry["event"] for entry in executor.log] == [
        "saved",
        "applied",
        "applied",
        "restored",
    ]
    await rig.settle(SETTINGS_LAG_S + 60)
    status = await rig.controller.read_status()
    assert status.power_w is not None and status.power_w > 100  # covering the house


async def test_a_failure_mid_slot_restores_with_back_off(rig: Rig) -> None:
    initial = await rig.controller.read_settings()
    slots = [slot(T0, Action.CHARGE, rig.capacity_kwh), slot(T0 + SLOT, Action.CHARGE)]
    executor = executor_for(rig)
    await executor.tick(T0 + MINUTE, slots)
    assert executor.applied is not None

    rig.break_device()
    now = T0 + 5 * MINUTE
    events = await executor.tick(now, slots)
    assert kinds(events) == [EventKind.FAILED]  # the restore failed too: retrying
    assert executor.saved == initial
    # Retries wait: 30 s, 60 s, then the problem is reported once.
    assert await executor.tick(now + dt.timedelta(seconds=10), slots) == []
    events = await executor.tick(now + dt.timedelta(seconds=31), slots)
    assert events == []
    events = await executor.tick(now + dt.timedelta(seconds=92), slots)
    assert kinds(events) == [EventKind.RESTORE_FAILED]
    assert executor.problems == {Problem.RESTORE_FAILED}

    rig.fix_device()
    events = await executor.tick(now + dt.timedelta(seconds=400), slots)
    assert kinds(events) == [EventKind.RESTORED]
    assert events[0].detail["reason"] == "failure"
    assert executor.problems == frozenset()
    assert await rig.controller.read_settings() == initial
    # The rest of the slot is sat out; the next slot starts a new run.
    assert await executor.tick(T0 + 20 * MINUTE, slots) == []
    events = await executor.tick(T0 + SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    await executor.shutdown(T0 + SLOT + 2 * MINUTE)
    assert await rig.controller.read_settings() == initial


async def test_a_restart_mid_slot_restores_then_resumes_at_the_next_slot(
    rig: Rig,
) -> None:
    initial = await rig.controller.read_settings()
    slots = [slot(T0, Action.CHARGE, rig.capacity_kwh), slot(T0 + SLOT, Action.HOLD)]
    stored: list[dict[str, Any]] = []

    async def persist(state: dict[str, Any]) -> None:
        stored.append(json.loads(json.dumps(state)))  # as a store keeps it

    executor = Executor(
        rig.controller, rig.capacity_kwh, state={"mode": "automatic"}, persist=persist
    )
    await executor.tick(T0 + MINUTE, slots)
    # Saved before anything was applied, then again with what was applied.
    assert stored[0]["saved"] == initial.as_dict() and stored[0]["applied"] is None
    assert stored[-1]["applied"]["command"]["action"] == "charge"

    # Home Assistant stops without unloading; a new executor starts from the store.
    restarted = Executor(rig.controller, rig.capacity_kwh, state=stored[-1])
    events = await restarted.tick(T0 + 10 * MINUTE, slots)
    assert kinds(events) == [EventKind.RESTORED]
    assert events[0].detail["reason"] == "restart"
    assert await rig.controller.read_settings() == initial
    assert await restarted.tick(T0 + 20 * MINUTE, slots) == []
    events = await restarted.tick(T0 + SLOT, slots)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert events[1].detail["action"] == "hold"
    await restarted.shutdown(T0 + SLOT + MINUTE)
    assert await rig.controller.read_settings() == initial


async def test_a_change_by_the_user_is_respected_for_the_rest_of_the_run(
    rig: Rig,
) -> None:
    slots = [
        slot(T0, Action.CHARGE, rig.capacity_kwh),
        slot(T0 + SLOT, Action.CHARGE, rig.capacity_kwh),
        slot(T0 + 2 * SLOT, Action.SELF_CONSUMPTION),
        slot(T0 + 3 * SLOT, Action.HOLD),
    ]
    executor = executor_for(rig)
    await executor.tick(T0 + MINUTE, slots)
    rig.change_by_user()
    changed = await rig.controller.read_settings()

    events = await executor.tick(T0 + 10 * MINUTE, slots)
    assert kinds(events) == [EventKind.STOOD_DOWN]
    assert events[0].detail["until"] == (T0 + 2 * SLOT).isoformat()
    # Nothing is restored over the user's change, nothing applied, for the run.
    for minutes in (20, 35, 61, 75):
        assert await executor.tick(T0 + minutes * MINUTE, slots) == []
        assert await rig.controller.read_settings() == changed
    # The next run starts afresh, from the user's settings.
    events = await executor.tick(T0 + 3 * SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert executor.saved == changed
    await executor.shutdown(T0 + 3 * SLOT + 2 * MINUTE)
    assert await rig.controller.read_settings() == changed


async def test_stale_prices_restore_but_manual_overrides_still_act(rig: Rig) -> None:
    initial = await rig.controller.read_settings()
    slots = [slot(T0, Action.CHARGE, rig.capacity_kwh), slot(T0 + SLOT, Action.CHARGE)]
    executor = executor_for(rig)
    await executor.tick(T0 + MINUTE, slots)
    events = await executor.tick(T0 + 5 * MINUTE, slots, prices_ok=False)
    assert kinds(events) == [EventKind.STALE_PRICES, EventKind.RESTORED]
    assert await rig.controller.read_settings() == initial
    assert await executor.tick(T0 + 10 * MINUTE, slots, prices_ok=False) == []
    # A manual force charge does not depend on prices.
    manual = [force_charge(T0 + 15 * MINUTE, T0 + 45 * MINUTE, target_soc=95)]
    events = await executor.tick(T0 + 16 * MINUTE, slots, manual, prices_ok=False)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert events[1].detail["target_soc"] == 95
    await executor.shutdown(T0 + 17 * MINUTE)
    assert await rig.controller.read_settings() == initial


async def test_modes_overrides_and_unload(rig: Rig) -> None:
    initial = await rig.controller.read_settings()
    slots = [slot(T0, Action.CHARGE, rig.capacity_kwh), slot(T0 + SLOT, Action.CHARGE)]
    executor = Executor(rig.controller, rig.capacity_kwh)
    assert executor.mode is Mode.PLAN_ONLY  # a new entry only shows the plan
    assert await executor.tick(T0 + MINUTE, slots) == []
    assert await rig.controller.read_settings() == initial

    events = await executor.set_mode(Mode.AUTOMATIC, T0 + 2 * MINUTE)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    events = await executor.set_mode(Mode.PLAN_ONLY, T0 + 3 * MINUTE)
    assert kinds(events) == [EventKind.RESTORED]
    assert await rig.controller.read_settings() == initial

    # In "plan only" a manual slot still acts; removing the planned charge
    # of the next slot ends the run there.
    overrides = [
        force_charge(T0 + 4 * MINUTE, T0 + SLOT),
        no_charge_slot(T0 + SLOT),
    ]
    events = await executor.tick(T0 + 5 * MINUTE, slots, overrides)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert events[1].detail["run_end"] == (T0 + SLOT).isoformat()
    events = await executor.set_mode(Mode.OFF, T0 + 6 * MINUTE)
    assert kinds(events) == [EventKind.RESTORED]
    assert await rig.controller.read_settings() == initial

    await executor.set_mode(Mode.AUTOMATIC, T0 + 7 * MINUTE)
    assert executor.applied is not None
    events = await executor.shutdown(T0 + 8 * MINUTE)
    assert kinds(events) == [EventKind.RESTORED]
    assert events[0].detail["reason"] == "unload"
    assert await rig.controller.read_settings() == initial


async def test_a_battery_that_does_not_act_is_reported_once(rig: Rig) -> None:
    rig.stop_following()
    slots = [slot(T0, Action.CHARGE, rig.capacity_kwh)]
    executor = executor_for(rig)
    await executor.tick(T0 + MINUTE, slots)
    applied = executor.applied
    # Not before the battery's response time (a Powerwall takes minutes).
    wait = dt.timedelta(seconds=rig.controller.response_time_s)
    await rig.settle(wait.total_seconds() / 2)
    assert await executor.tick(T0 + MINUTE + wait / 2, slots) == []
    await rig.settle(wait.total_seconds())
    events = await executor.tick(T0 + 2 * MINUTE + wait, slots)
    assert kinds(events) == [EventKind.NOT_TAKING_EFFECT]
    assert executor.problems == {Problem.NOT_TAKING_EFFECT}
    # Reported once; the command is not sent again (no flapping).
    assert await executor.tick(T0 + 12 * MINUTE, slots) == []
    assert executor.applied == applied
    events = await executor.tick(T0 + SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.RESTORED]
    assert executor.problems == frozenset()


async def test_a_charge_holds_once_its_target_is_reached(rig: Rig) -> None:
    status = await rig.controller.read_status()
    assert status.soc_percent is not None
    reached = (status.soc_percent - 2) / 100 * rig.capacity_kwh
    slots = [slot(T0, Action.CHARGE, reached), slot(T0 + SLOT, Action.CHARGE, reached)]
    executor = executor_for(rig)
    await executor.tick(T0 + MINUTE, slots)
    await rig.settle(240)
    events = await executor.tick(T0 + 5 * MINUTE, slots)
    assert kinds(events) == [EventKind.TARGET_REACHED, EventKind.APPLIED]
    assert events[1].detail["action"] == "hold"
    # The hold lasts for the slot (and keeps the charge); the next slot
    # charges again.
    await rig.settle(600)
    assert await executor.tick(T0 + 15 * MINUTE, slots) == []
    assert executor.problems == frozenset()
    events = await executor.tick(T0 + SLOT + MINUTE, slots)
    assert kinds(events) == [EventKind.APPLIED]
    assert events[0].detail["action"] == "charge"
    await executor.shutdown(T0 + SLOT + 2 * MINUTE)


async def test_the_planners_plan_drives_the_battery(rig: Rig) -> None:
    """Cheap night slots then a dear evening: the plan charges, the executor follows."""
    initial = await rig.controller.read_settings()
    status = await rig.controller.read_status()
    assert status.soc_percent is not None
    capacity = rig.capacity_kwh
    prices = [5.0, 5.0, 30.0, 30.0, 30.0, 30.0]
    inputs = [
        SlotInput(T0 + index * SLOT, price, 4.0, load_kwh=capacity / 6, pv_kwh=0.0)
        for index, price in enumerate(prices)
    ]
    battery = Battery(
        capacity_kwh=capacity,
        soc_kwh=status.soc_percent / 100 * capacity / 2,
        max_charge_kwh=capacity / 4,
        max_discharge_kwh=capacity / 4,
    )
    made = plan(inputs, battery, PlanOptions())
    assert [s.action for s in made.slots[:2]] == [Action.CHARGE, Action.CHARGE]
    executor = executor_for(rig)
    events = await executor.tick(T0 + MINUTE, made.slots)
    assert kinds(events) == [EventKind.SAVED, EventKind.APPLIED]
    assert events[1].detail["action"] == "charge"
    assert events[1].detail["run_end"] == (T0 + 2 * SLOT).isoformat()
    events = await executor.tick(T0 + 2 * SLOT + MINUTE, made.slots)
    assert kinds(events) == [EventKind.RESTORED]
    assert await rig.controller.read_settings() == initial


def test_settings_match_only_what_was_written() -> None:
    written = BatterySettings({"ems_mode": 2.0, "forced_command": 170.0})
    assert written.matches(
        BatterySettings({"ems_mode": 2, "forced_command": 170, "forced_power": 3000})
    )
    assert not written.matches(
        BatterySettings({"ems_mode": 0.0, "forced_command": 170.0})
    )
    assert not written.matches(BatterySettings({"ems_mode": 2.0}))
    assert not BatterySettings({"grid_charging": True}).matches(
        BatterySettings({"grid_charging": 1})
    )
