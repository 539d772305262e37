"""The OCR meter's actions, the cross-check and what survives a restart."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.ocr.const import (
    CONF_CROSS_CHECK_ENTITY,
    CONF_CROSS_CHECK_MARGIN,
)
from custom_components.energy_hub.ocr.source import save_reference

from .conftest import START_READING, MeterCamera, MeterScene, ocr_entry
from .test_meter import FAILURES, READING, REJECTION

P1_IMPORT = "sensor.p1_meter_energy_import"


async def _setup(hass: HomeAssistant, scene: MeterScene, **options: object) -> str:
    entry = ocr_entry(scene, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.entry_id


def _reading(hass: HomeAssistant) -> float:
    state = hass.states.get(READING)
    assert state is not None
    return float(state.state)


async def test_read_meter_returns_the_digits(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """`read_meter` reads now and answers reading, digits and confidences."""
    entry_id = await _setup(hass, scene)
    scene.reading = 12346.4
    response = await hass.services.async_call(
        DOMAIN,
        "read_meter",
        {"config_entry_id": entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["reading"] == 12346.4
    assert response["total"] == 12346.4
    assert response["raw"] == "0012346.4"
    assert response["digits"] == [0, 0, 1, 2, 3, 4, 6, 4]
    confidences = response["confidences"]
    assert isinstance(confidences, list) and len(confidences) == 8
    assert all(0.5 < confidence <= 1 for confidence in confidences)
    assert response["rejection"] is None
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.4

    # A rejected burst answers no reading, and why.
    scene.light = 0.03
    response = await hass.services.async_call(
        DOMAIN,
        "read_meter",
        {"config_entry_id": entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["reading"] is None
    assert response["digits"] == []
    assert response["rejection"] == "too_dark"
    assert response["total"] == 12346.4


async def test_actions_refuse_other_entries(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """An entry id that is no OCR meter is a validation error, not a crash."""
    await _setup(hass, scene)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "read_meter",
            {"config_entry_id": "not-an-entry"},
            blocking=True,
            return_response=True,
        )
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "set_meter_value",
            {"config_entry_id": "not-an-entry", "value": 1.0},
            blocking=True,
        )


async def test_set_meter_value_moves_the_total(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """The user's value is taken as is, even lower; readings continue from it."""
    entry_id = await _setup(hass, scene)
    assert _reading(hass) == START_READING

    # A misread seeded too high is corrected downwards: only this action may.
    await hass.services.async_call(
        DOMAIN,
        "set_meter_value",
        {"config_entry_id": entry_id, "value": 12000.0},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12000.0

    # The camera, reading again, continues from the seed.
    scene.reading = 12000.3
    await hass.services.async_call(
        DOMAIN,
        "read_meter",
        {"config_entry_id": entry_id},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12000.3


async def test_cross_check_repair(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A reading whose increase disagrees with the P1 meter's is not stored."""
    hass.states.async_set(
        P1_IMPORT, "5000.0", {"unit_of_measurement": "kWh", "device_class": "energy"}
    )
    entry_id = await _setup(
        hass,
        scene,
        **{CONF_CROSS_CHECK_ENTITY: P1_IMPORT, CONF_CROSS_CHECK_MARGIN: 0.5},
    )
    assert _reading(hass) == START_READING

    # Both rose by 0.4 kWh: stored.
    hass.states.async_set(
        P1_IMPORT, "5000.4", {"unit_of_measurement": "kWh", "device_class": "energy"}
    )
    scene.reading = 12346.0
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.0
    issue_id = f"ocr_cross_check_{entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    # The meter says +2.0 kWh, the P1 meter +0.2 kWh (in Wh): not stored.
    hass.states.async_set(
        P1_IMPORT, "5000600", {"unit_of_measurement": "Wh", "device_class": "energy"}
    )
    scene.reading = 12348.0
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.0
    rejection = hass.states.get(REJECTION)
    assert rejection is not None and rejection.state == "cross_check_mismatch"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "ocr_cross_check"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["increase"] == "2"
    assert issue.translation_placeholders["other_increase"] == "0.2"

    # Both agree again (+2.3 against +2.2): stored, and the issue goes away.
    hass.states.async_set(
        P1_IMPORT, "5002.6", {"unit_of_measurement": "kWh", "device_class": "energy"}
    )
    scene.reading = 12348.3
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12348.3
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "0"


async def test_restart_restores_the_reading(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """After a reload with the camera away, the last reading is still shown."""
    entry_id = await _setup(hass, scene)
    scene.reading = 12346.2
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.2

    scene.offline = True
    assert await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(READING)
    assert state is not None and state.state != STATE_UNAVAILABLE
    assert float(state.state) == 12346.2
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "1"

    # The camera is back: the composer continues from the stored reading.
    scene.offline = False
    scene.reading = 12346.5
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.5


async def test_restart_from_disk(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_storage: dict[str, Any],
) -> None:
    """Home Assistant starts with the camera away: stored reading and guard return."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    read_at = dt_util.utcnow() - timedelta(hours=2)
    await _left_by_last_run(
        hass, hass_storage, scene, entry, value=12345.0, read_at=read_at
    )
    scene.offline = True
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _reading(hass) == 12345.0
    state = hass.states.get(READING)
    assert state is not None
    assert state.attributes["last_reading"] == read_at.isoformat()

    # Back online two hours later: the drums moved 1.6 kWh, within the bound.
    scene.offline = False
    scene.reading = 12346.6
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.electricity_meter_read_now"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert _reading(hass) == 12346.6


async def test_no_reference_without_camera_retries(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """The first set-up needs a photo for the reference frame: retried without one."""
    scene.offline = True
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_never_stale_while_the_camera_is_away(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Hours of polls without a picture: the last good value stays available."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    await _left_by_last_run(
        hass, hass_storage, scene, entry, value=12345.0, read_at=dt_util.utcnow()
    )
    scene.offline = True
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(6):  # 6 polls of 15 minutes: twice the usual stale time
        freezer.tick(timedelta(minutes=15))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    state = hass.states.get(READING)
    assert state is not None and state.state != STATE_UNAVAILABLE
    assert float(state.state) == 12345.0
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "7"  # set-up's read, 6 polls


async def _left_by_last_run(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    scene: MeterScene,
    entry: MockConfigEntry,
    *,
    value: float,
    read_at: datetime,
) -> None:
    """What an earlier run left: the reference frame, the Store, restore state."""
    reference = Path(
        hass.config.path(".storage", DOMAIN, "ocr", entry.entry_id, "reference.png")
    )
    await hass.async_add_executor_job(save_reference, reference, scene.photo())
    hass_storage[f"{DOMAIN}.ocr.{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.ocr.{entry.entry_id}",
        "data": {
            "value": value,
            "read_at": read_at.isoformat(),
            "composer": {
                "previous": value,
                "previous_at": read_at.timestamp(),
                "wraps": 0,
            },
            "cross_check_baseline": None,
        },
    }
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(READING, str(value)),
                {
                    "native_value": value,
                    "native_unit_of_measurement": "kWh",
                    "guard": {
                        "published": value,
                        "published_at": read_at.timestamp(),
                        "raw": value,
                        "offset": 0.0,
                    },
                },
            )
        ],
    )
