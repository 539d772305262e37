"""The Powerwall source's entities: every one is defined here, as data."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.number import NumberMode
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
)

from ..binary_sensor import EnergyHubBinarySensorEntityDescription
from ..errors import DeviceAuthError
from ..number import EnergyHubNumberEntityDescription
from ..select import EnergyHubSelectEntityDescription
from ..sensor import (
    EnergyHubSensorEntityDescription,
    lifetime_energy_description,
    measurement_description,
    power_description,
)
from ..switch import EnergyHubSwitchEntityDescription
from .coordinator import PowerwallControlCoordinator
from .gateway import PackReading, PowerwallReading, app_scaled, extra_meter_names
from .netzero import EXPORT_RULES, OPERATIONAL_MODES, ControlSettings

type SensorDescription = EnergyHubSensorEntityDescription[PowerwallReading]
type BinaryDescription = EnergyHubBinarySensorEntityDescription[PowerwallReading]

# Idle packs read a few watts either way; below this the battery is charging.
CHARGING_THRESHOLD_W = -50.0
# Lifetime totals may not grow faster than this (kWh per hour = average kW):
# more than any home's connection, so only glitches are withheld.
MAX_HOME_RATE_KW = 100.0

GRID_STATES = ("connected", "islanded", "transitioning")
_GRID_STATUS = {
    "SystemGridConnected": "connected",
    "SystemIslandedActive": "islanded",
    "SystemIslandedReady": "islanded",
    "SystemMicroGridFaulted": "islanded",
    "SystemWaitForUser": "islanded",
    "SystemTransitionToGrid": "transitioning",
    "SystemTransitionToIsland": "transitioning",
}


def grid_state(data: PowerwallReading) -> str | None:
    """The grid status as one of `GRID_STATES` (None when not reported)."""
    return _GRID_STATUS.get(data.grid_status or "")


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else round(wh / 1000.0, 3)


def _power(meter: str) -> Callable[[PowerwallReading], float | None]:
    return lambda data: data.meter(meter).power_w


def _round_trip_efficiency(data: PowerwallReading) -> float | None:
    battery = data.meter("battery")
    charged, discharged = battery.imported_wh, battery.exported_wh
    if not charged or not discharged:
        return None
    return round(100.0 * discharged / charged, 1)


def _power_sensor(key: str, meter: str) -> SensorDescription:
    return power_description(key, _power(meter), suggested_display_precision=0)


def _energy_storage_sensor(
    key: str,
    value_fn: Callable[[PowerwallReading], float | None],
    *,
    translation_key: str | None = None,
    entity_category: EntityCategory | None = None,
) -> SensorDescription:
    """Energy held in the battery (kWh): a measurement, not an Energy-dashboard total."""
    return measurement_description(
        key,
        value_fn,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        unit=UnitOfEnergy.KILO_WATT_HOUR,
        translation_key=translation_key,
        suggested_display_precision=2,
        entity_category=entity_category,
    )


def _lifetime_sensor(
    key: str, value_fn: Callable[[PowerwallReading], float | None]
) -> SensorDescription:
    return lifetime_energy_description(
        key,
        lambda data: _kwh(value_fn(data)),
        max_kwh_per_hour=MAX_HOME_RATE_KW,
        suggested_display_precision=2,
    )


type Counter = Literal["imported_wh", "exported_wh"]


def _meter_total(
    key: str,
    meter: str,
    counter: Counter,
    translation_key: str,
    *,
    placeholders: Mapping[str, str] | None = None,
) -> SensorDescription:
    """A lifetime total beyond the everyday six, of a meter the gateway lists.

    Created only when the gateway reports `meter`, disabled by default.
    """

    def read(data: PowerwallReading) -> float | None:
        reading = data.meters.get(meter)
        return None if reading is None else _kwh(getattr(reading, counter))

    return lifetime_energy_description(
        key,
        read,
        max_kwh_per_hour=MAX_HOME_RATE_KW,
        translation_key=translation_key,
        translation_placeholders=placeholders,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        has_fn=lambda data: meter in data.meters,
    )


# Meters some gateways list besides site, load, solar and battery, with a name
# of their own; any other gets the generic name with the meter's name in it.
EXTRA_METER_TOTALS: Mapping[str, tuple[SensorDescription, SensorDescription]] = {
    "busway": (
        _meter_total(
            "busway_meter_imported", "busway", "imported_wh", "busway_meter_imported"
        ),
        _meter_total(
            "busway_meter_exported", "busway", "exported_wh", "busway_meter_exported"
        ),
    ),
    "frequency": (
        _meter_total(
            "frequency_meter_imported",
            "frequency",
            "imported_wh",
            "frequency_meter_imported",
        ),
        _meter_total(
            "frequency_meter_exported",
            "frequency",
            "exported_wh",
            "frequency_meter_exported",
        ),
    ),
    "generator": (
        _meter_total(
            "generator_meter_imported",
            "generator",
            "imported_wh",
            "generator_meter_imported",
        ),
        _meter_total(
            "generator_meter_exported",
            "generator",
            "exported_wh",
            "generator_meter_exported",
        ),
    ),
    "conductor": (
        _meter_total(
            "conductor_meter_imported",
            "conductor",
            "imported_wh",
            "conductor_meter_imported",
        ),
        _meter_total(
            "conductor_meter_exported",
            "conductor",
            "exported_wh",
            "conductor_meter_exported",
        ),
    ),
}


def extra_meter_sensors(data: PowerwallReading | None) -> tuple[SensorDescription, ...]:
    """Import and export totals of every extra meter in the reading `data`.

    Keys are `<meter>_meter_imported` / `<meter>_meter_exported` (no key of
    the everyday set ends so, whatever a meter is called).
    """
    if data is None:
        return ()
    descriptions: list[SensorDescription] = []
    for name in extra_meter_names(data.meters):
        if name in EXTRA_METER_TOTALS:
            descriptions += EXTRA_METER_TOTALS[name]
            continue
        placeholders = {"meter": name.replace("_", " ").capitalize()}
        descriptions += [
            _meter_total(
                name + "_meter_imported",
                name,
                "imported_wh",
                "other_meter_imported",
                placeholders=placeholders,
            ),
            _meter_total(
                name + "_meter_exported",
                name,
                "exported_wh",
                "other_meter_exported",
                placeholders=placeholders,
            ),
        ]
    return tuple(descriptions)


def _phase(index: int, *, voltage: bool) -> Callable[[PowerwallReading], float | None]:
    def read(data: PowerwallReading) -> float | None:
        values = data.phase_voltage_v if voltage else data.phase_current_a
        return values[index]

    return read


def _phase_sensors() -> tuple[SensorDescription, ...]:
    descriptions: list[SensorDescription] = []
    for index, phase in enumerate(("l1", "l2", "l3")):
        descriptions += [
            measurement_description(
                f"voltage_{phase}",
                _phase(index, voltage=True),
                device_class=SensorDeviceClass.VOLTAGE,
                unit=UnitOfElectricPotential.VOLT,
                suggested_display_precision=1,
                entity_registry_enabled_default=False,
            ),
            measurement_description(
                f"current_{phase}",
                _phase(index, voltage=False),
                device_class=SensorDeviceClass.CURRENT,
                unit=UnitOfElectricCurrent.AMPERE,
                suggested_display_precision=2,
                entity_registry_enabled_default=False,
            ),
        ]
    return tuple(descriptions)


# Keys of the gateway entities that pypowerwall's TEDAPI mode has no real
# value for (it answers those endpoints with canned data, or 0 Hz).
TEDAPI_UNREPORTED = frozenset(
    {"frequency", "connected_to_tesla"}
    | {
        f"{kind}_{phase}"
        for kind in ("voltage", "current")
        for phase in ("l1", "l2", "l3")
    }
)

GATEWAY_SENSORS: tuple[SensorDescription, ...] = (
    # Signs as the gateway and HA's Energy dashboard both use them:
    # grid + = import, battery + = discharging.
    _power_sensor("grid_power", "site"),
    _power_sensor("home_power", "load"),
    _power_sensor("solar_power", "solar"),
    _power_sensor("battery_power", "battery"),
    _lifetime_sensor("grid_imported", lambda d: d.meter("site").imported_wh),
    _lifetime_sensor("grid_exported", lambda d: d.meter("site").exported_wh),
    # The solar meter counts production as "exported", the load meter
    # consumption as "imported", the battery meter discharge as "exported".
    _lifetime_sensor("solar_produced", lambda d: d.meter("solar").exported_wh),
    _lifetime_sensor("home_consumed", lambda d: d.meter("load").imported_wh),
    _lifetime_sensor("battery_charged", lambda d: d.meter("battery").imported_wh),
    _lifetime_sensor("battery_discharged", lambda d: d.meter("battery").exported_wh),
    # The other direction of the solar and load meters: what the solar
    # inverter draws (at night, mostly) and what flows back out of the load
    # side. The battery and site meters already have both.
    _meter_total("solar_consumed", "solar", "imported_wh", "solar_consumed"),
    _meter_total("home_exported", "load", "exported_wh", "home_exported"),
    measurement_description(
        "state_of_charge",
        lambda data: app_scaled(data.soe_percent),
        device_class=SensorDeviceClass.BATTERY,
        unit=PERCENTAGE,
        suggested_display_precision=1,
    ),
    measurement_description(
        "state_of_charge_raw",
        lambda data: data.soe_percent,
        device_class=None,
        unit=PERCENTAGE,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    _energy_storage_sensor(
        "energy_remaining", lambda data: _kwh(data.energy_remaining_wh)
    ),
    _energy_storage_sensor(
        "full_pack_energy",
        lambda data: _kwh(data.full_pack_wh),
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    EnergyHubSensorEntityDescription[PowerwallReading](
        key="backup_reserve",
        translation_key="backup_reserve",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=lambda data: app_scaled(data.backup_reserve_percent),
    ),
    measurement_description(
        "frequency",
        lambda data: data.frequency_hz,
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
        suggested_display_precision=2,
    ),
    EnergyHubSensorEntityDescription[PowerwallReading](
        key="grid_status",
        translation_key="powerwall_grid_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(GRID_STATES),
        value_fn=grid_state,
    ),
    EnergyHubSensorEntityDescription[PowerwallReading](
        key="round_trip_efficiency",
        translation_key="round_trip_efficiency",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_round_trip_efficiency,
    ),
    *_phase_sensors(),
)

GATEWAY_BINARY_SENSORS: tuple[BinaryDescription, ...] = (
    EnergyHubBinarySensorEntityDescription[PowerwallReading](
        key="grid_connected",
        translation_key="grid_connected",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=lambda data: (
            None if (state := grid_state(data)) is None else state == "connected"
        ),
    ),
    EnergyHubBinarySensorEntityDescription[PowerwallReading](
        key="sitemaster_running",
        translation_key="sitemaster_running",
        device_class=BinarySensorDeviceClass.RUNNING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.sitemaster_running,
    ),
    EnergyHubBinarySensorEntityDescription[PowerwallReading](
        key="connected_to_tesla",
        translation_key="connected_to_tesla",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.connected_to_tesla,
    ),
    EnergyHubBinarySensorEntityDescription[PowerwallReading](
        key="battery_charging",
        translation_key="battery_charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda data: (
            None
            if (power := data.meter("battery").power_w) is None
            else power < CHARGING_THRESHOLD_W
        ),
    ),
)


def _pack_value(
    key: str, value_fn: Callable[[PackReading], float | None]
) -> Callable[[PowerwallReading], float | None]:
    def read(data: PowerwallReading) -> float | None:
        pack = data.packs.get(key)
        return None if pack is None else value_fn(pack)

    return read


def pack_sensors(key: str) -> tuple[SensorDescription, ...]:
    """The sensors of the battery pack `key` (a device of its own; `PackIdentity`)."""
    return (
        power_description(
            "pack_power",
            _pack_value(key, lambda pack: pack.power_w),
            translation_key="battery_power",
            suggested_display_precision=0,
        ),
        _energy_storage_sensor(
            "pack_energy_remaining",
            _pack_value(key, lambda pack: _kwh(pack.energy_remaining_wh)),
            translation_key="energy_remaining",
        ),
        _energy_storage_sensor(
            "pack_full_energy",
            _pack_value(key, lambda pack: _kwh(pack.full_pack_wh)),
            translation_key="full_pack_energy",
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
    )


def _writer[T](
    key: str,
) -> Callable[[PowerwallControlCoordinator, T], Awaitable[None]]:
    """A `set_fn` writing the setting `key` (read back by the channel).

    A refused token is the control channel's, not the gateway login's: the
    error says so and a repair leads to the option where it is entered.
    """

    async def write(coordinator: PowerwallControlCoordinator, value: T) -> None:
        try:
            await coordinator.client.write(**{key: value})
        except DeviceAuthError as err:
            raise coordinator.token_refused() from err

    return write


# Control entities exist before the cloud channel first answers (a cloud outage
# must not hold up the local telemetry); until it does they are unavailable.
CONTROL_NUMBERS = (
    EnergyHubNumberEntityDescription[PowerwallControlCoordinator, ControlSettings](
        key="backup_reserve_setting",
        translation_key="backup_reserve_setting",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=lambda data: data.backup_reserve_percent,
        set_fn=_writer("backup_reserve_percent"),
    ),
)

CONTROL_SELECTS = (
    EnergyHubSelectEntityDescription[PowerwallControlCoordinator, ControlSettings](
        key="operation_mode",
        translation_key="powerwall_operation_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(OPERATIONAL_MODES),
        value_fn=lambda data: data.operational_mode,
        set_fn=_writer("operational_mode"),
    ),
    EnergyHubSelectEntityDescription[PowerwallControlCoordinator, ControlSettings](
        key="energy_exports",
        translation_key="powerwall_energy_exports",
        entity_category=EntityCategory.CONFIG,
        options=list(EXPORT_RULES),
        value_fn=lambda data: data.energy_exports,
        set_fn=_writer("energy_exports"),
    ),
)

CONTROL_SWITCHES = (
    EnergyHubSwitchEntityDescription[PowerwallControlCoordinator, ControlSettings](
        key="grid_charging",
        translation_key="grid_charging",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.grid_charging,
        set_fn=_writer("grid_charging"),
    ),
)
