"""Prices from the Octopus Energy integration's rate event entities (GBP/kWh)."""

import datetime as dt
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.client import SLOT, UK, uk_day
from custom_components.energy_hub.agile.const import (
    CONF_EXPORT,
    CONF_EXPORT_PRICE,
    CONF_PRICE_SOURCE,
    CONF_RATE_ENTITIES,
    ExportTariff,
    PriceSource,
)
from custom_components.energy_hub.const import (
    CONF_SOURCE,
    DOMAIN,
    ENTRY_MINOR_VERSION,
    ENTRY_VERSION,
    SourceKind,
)

from .conftest import MORNING, SetUp, move_to

CURRENT = "event.octopus_energy_electricity_21l123456_1900001234567_current_day_rates"
NEXT = "event.octopus_energy_electricity_21l123456_1900001234567_next_day_rates"
IMPORT = "sensor.octopus_agile_import_price"
EXPORT = "sensor.octopus_agile_export_price"
TOMORROW_MAX = "sensor.octopus_agile_tomorrow_s_highest_price"
CHEAP = "binary_sensor.octopus_agile_cheap_slot_now"


def _price(start: dt.datetime) -> float:
    """GBP/kWh: a day shape with cheap nights."""
    hour = start.astimezone(UK).hour
    return round(0.05 + 0.01 * hour + (0.12 if 16 <= hour < 19 else 0.0), 4)


def _rates(day: dt.date, *, as_text: bool = False) -> list[dict[str, Any]]:
    start, end = uk_day(day)
    rates = []
    while start < end:
        rate: dict[str, Any] = {
            "start": start.astimezone(UK),
            "end": (start + SLOT).astimezone(UK),
            "value_inc_vat": _price(start),
            "is_capped": False,
        }
        if as_text:
            rate["start"] = rate["start"].isoformat()
            rate["end"] = rate["end"].isoformat()
        rates.append(rate)
        start += SLOT
    return rates


def _entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Octopus Agile (Octopus Energy)",
        unique_id="no_battery",
        version=ENTRY_VERSION,
        minor_version=ENTRY_MINOR_VERSION,
        data={
            CONF_SOURCE: SourceKind.AGILE.value,
            CONF_PRICE_SOURCE: PriceSource.OCTOPUS_ENERGY.value,
            CONF_RATE_ENTITIES: [CURRENT, NEXT],
            CONF_EXPORT: ExportTariff.FIXED.value,
            CONF_EXPORT_PRICE: 0.15,
        },
        options={"capacity_kwh": 10.0, "reserve_percent": 10.0},
    )


async def test_prices_from_rate_entities(
    hass: HomeAssistant, setup_entry: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(MORNING)
    hass.states.async_set(
        CURRENT,
        "2026-01-13T00:00:00.000+00:00",
        {
            "event_type": "octopus_energy_electricity_current_day_rates",
            "rates": _rates(MORNING.date()),
        },
    )
    hass.states.async_set(NEXT, "unknown", {"rates": []})
    await setup_entry(_entry())

    now = MORNING.astimezone(dt.UTC)
    assert float(hass.states.get(IMPORT).state) == pytest.approx(_price(now))  # type: ignore[union-attr]
    assert float(hass.states.get(EXPORT).state) == pytest.approx(0.15)  # type: ignore[union-attr]
    assert hass.states.get(CHEAP).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(TOMORROW_MAX).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    # The integration publishes tomorrow's rates (times as text after a restart).
    tomorrow = MORNING.date() + dt.timedelta(days=1)
    hass.states.async_set(
        NEXT,
        "2026-01-13T16:05:00.000+00:00",
        {"rates": _rates(tomorrow, as_text=True)},
    )
    await hass.async_block_till_done()
    assert float(hass.states.get(TOMORROW_MAX).state) == pytest.approx(  # type: ignore[union-attr]
        max(_price(moment["start"]) for moment in _rates(tomorrow))
    )

    # At 03:00 tomorrow the night price (0.08) is below the 0.10 threshold.
    await move_to(hass, freezer, dt.datetime(2026, 1, 14, 3, 0, 2, tzinfo=UK))
    assert float(hass.states.get(IMPORT).state) == pytest.approx(0.08)  # type: ignore[union-attr]
    assert hass.states.get(CHEAP).state == "on"  # type: ignore[union-attr]


async def test_rates_arriving_later(
    hass: HomeAssistant, setup_entry: SetUp, freezer: FrozenDateTimeFactory
) -> None:
    """Rate entities without rates: prices unknown (unavailable, never 0) until they come."""
    freezer.move_to(MORNING)
    hass.states.async_set(CURRENT, "unknown", {"rates": None})
    entry = await setup_entry(_entry())
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(IMPORT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get(CHEAP).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    hass.states.async_set(
        CURRENT, "2026-01-13T00:00:00.000+00:00", {"rates": _rates(MORNING.date())}
    )
    await hass.async_block_till_done()
    assert float(hass.states.get(IMPORT).state) == pytest.approx(  # type: ignore[union-attr]
        _price(MORNING.astimezone(dt.UTC))
    )
