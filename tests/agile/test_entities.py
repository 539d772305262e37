"""The Agile entities on a real Home Assistant against the price simulator.

Prices, statistics, the cheap/negative binary sensors and their threshold,
the plan's sensors, the publication rule (poll after 16:00 until complete,
then stop) and an API outage that keeps the known prices.
"""

import datetime as dt
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.energy_hub.agile.client import SLOT, UK, slot_start, uk_day
from custom_components.energy_hub.agile.coordinator import AgileCoordinator
from custom_components.energy_hub.agile.schedule import PlanTargets
from custom_components.energy_hub.agile.source import AgileSource
from custom_components.energy_hub.const import DOMAIN
from simulators.octopus import OctopusSimulator

from .conftest import MORNING, REGION, SetUp, agile_entry, move_to

IMPORT = "sensor.octopus_agile_import_price"
NEXT = "sensor.octopus_agile_next_import_price"
EXPORT = "sensor.octopus_agile_export_price"
CHEAP = "binary_sensor.octopus_agile_cheap_slot_now"
NEGATIVE = "binary_sensor.octopus_agile_negative_price_now"
THRESHOLD = "number.octopus_agile_cheap_price_threshold"
TOMORROW_MEAN = "sensor.octopus_agile_tomorrow_s_average_price"
TODAY = {
    "min": "sensor.octopus_agile_today_s_lowest_price",
    "mean": "sensor.octopus_agile_today_s_average_price",
    "max": "sensor.octopus_agile_today_s_highest_price",
}


def _float(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return float(state.state)


def _coordinator(hass: HomeAssistant) -> AgileCoordinator:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    source = entry.runtime_data
    assert isinstance(source, AgileSource)
    return source.coordinator


def _import(simulator: OctopusSimulator, moment: dt.datetime) -> float:
    return simulator.import_price(moment, REGION)[1]


async def test_prices_and_statistics(
    hass: HomeAssistant, octopus: OctopusSimulator, setup_entry: SetUp
) -> None:
    await setup_entry(agile_entry(octopus))
    now = MORNING.astimezone(dt.UTC)

    assert _float(hass, IMPORT) == pytest.approx(_import(octopus, now) / 100)
    assert _float(hass, NEXT) == pytest.approx(_import(octopus, now + SLOT) / 100)
    assert _float(hass, EXPORT) == pytest.approx(
        octopus.export_price(now, REGION) / 100
    )
    state = hass.states.get(IMPORT)
    assert state is not None
    # What the Energy dashboard takes as a price entity.
    assert state.attributes["unit_of_measurement"] == "GBP/kWh"
    assert state.attributes["state_class"] == "measurement"
    assert "device_class" not in state.attributes

    start, end = uk_day(MORNING.date())
    day = []
    moment = start
    while moment < end:
        day.append(_import(octopus, moment) / 100)
        moment += SLOT
    # 23:00-24:00 is published this afternoon: unknown until then, not 0.
    known = day[:46]
    assert _float(hass, TODAY["min"]) == pytest.approx(min(known))
    assert _float(hass, TODAY["max"]) == pytest.approx(max(known))
    assert _float(hass, TODAY["mean"]) == pytest.approx(math.fsum(known) / 46, abs=1e-6)
    mean = hass.states.get(TODAY["mean"])
    assert mean is not None
    assert mean.attributes["known_slots"] == 46
    assert mean.attributes["expected_slots"] == 48
    # Tomorrow's prices come at 16:00.
    tomorrow = hass.states.get(TOMORROW_MEAN)
    assert tomorrow is not None
    assert tomorrow.state == STATE_UNAVAILABLE

    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), _entry_id(hass))
    assert device.name == "Octopus Agile"
    assert device.identifiers == {(DOMAIN, _entry_id(hass))}
    for entity in er.async_entries_for_config_entry(
        er.async_get(hass), _entry_id(hass)
    ):
        assert entity.translation_key is not None
        assert entity.unique_id.startswith(_entry_id(hass))


def _entry_id(hass: HomeAssistant) -> str:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry.entry_id


async def test_negative_and_cheap_now(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    now = slot_start(MORNING)
    octopus.set_price(now, -5.25)  # plunge pricing
    octopus.set_price(now + SLOT, 0.0)  # exactly zero: a price, not "unknown"
    octopus.set_price(now + 2 * SLOT, 12.0)
    await setup_entry(agile_entry(octopus))

    assert _float(hass, IMPORT) == pytest.approx(-0.0525)
    assert hass.states.get(NEGATIVE).state == "on"  # type: ignore[union-attr]
    assert hass.states.get(CHEAP).state == "on"  # type: ignore[union-attr]
    assert _float(hass, THRESHOLD) == pytest.approx(0.10)

    await move_to(hass, freezer, now + SLOT + dt.timedelta(seconds=2))
    assert _float(hass, IMPORT) == 0.0
    assert hass.states.get(NEGATIVE).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(CHEAP).state == "on"  # type: ignore[union-attr]

    await move_to(hass, freezer, now + 2 * SLOT + dt.timedelta(seconds=2))
    assert _float(hass, IMPORT) == pytest.approx(0.12)
    assert hass.states.get(CHEAP).state == "off"  # type: ignore[union-attr]

    # A higher threshold makes 12p cheap; it survives a restart.
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": THRESHOLD, "value": 0.125},
        blocking=True,
    )
    assert _float(hass, THRESHOLD) == pytest.approx(0.125)
    assert hass.states.get(CHEAP).state == "on"  # type: ignore[union-attr]
    entry_id = _entry_id(hass)
    assert await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done()
    assert _float(hass, THRESHOLD) == pytest.approx(0.125)
    assert hass.states.get(CHEAP).state == "on"  # type: ignore[union-attr]


async def test_polls_after_publication_until_complete_then_stops(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(agile_entry(octopus))
    coordinator = _coordinator(hass)
    client = coordinator.client
    assert client is not None
    at_setup = client.requests
    assert at_setup == 2  # import and export: today's prices, one page each

    # Every slot until 16:00 re-plans without asking the API.
    moment = slot_start(MORNING)
    publication = dt.datetime(2026, 1, 13, 16, 0, tzinfo=UK)
    while moment + SLOT < publication:
        moment += SLOT
        await move_to(hass, freezer, moment + dt.timedelta(seconds=2))
    assert client.requests == at_setup
    assert hass.states.get(TOMORROW_MEAN).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    # 16:00: published, read at once; then nothing more until the next day.
    await move_to(hass, freezer, publication + dt.timedelta(seconds=2))
    after_publication = client.requests
    assert after_publication == at_setup + 2  # one request per tariff
    assert coordinator.data.tomorrow_complete
    tomorrow = [
        _import(octopus, dt.datetime(2026, 1, 14, 0, 0, tzinfo=UK) + i * SLOT) / 100
        for i in range(48)
    ]
    assert _float(hass, TOMORROW_MEAN) == pytest.approx(
        math.fsum(tomorrow[:46]) / 46,  # 23:00-24:00 comes with the next set
        abs=1e-6,
    )
    plan_end = hass.states.get("sensor.octopus_agile_planned_state_of_charge")
    assert plan_end is not None
    assert (
        plan_end.attributes["plan_end"]
        == dt.datetime(2026, 1, 14, 23, 0, tzinfo=dt.UTC).isoformat()
    )
    moment = publication
    for _ in range(12):
        moment += SLOT
        await move_to(hass, freezer, moment + dt.timedelta(seconds=2))
    assert client.requests == after_publication


async def test_late_publication_polls_a_few_times_an_hour(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    octopus.faults.extra["late_publication"] = True
    await setup_entry(agile_entry(octopus))
    client = _coordinator(hass).client
    assert client is not None
    start = dt.datetime(2026, 1, 13, 16, 0, 1, tzinfo=UK)
    await move_to(hass, freezer, start)
    before = client.requests
    # Two hours, a tick every minute: one poll (import + export) per 15 minutes.
    for minute in range(1, 121):
        await move_to(hass, freezer, start + dt.timedelta(minutes=minute))
    polls = (client.requests - before) / 2
    assert polls == 8


async def test_outage_keeps_known_prices(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup_entry(agile_entry(octopus))
    await octopus.set_offline(True)
    # After 16:00 the coordinator asks for tomorrow's prices and fails.
    later = dt.datetime(2026, 1, 13, 16, 30, 2, tzinfo=UK)
    await move_to(hass, freezer, later)
    state = hass.states.get(IMPORT)
    assert state is not None
    assert float(state.state) == pytest.approx(_import(octopus, later) / 100)
    assert _coordinator(hass).data.last_error is not None
    plan = hass.states.get("sensor.octopus_agile_plan_cost")
    assert plan is not None
    assert plan.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)

    # Back online: the next poll reads tomorrow's set.
    await octopus.set_offline(False)
    await move_to(hass, freezer, later + dt.timedelta(minutes=16))
    assert _coordinator(hass).data.tomorrow_complete
    assert _coordinator(hass).data.last_error is None

    # Past the last known price (and the API away): unavailable, never 0.
    await octopus.set_offline(True)
    beyond = dt.datetime(2026, 1, 14, 23, 0, 2, tzinfo=UK)
    await move_to(hass, freezer, beyond)
    assert hass.states.get(IMPORT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_targets_re_plan_at_once(
    hass: HomeAssistant,
    octopus: OctopusSimulator,
    setup_entry: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A target SoC by a time (set by the entry's runner) re-plans on the next refresh."""
    await setup_entry(agile_entry(octopus))
    await move_to(hass, freezer, dt.datetime(2026, 1, 13, 16, 30, 2, tzinfo=UK))
    coordinator = _coordinator(hass)
    deadline = dt.datetime(2026, 1, 14, 7, 0, tzinfo=UK)

    def soc_at_deadline() -> float:
        plan = coordinator.plan
        assert plan is not None
        (slot,) = [slot for slot in plan.slots if slot.end == deadline]
        return slot.soc_end_kwh

    assert soc_at_deadline() < 0.9 * 13.5
    coordinator.targets = PlanTargets(target_soc=90.0, deadline=dt.time(7, 0))
    await coordinator.async_refresh()
    assert soc_at_deadline() >= 0.9 * 13.5 - 0.02
