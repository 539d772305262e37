"""Every quantity of the Sungrow map against the simulator: scale, sign, unit.

The expected values are decoded here from the simulator's raw register image
(low word first, signed where the map says so, times the documented scale),
independently of the engine's codec; see docs/sungrow-registers.md.
"""

import struct

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.sungrow.entities import SENSORS
from custom_components.energy_hub.sungrow.registers import (
    SETTINGS,
    SYSTEM_STATES,
    TELEMETRY,
    Series,
    SungrowData,
    telemetry_for,
)
from simulators.modbus import (
    H_BACKUP_MODE,
    H_CHARGE_START,
    H_MAX_CHARGE,
    H_POWER_LIMITATION,
    H_POWER_LIMITATION_RATIO,
    SungrowSimulator,
)

from .conftest import add_entry, entity_id, refresh, state

# Wire address, struct format of the value (after putting the words high
# first), scale, and the unit the sensor shows: the facts of the docs' table.
MAP: dict[str, tuple[int, str, float, str | None]] = {
    "nominal_power": (5000, "H", 100, "W"),
    "output_energy_today": (5002, "H", 0.1, "kWh"),
    "output_energy_total": (5003, "I", 0.1, "kWh"),
    "inverter_temperature": (5007, "h", 0.1, "°C"),
    "mppt1_voltage": (5010, "H", 0.1, "V"),
    "mppt1_current": (5011, "H", 0.1, "A"),
    "mppt2_voltage": (5012, "H", 0.1, "V"),
    "mppt2_current": (5013, "H", 0.1, "A"),
    "pv_power": (5016, "I", 1, "W"),
    "phase_a_voltage": (5018, "H", 0.1, "V"),
    "phase_b_voltage": (5019, "H", 0.1, "V"),
    "phase_c_voltage": (5020, "H", 0.1, "V"),
    "reactive_power": (5032, "i", 1, "var"),
    "power_factor": (5034, "h", 0.001, None),
    "meter_power_a": (5602, "i", 1, "W"),
    "meter_power_b": (5604, "i", 1, "W"),
    "meter_power_c": (5606, "i", 1, "W"),
    "export_limit_min": (5621, "H", 10, "W"),
    "export_limit_max": (5622, "H", 10, "W"),
    "bdc_rated_power": (5627, "H", 100, "W"),
    "bms_max_charge_current": (5634, "H", 1, "A"),
    "bms_max_discharge_current": (5635, "H", 1, "A"),
    "battery_capacity": (5638, "H", 0.01, "kWh"),
    "backup_power_a": (5722, "h", 1, "W"),
    "backup_power_b": (5723, "h", 1, "W"),
    "backup_power_c": (5724, "h", 1, "W"),
    "backup_power": (5725, "i", 1, "W"),
    "meter_voltage_a": (5740, "h", 0.1, "V"),
    "meter_voltage_b": (5741, "h", 0.1, "V"),
    "meter_voltage_c": (5742, "h", 0.1, "V"),
    "meter_current_a": (5743, "H", 0.01, "A"),
    "meter_current_b": (5744, "H", 0.01, "A"),
    "meter_current_c": (5745, "H", 0.01, "A"),
    "pv_energy_today": (13001, "H", 0.1, "kWh"),
    "pv_energy_total": (13002, "I", 0.1, "kWh"),
    "pv_export_today": (13004, "H", 0.1, "kWh"),
    "pv_export_total": (13005, "I", 0.1, "kWh"),
    "load_power": (13007, "i", 1, "W"),
    "export_power": (13009, "i", 1, "W"),
    "battery_charge_pv_today": (13011, "H", 0.1, "kWh"),
    "battery_charge_pv_total": (13012, "I", 0.1, "kWh"),
    "direct_consumption_today": (13016, "H", 0.1, "kWh"),
    "direct_consumption_total": (13017, "I", 0.1, "kWh"),
    "battery_voltage": (13019, "H", 0.1, "V"),
    "battery_current": (13020, "h", 0.1, "A"),
    "battery_soc": (13022, "H", 0.1, "%"),
    "battery_health": (13023, "H", 0.1, "%"),
    "battery_temperature": (13024, "h", 0.1, "°C"),
    "battery_discharge_today": (13025, "H", 0.1, "kWh"),
    "battery_discharge_total": (13026, "I", 0.1, "kWh"),
    "phase_a_current": (13030, "h", 0.1, "A"),
    "phase_b_current": (13031, "h", 0.1, "A"),
    "phase_c_current": (13032, "h", 0.1, "A"),
    "active_power": (13033, "i", 1, "W"),
    "grid_import_today": (13035, "H", 0.1, "kWh"),
    "grid_import_total": (13036, "I", 0.1, "kWh"),
    "battery_charge_today": (13039, "H", 0.1, "kWh"),
    "battery_charge_total": (13040, "I", 0.1, "kWh"),
    "grid_export_today": (13044, "H", 0.1, "kWh"),
    "grid_export_total": (13045, "I", 0.1, "kWh"),
}
# Registers behind computed sensors, or that the SH10RT does not have.
NOT_ONE_SENSOR = {
    "battery_power_signed",
    "battery_power_legacy",
    "meter_power",
    "power_flow",
    "system_state",
    "grid_frequency",
    "mppt3_voltage",
    "mppt3_current",
}


def _expected(sim: SungrowSimulator, key: str) -> float:
    address, fmt, scale, _unit = MAP[key]
    image = sim._input_image()
    words = [image[address + i] for i in range(struct.calcsize(fmt) // 2)]
    raw = b"".join(word.to_bytes(2, "big") for word in reversed(words))
    return round(struct.unpack(f">{fmt}", raw)[0] * scale, 3)


def test_every_register_is_checked_here() -> None:
    assert set(MAP) | NOT_ONE_SENSOR == {register.key for register in TELEMETRY}
    for register in TELEMETRY:
        if register.key in MAP:
            assert register.address == MAP[register.key][0], register.key
            assert register.scale == MAP[register.key][2], register.key


@pytest.fixture
def counting_sungrow(
    steady_sungrow: SungrowSimulator, monkeypatch: pytest.MonkeyPatch
) -> SungrowSimulator:
    """The inverter held at one moment: discharging, exporting, counters moved today.

    (A daily counter at 0 is withheld, so each has a value.)
    """
    model = steady_sungrow.model
    model.daily = {key: 1000.0 + 100 * i for i, key in enumerate(model.daily)}
    model.battery_w = 1500.0  # discharging: signed sensors have a sign to check
    model.grid_w = -700.0
    monkeypatch.setattr(steady_sungrow, "advance", lambda **_: None)
    return steady_sungrow


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_quantity_has_its_scale_sign_and_unit(
    hass: HomeAssistant, counting_sungrow: SungrowSimulator
) -> None:
    sim = counting_sungrow
    await add_entry(hass, sim)
    for key, (_address, _fmt, _scale, unit) in MAP.items():
        current = hass.states.get(entity_id(hass, Platform.SENSOR, key))
        assert current is not None, key
        assert float(current.state) == pytest.approx(_expected(sim, key)), key
        assert current.attributes.get("unit_of_measurement") == unit, key
    # Signs and values the simulator sets on purpose.
    assert float(state(hass, Platform.SENSOR, "reactive_power")) == -120
    assert float(state(hass, Platform.SENSOR, "power_factor")) == 0.985
    assert float(state(hass, Platform.SENSOR, "battery_capacity")) == 9.6
    assert float(state(hass, Platform.SENSOR, "export_power")) == 700  # + export
    assert float(state(hass, Platform.SENSOR, "battery_current")) < 0  # discharge
    assert float(state(hass, Platform.SENSOR, "backup_power")) == sum(
        float(state(hass, Platform.SENSOR, f"backup_power_{p}")) for p in "abc"
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_new_counters_are_energy_dashboard_counters(
    hass: HomeAssistant, counting_sungrow: SungrowSimulator
) -> None:
    await add_entry(hass, counting_sungrow)
    for key in (
        "output_energy_today",
        "pv_export_today",
        "pv_export_total",
        "battery_charge_pv_today",
        "battery_charge_pv_total",
        "direct_consumption_today",
        "direct_consumption_total",
    ):
        current = hass.states.get(entity_id(hass, Platform.SENSOR, key))
        assert current is not None, key
        assert current.attributes["state_class"] == "total_increasing", key
        assert current.attributes["device_class"] == "energy", key
        assert current.attributes["unit_of_measurement"] == "kWh", key


async def test_entities_beyond_the_everyday_set_are_disabled(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    registry = er.async_get(hass)
    entries = {
        item.unique_id.removeprefix(f"{sungrow.serial}_"): item
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    for key in ("backup_power", "power_factor", "pv_export_total", "backup_mode"):
        assert entries[key].disabled_by is er.RegistryEntryDisabler.INTEGRATION
    for key in ("pv_power", "battery_power", "grid_power", "grid_import_total"):
        assert entries[key].disabled_by is None


def _requests(entry: object) -> dict[str, int]:
    return entry.runtime_data.coordinator.requests_last_poll()  # type: ignore[attr-defined]


async def test_default_set_polls_only_its_registers(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    """The first poll reads the whole map (to create every entity); then only enabled."""
    entry = await add_entry(hass, sungrow)
    await refresh(entry)
    assert _requests(entry)["telemetry"] <= 6
    values = entry.runtime_data.coordinator.data.values
    assert "battery_soc" in values
    for key in ("backup_power", "power_factor", "pv_export_total", "phase_b_voltage"):
        assert key not in values, key


async def test_enabling_an_entity_polls_its_register(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow)
    registry = er.async_get(hass)
    backup = entity_id(hass, Platform.SENSOR, "backup_power")
    registry.async_update_entity(backup, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await refresh(entry)
    assert "backup_power" in entry.runtime_data.coordinator.data.values
    assert float(state(hass, Platform.SENSOR, "backup_power")) > 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(("connection", "budget"), [("lan", 8), ("winet", 10)])
async def test_every_entity_enabled_stays_within_budget(
    hass: HomeAssistant, sungrow: SungrowSimulator, connection: str, budget: int
) -> None:
    entry = await add_entry(hass, sungrow, connection)
    await refresh(entry)
    assert _requests(entry)["telemetry"] <= budget
    assert entry.runtime_data.coordinator.data.has("backup_power")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_single_phase_rs_reads_no_phase_b_or_c(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    sungrow.device_type = 0x0D0F  # SH5.0RS
    entry = await add_entry(hass, sungrow)
    registry = er.async_get(hass)
    for key in ("phase_b_voltage", "meter_power_c", "backup_power_b", "mppt3_voltage"):
        assert (
            registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, f"{sungrow.serial}_{key}"
            )
            is None
        ), key
        assert key not in entry.runtime_data.coordinator.data.values
    assert state(hass, Platform.SENSOR, "backup_power_a") != "unavailable"


def test_each_series_reads_its_own_registers() -> None:
    rs = {register.key for register in telemetry_for(Series.RS)}
    rt = {register.key for register in telemetry_for(Series.RT)}
    t = {register.key for register in telemetry_for(Series.T)}
    assert "phase_b_voltage" not in rs
    assert "phase_b_voltage" in rt
    assert "mppt3_voltage" in t
    assert "mppt3_voltage" not in rt
    assert {r.key for r in telemetry_for(None)} == {r.key for r in TELEMETRY}
    assert rs < rt < t


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("platform", "key", "value", "address", "raw"),
    [
        (Platform.NUMBER, "max_charge_power", 4000, H_MAX_CHARGE, 400),
        (Platform.NUMBER, "charge_start_power", 200, H_CHARGE_START, 20),
        (
            Platform.NUMBER,
            "power_limitation_ratio",
            55.5,
            H_POWER_LIMITATION_RATIO,
            555,
        ),
        (Platform.SWITCH, "backup_mode", False, H_BACKUP_MODE, 0x55),
        (Platform.SWITCH, "power_limitation", True, H_POWER_LIMITATION, 0xAA),
    ],
)
async def test_settings_write_their_register(
    hass: HomeAssistant,
    sungrow: SungrowSimulator,
    *,
    platform: Platform,
    key: str,
    value: float,
    address: int,
    raw: int,
) -> None:
    await add_entry(hass, sungrow)
    target = {"entity_id": entity_id(hass, platform, key)}
    if platform is Platform.NUMBER:
        await hass.services.async_call(
            "number", "set_value", {**target, "value": value}, blocking=True
        )
        assert float(state(hass, platform, key)) == value
    else:
        service = "turn_on" if value else "turn_off"
        await hass.services.async_call("switch", service, target, blocking=True)
        assert state(hass, platform, key) == ("on" if value else "off")
    assert sungrow.holding[address] == raw


def test_settings_keep_the_executors_registers_single() -> None:
    """EMS mode, command and power: one register each, one entity each."""
    addresses = [register.address for register in SETTINGS]
    assert len(addresses) == len(set(addresses))
    assert {"ems_mode", "forced_command", "forced_power"} <= {r.key for r in SETTINGS}
    sensor_keys = {sensor.key for sensor in SENSORS}
    assert not sensor_keys & {"ems_mode", "forced_command", "forced_power"}


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0x0040, "running"),
        (0x0100, "fault"),
        (0x5500, "fault"),
        (0x2500, "communication_fault"),
        (0x9100, "warning"),
        (0x8100, "derating"),
        (0x1500, "emergency_stop"),
        (0x0000, None),  # reads 0 behind a WiNet-S on RS firmware: hidden
        (0x7777, None),  # unknown
    ],
)
def test_running_state_codes_read_as_text(code: int, text: str | None) -> None:
    assert SungrowData(values={"system_state": code}).system_state == text
    if text is not None:
        assert text in SYSTEM_STATES.values()
