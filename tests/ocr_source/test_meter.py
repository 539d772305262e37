"""An OCR meter on a camera entity: its entities, actions and failures."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import io
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import numpy as np
from PIL import Image
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.ocr.const import CONF_DISPLAY, CONF_KEEP_CROPS
from custom_components.energy_hub.ocr.coordinator import CropKeeper
from custom_components.energy_hub.ocr.reader import BurstOutcome
from custom_components.energy_hub.ocr.result import Rejection, RejectReason
from custom_components.energy_hub.ocr.source import entry_folder
from simulators.meter_photos import Meter, Style

from .conftest import START_READING, MeterCamera, MeterScene, ocr_entry

READING = "sensor.electricity_meter_meter_reading"
CONFIDENCE = "sensor.electricity_meter_confidence"
RAW = "sensor.electricity_meter_last_raw_reading"
REJECTION = "sensor.electricity_meter_last_rejection_reason"
FAILURES = "sensor.electricity_meter_consecutive_failures"
CROP = "image.electricity_meter_last_digits_read"
READ_NOW = "button.electricity_meter_read_now"


async def _press_read_now(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": READ_NOW}, blocking=True
    )
    await hass.async_block_till_done()


async def test_entities_after_setup(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Set-up reads the meter once: reading, confidence, raw digits; no rejection."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    reading = hass.states.get(READING)
    assert reading is not None
    assert float(reading.state) == START_READING
    assert reading.attributes["device_class"] == "energy"
    assert reading.attributes["state_class"] == "total_increasing"
    assert reading.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    assert reading.attributes["backend"] in {"numpy", "onnxruntime"}
    assert reading.attributes["last_reading"] is not None
    confidence = hass.states.get(CONFIDENCE)
    assert confidence is not None and float(confidence.state) >= 60
    raw = hass.states.get(RAW)
    assert raw is not None and raw.state == "0012345.6"
    rejection = hass.states.get(REJECTION)
    assert rejection is not None and rejection.state == STATE_UNKNOWN
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "0"

    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, entry.entry_id), entry.entry_id
    )
    assert device is not None and device.model == "OCR meter"
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert {entity.domain for entity in entities} == {"sensor", "image", "button"}
    assert len(entities) == 7


async def test_read_now_follows_the_meter(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """The button reads at once; the reading follows the drums."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    taken = scene.photos_taken

    scene.reading = 12347.2
    await _press_read_now(hass)
    assert scene.photos_taken == taken + 3  # one burst
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == 12347.2


async def test_image_entity_shows_the_digits_read(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_client: ClientSessionGenerator,
) -> None:
    """The image entity serves the straightened window with a label strip under it."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(CROP)
    assert state is not None and state.state != STATE_UNKNOWN

    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{CROP}")
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/png"
    image = Image.open(io.BytesIO(await response.read())).convert("RGB")
    # Eight digit cells side by side, and the labels under them.
    assert image.width > 3 * image.height
    labels = image.crop((0, image.height - 20, image.width, image.height))
    # Yellow label text on black: the strip carries the digits and confidences.
    pixels = np.asarray(labels).reshape(-1, 3)
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    yellow = int(((red > 200) & (green > 200) & (blue < 80)).sum())
    assert yellow > 50


async def test_dark_frame_leaves_the_reading(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """A burst in the dark is rejected with its reason; the reading stays."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    scene.reading = 14444.4  # a dark frame must never read as 444.44
    scene.light = 0.03
    await _press_read_now(hass)
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == START_READING
    rejection = hass.states.get(REJECTION)
    assert rejection is not None and rejection.state == "too_dark"
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "1"

    # In the light again, the meter has moved on a little: read as usual.
    scene.reading = 12346.1
    scene.light = 1.0
    await _press_read_now(hass)
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == 12346.1


async def test_camera_away_keeps_the_last_value(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """No picture: the reading stays available with its value; failures count."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    scene.offline = True
    for expected in ("1", "2"):
        await _press_read_now(hass)
        failures = hass.states.get(FAILURES)
        assert failures is not None and failures.state == expected
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == START_READING
    rejection = hass.states.get(REJECTION)
    assert rejection is not None and rejection.state == "camera_unavailable"

    scene.offline = False
    scene.reading = 12345.9
    await _press_read_now(hass)
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == 12345.9
    failures = hass.states.get(FAILURES)
    assert failures is not None and failures.state == "0"


async def test_lcd_meter(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """A seven-segment LCD reads with `display: lcd` (no drums between numbers)."""
    scene.meter = Meter(style=Style.LCD)
    entry = ocr_entry(scene, **{CONF_DISPLAY: "lcd"})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(READING)
    assert state is not None and float(state.state) == START_READING
    assert entry.runtime_data.coordinator.reader.meter.config.rolling is False


async def test_kept_crops(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene
) -> None:
    """Uncertain digits (drums between two numbers) are kept; deleted with the entry."""
    entry = ocr_entry(scene, **{CONF_KEEP_CROPS: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    folder = entry_folder(hass, entry.entry_id) / "crops"

    scene.reading = 12345.95  # the last two drums half-way
    await _press_read_now(hass)
    kept = await hass.async_add_executor_job(lambda: sorted(folder.glob("*.png")))
    assert kept
    assert all(Image.open(path).size[1] > 16 for path in kept)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not await hass.async_add_executor_job(folder.exists)


def test_crop_folder_is_bounded(tmp_path: Path) -> None:
    """At most `limit` crops are kept: the oldest go first."""
    keeper = CropKeeper(tmp_path / "crops", limit=5)
    cell = io.BytesIO()
    Image.new("RGB", (20, 30)).save(cell, format="PNG")
    outcome = BurstOutcome(
        result=Rejection(RejectReason.UNREADABLE),
        crop=None,
        cells=(cell.getvalue(),) * 4,
        values=(1, 2, None, 3),
        confidences=(0.2, 0.95, 0.99, 0.3),
    )
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    for minute in range(3):
        keeper.keep(outcome, start + timedelta(minutes=minute))
    kept = sorted(path.name for path in (tmp_path / "crops").glob("*.png"))
    # 3 uncertain cells a burst (the 0.95 one is not kept), 9 in all, 5 left.
    assert len(kept) == 5
    assert kept[0].startswith("20261130T080100")
    assert not any(name.endswith("_d1.png") for name in kept)
