"""What the plan reads from the rest of Home Assistant: the battery, history, solar forecasts.

- The battery: capacity and state of charge from the Energy Hub Powerwall
  or Sungrow entry the plan is for (its coordinator's last reading).
- History: hourly statistics of the home's consumption (and PV) sensor from
  the recorder, as half-hourly kWh for `forecast.py` (a power sensor's
  hourly mean, or an energy sensor's hourly change, split evenly over the
  hour's two slots).
- The solar forecast of the energy platform (Forecast.Solar, Solcast) when
  the Energy dashboard names one for its solar source.

Anything missing leaves the forecasts to their documented defaults (no
history: a flat 0.2 kWh per half-hour of load and no PV).
"""

from dataclasses import dataclass, field
import datetime as dt
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..powerwall.gateway import PowerwallReading
from ..sungrow.registers import SungrowData
from .client import SLOT
from .forecast import SlotHistory

# How much history the forecasts read, and how often it is read again.
HISTORY_DAYS: Final = 14
REFRESH_EVERY: Final = dt.timedelta(hours=1)
# The battery source's own consumption sensor (Powerwall, Sungrow): the
# default load for the forecast.
LOAD_TRANSLATION_KEYS: Final = ("home_power", "load_power")
POWER_UNITS: Final = {"W": 0.001, "kW": 1.0, "MW": 1000.0}
ENERGY_UNITS: Final = {"Wh": 0.001, "kWh": 1.0, "MWh": 1000.0}


@dataclass(frozen=True, slots=True)
class BatteryReading:
    """What a battery entry reports: kWh and the reserve (%), None where unknown."""

    capacity_kwh: float | None
    soc_kwh: float | None
    reserve_percent: float | None = None


def read_battery(hass: HomeAssistant, entry_id: str | None) -> BatteryReading | None:
    """The battery entry's last reading; None when it is not running or unreadable."""
    if entry_id is None:
        return None
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    coordinator = getattr(entry.runtime_data, "coordinator", None)
    data = getattr(coordinator, "data", None)
    if isinstance(data, PowerwallReading):
        return BatteryReading(
            capacity_kwh=_kwh(data.full_pack_wh),
            soc_kwh=_kwh(data.energy_remaining_wh),
        )
    if isinstance(data, SungrowData):
        capacity = data.number("battery_capacity")
        percent = data.number("battery_soc")
        return BatteryReading(
            capacity_kwh=capacity,
            soc_kwh=None
            if capacity is None or percent is None
            else capacity * percent / 100,
            reserve_percent=data.setting("min_soc"),
        )
    return None


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else wh / 1000


def default_load_entity(
    hass: HomeAssistant, battery_entry_id: str | None
) -> str | None:
    """The battery entry's home consumption sensor, if it has one."""
    if battery_entry_id is None:
        return None
    for entity in er.async_entries_for_config_entry(
        er.async_get(hass), battery_entry_id
    ):
        if (
            entity.domain == Platform.SENSOR
            and entity.translation_key in LOAD_TRANSLATION_KEYS
        ):
            return entity.entity_id
    return None


def half_hours(rows: list[Any], unit: str | None) -> list[tuple[dt.datetime, float]]:
    """Hourly statistics rows as (slot start, kWh) for the hour's two half-hours."""
    readings: list[tuple[dt.datetime, float]] = []
    if unit in POWER_UNITS:
        scale, kind = POWER_UNITS[unit] * (SLOT / dt.timedelta(hours=1)), "mean"
    elif unit in ENERGY_UNITS:
        scale, kind = ENERGY_UNITS[unit] / 2, "change"
    else:
        return readings
    for row in rows:
        value = row.get(kind)
        start = row.get("start")
        if not isinstance(value, int | float) or not isinstance(start, int | float):
            continue
        hour = dt_util.utc_from_timestamp(start)
        kwh = max(float(value), 0.0) * scale
        readings.extend(((hour, kwh), (hour + SLOT, kwh)))
    return readings


@dataclass
class Forecaster:
    """The histories and solar forecast the plan's forecasts are built from."""

    hass: HomeAssistant
    load_entity: str | None
    pv_entity: str | None
    load: SlotHistory = field(default_factory=SlotHistory)
    pv: SlotHistory = field(default_factory=lambda: SlotHistory(tz=None))
    solar_forecast: dict[dt.datetime, float] | None = None
    refreshed: dt.datetime | None = None

    async def async_refresh(self, now: dt.datetime) -> None:
        """Read history and forecast again, at most once an hour."""
        if self.refreshed is not None and now - self.refreshed < REFRESH_EVERY:
            return
        self.refreshed = now
        if self.load_entity is not None:
            self.load = SlotHistory(await self._history(self.load_entity, now))
        self.solar_forecast = await self._solar_forecast()
        if self.pv_entity is not None and self.solar_forecast is None:
            self.pv = SlotHistory(await self._history(self.pv_entity, now), tz=None)

    async def _history(
        self, entity_id: str, now: dt.datetime
    ) -> list[tuple[dt.datetime, float]]:
        """Half-hourly kWh of a power or energy sensor from its hourly statistics."""
        if "recorder" not in self.hass.config.components:
            return []
        # Imported here: the recorder is only there when it is configured.
        from homeassistant.components.recorder.statistics import (  # noqa: PLC0415
            statistics_during_period,
        )

        state = self.hass.states.get(entity_id)
        unit = None if state is None else state.attributes.get("unit_of_measurement")
        if unit not in POWER_UNITS and unit not in ENERGY_UNITS:
            return []
        start = now - dt.timedelta(days=HISTORY_DAYS)
        try:
            rows = await get_instance(self.hass).async_add_executor_job(
                statistics_during_period,
                self.hass,
                start,
                now,
                {entity_id},
                "hour",
                None,
                {"mean", "change"},
            )
        except Exception as err:  # history is optional: never fail the plan
            LOGGER.debug("No statistics of %s: %s", entity_id, err)
            return []
        return half_hours(list(rows.get(entity_id, [])), str(unit))

    async def _solar_forecast(self) -> dict[dt.datetime, float] | None:
        """Energy (kWh) per half-hour from the energy platform's solar forecasts, if configured."""
        if "energy" not in self.hass.config.components:
            return None
        from homeassistant.components.energy.data import (  # noqa: PLC0415
            async_get_manager,
        )
        from homeassistant.components.energy.websocket_api import (  # noqa: PLC0415
            async_get_energy_platforms,
        )

        manager = await async_get_manager(self.hass)
        if manager.data is None:
            return None
        entry_ids = [
            entry_id
            for source in manager.data["energy_sources"]
            if source["type"] == "solar"
            for entry_id in source.get("config_entry_solar_forecast") or ()
        ]
        if not entry_ids:
            return None
        platforms = await async_get_energy_platforms(self.hass)
        result: dict[dt.datetime, float] = {}
        for entry_id in entry_ids:
            entry = self.hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain not in platforms or entry.domain == DOMAIN:
                continue
            forecast = await platforms[entry.domain](self.hass, entry_id)
            hours = {} if forecast is None else forecast["wh_hours"]
            for moment, wh in hours.items():
                start = dt_util.parse_datetime(str(moment))
                if start is None or not isinstance(wh, int | float):
                    continue
                hour = dt_util.as_utc(start)
                for half in (hour, hour + SLOT):
                    result[half] = result.get(half, 0.0) + float(wh) / 2000
        return result or None
