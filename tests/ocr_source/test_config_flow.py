"""Adding an OCR meter: camera or URL, a snapshot with the window drawn, options."""

from http import HTTPStatus
import io
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from PIL import Image
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.energy_hub.const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN
from custom_components.energy_hub.ocr.const import (
    CONF_CAMERA,
    CONF_COUNTER_MAX,
    CONF_CROSS_CHECK_ENTITY,
    CONF_CROSS_CHECK_MARGIN,
    CONF_DECIMALS,
    CONF_DIGITS,
    CONF_IMAGE_URL,
    CONF_KEEP_CROPS,
    CONF_MAX_RATE,
    CONF_METER_KIND,
    CONF_WINDOW_HEIGHT,
    CONF_WINDOW_WIDTH,
    CONF_WINDOW_X,
    CONF_WINDOW_Y,
)
from custom_components.energy_hub.ocr.render import OUTLINE
from custom_components.energy_hub.ocr.source import entry_folder, reference_path

from .conftest import CAMERA_ENTITY, MeterCamera, MeterScene, ocr_entry, url_entry

MAGENTA = OUTLINE


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "ocr" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ocr"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocr"
    return dict(result)


async def _preview(
    hass: HomeAssistant, client_factory: ClientSessionGenerator, result: dict[str, Any]
) -> Image.Image:
    """Fetch the step's preview through its signed URL, without a login."""
    url = result["description_placeholders"]["preview_url"]
    client = await client_factory()
    response = await client.get(url)
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/png"
    return Image.open(io.BytesIO(await response.read())).convert("RGB")


def _outlined_at(image: Image.Image, x: int, y: int, width: int) -> bool:
    """Whether the window's top edge is drawn in magenta from (x, y) on."""
    return all(
        image.getpixel((x + dx, y + 1)) == MAGENTA for dx in range(5, width - 5, 25)
    )


async def test_camera_flow_with_preview(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Snapshot shown with the window; a window outside is refused; then saved."""
    result = await _start(hass)
    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "name": "Electricity meter",
                CONF_CAMERA: CAMERA_ENTITY,
                CONF_METER_KIND: "electricity",
            },
        )
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocr_window"
    placeholders = result["description_placeholders"]
    assert (placeholders["image_width"], placeholders["image_height"]) == (
        "1280",
        "720",
    )
    # The proposed window, drawn on the camera's snapshot.
    preview = await _preview(hass, hass_client_no_auth, result)
    assert preview.size == (1280, 720)
    assert _outlined_at(preview, 320, 288, 640)
    # Not without the signature.
    client = await hass_client_no_auth()
    unsigned = await client.get(placeholders["preview_url"].split("?")[0])
    assert unsigned.status == HTTPStatus.UNAUTHORIZED

    window = scene.options()
    fields = {
        key: window[key]
        for key in (
            CONF_WINDOW_X,
            CONF_WINDOW_Y,
            CONF_WINDOW_WIDTH,
            CONF_WINDOW_HEIGHT,
            CONF_DIGITS,
            CONF_DECIMALS,
            CONF_MAX_RATE,
            CONF_POLL_INTERVAL,
        )
    }
    outside = {**fields, CONF_WINDOW_X: 1000, CONF_WINDOW_WIDTH: 400, "confirm": True}
    result = dict(
        await hass.config_entries.flow.async_configure(result["flow_id"], outside)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "window_outside_image"}

    # Submitted unconfirmed: the preview is redrawn with the entered window.
    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {**fields, "confirm": False}
        )
    )
    assert result["type"] is FlowResultType.FORM
    assert not result["errors"]
    preview = await _preview(hass, hass_client_no_auth, result)
    assert _outlined_at(
        preview, fields[CONF_WINDOW_X], fields[CONF_WINDOW_Y], fields[CONF_WINDOW_WIDTH]
    )
    assert not _outlined_at(preview, 320, 288, 640)

    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {**fields, "confirm": True}
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data == {
        CONF_SOURCE: "ocr",
        CONF_METER_KIND: "electricity",
        CONF_CAMERA: CAMERA_ENTITY,
    }
    assert entry.options[CONF_COUNTER_MAX] == 9999999.9  # all nines
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get("sensor.electricity_meter_meter_reading")
    assert state is not None and float(state.state) == 12345.6
    reference = reference_path(hass, entry.entry_id)
    assert await hass.async_add_executor_job(reference.is_file)

    # The flow is over: its preview is gone.
    response = await client.get(placeholders["preview_url"])
    assert response.status == HTTPStatus.NOT_FOUND

    # Deleting the entry deletes the reference frame and the folder.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    folder: Path = entry_folder(hass, entry.entry_id)
    assert not await hass.async_add_executor_job(folder.exists)


async def test_url_flow(
    hass: HomeAssistant, scene: MeterScene, photo_server: str
) -> None:
    """An image URL instead of a camera; one of the two, and a picture, required."""
    result = await _start(hass)
    flow_id = result["flow_id"]
    for user_input, error in (
        ({}, "ocr_camera_or_url"),
        (
            {
                CONF_CAMERA: CAMERA_ENTITY,
                CONF_IMAGE_URL: f"{photo_server}/snapshot.jpg",
            },
            "ocr_camera_or_url",
        ),
        ({CONF_IMAGE_URL: f"{photo_server}/not-an-image"}, "ocr_not_an_image"),
        ({CONF_IMAGE_URL: f"{photo_server}/missing.jpg"}, "ocr_cannot_capture"),
    ):
        result = dict(
            await hass.config_entries.flow.async_configure(
                flow_id, {"name": "Gas meter", CONF_METER_KIND: "gas", **user_input}
            )
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": error}, user_input

    url = f"{photo_server}/snapshot.jpg"
    result = dict(
        await hass.config_entries.flow.async_configure(
            flow_id, {"name": "Gas meter", CONF_METER_KIND: "gas", CONF_IMAGE_URL: url}
        )
    )
    assert result["step_id"] == "ocr_window"
    options = scene.options()
    result = dict(
        await hass.config_entries.flow.async_configure(
            flow_id,
            {
                **{
                    key: options[key]
                    for key in (
                        CONF_WINDOW_X,
                        CONF_WINDOW_Y,
                        CONF_WINDOW_WIDTH,
                        CONF_WINDOW_HEIGHT,
                        CONF_DIGITS,
                        CONF_DECIMALS,
                        CONF_MAX_RATE,
                        CONF_POLL_INTERVAL,
                    )
                },
                CONF_DIGITS: 3,
                CONF_DECIMALS: 3,
                "confirm": True,
            },
        )
    )
    assert result["errors"] == {CONF_DECIMALS: "ocr_too_many_decimals"}
    result = dict(
        await hass.config_entries.flow.async_configure(
            flow_id,
            {
                **{
                    key: options[key]
                    for key in (
                        CONF_WINDOW_X,
                        CONF_WINDOW_Y,
                        CONF_WINDOW_WIDTH,
                        CONF_WINDOW_HEIGHT,
                        CONF_DIGITS,
                        CONF_DECIMALS,
                        CONF_MAX_RATE,
                        CONF_POLL_INTERVAL,
                    )
                },
                "confirm": True,
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_IMAGE_URL] == url
    await hass.async_block_till_done()
    state = hass.states.get("sensor.gas_meter_meter_reading")
    assert state is not None
    assert float(state.state) == 12345.6
    assert state.attributes["device_class"] == "gas"
    assert state.attributes["unit_of_measurement"] == "m³"


async def test_options_flow_with_preview(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The options show a fresh snapshot with the window; cross-check and crops saved."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    reference = reference_path(hass, entry.entry_id)
    before = await hass.async_add_executor_job(reference.read_bytes)
    result = dict(await hass.config_entries.options.async_init(entry.entry_id))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocr_options"
    preview = await _preview(hass, hass_client_no_auth, result)
    options = dict(entry.options)
    assert _outlined_at(
        preview,
        options[CONF_WINDOW_X],
        options[CONF_WINDOW_Y],
        options[CONF_WINDOW_WIDTH],
    )
    user_input = {
        key: options[key]
        for key in (
            CONF_WINDOW_X,
            CONF_WINDOW_Y,
            CONF_WINDOW_WIDTH,
            CONF_WINDOW_HEIGHT,
            CONF_DIGITS,
            CONF_DECIMALS,
            CONF_COUNTER_MAX,
            CONF_MAX_RATE,
            CONF_POLL_INTERVAL,
        )
    }
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                **user_input,
                CONF_WINDOW_Y: 700,
                CONF_CROSS_CHECK_MARGIN: 0.5,
                CONF_KEEP_CROPS: False,
                "confirm": True,
            },
        )
    )
    assert result["errors"] == {"base": "window_outside_image"}
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                **user_input,
                CONF_POLL_INTERVAL: 600,
                CONF_CROSS_CHECK_ENTITY: "sensor.p1_meter_energy_import",
                CONF_CROSS_CHECK_MARGIN: 0.3,
                CONF_KEEP_CROPS: True,
                "confirm": True,
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_POLL_INTERVAL] == 600
    assert entry.options[CONF_CROSS_CHECK_ENTITY] == "sensor.p1_meter_energy_import"
    assert entry.options[CONF_CROSS_CHECK_MARGIN] == 0.3
    assert entry.options[CONF_KEEP_CROPS] is True
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 600
    # The window was placed on the options' snapshot: it is the reference now.
    assert await hass.async_add_executor_job(reference.read_bytes) != before


async def test_reconfigure_to_url(
    hass: HomeAssistant, meter_camera: MeterCamera, scene: MeterScene, photo_server: str
) -> None:
    """Reconfigure points the meter at an image URL; the reading continues."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = dict(await entry.start_reconfigure_flow(hass))
    assert result["step_id"] == "ocr_reconfigure"
    url = f"{photo_server}/snapshot.jpg"
    result = dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_IMAGE_URL: url}
        )
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "ocr_reconfigured"
    await hass.async_block_till_done()
    assert entry.data[CONF_IMAGE_URL] == url
    assert CONF_CAMERA not in entry.data
    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get("sensor.electricity_meter_meter_reading")
    assert state is not None and float(state.state) == 12345.6


async def test_url_entry_reads(
    hass: HomeAssistant, scene: MeterScene, photo_server: str
) -> None:
    """An entry on an image URL reads through Home Assistant's HTTP session."""
    entry = url_entry(scene, photo_server)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("sensor.gas_meter_meter_reading")
    assert state is not None and float(state.state) == 12345.6
    assert scene.photos_taken == 4  # the reference frame, then one burst


async def test_options_flow_without_camera_shows_the_reference(
    hass: HomeAssistant,
    meter_camera: MeterCamera,
    scene: MeterScene,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """With the camera away the options preview the reference frame, kept as is."""
    entry = ocr_entry(scene)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    reference = reference_path(hass, entry.entry_id)
    before = await hass.async_add_executor_job(reference.read_bytes)

    scene.offline = True
    result = dict(await hass.config_entries.options.async_init(entry.entry_id))
    assert result["step_id"] == "ocr_options"
    preview = await _preview(hass, hass_client_no_auth, result)
    assert preview.size == (1280, 720)
    options = dict(entry.options)
    result = dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                **{
                    key: options[key]
                    for key in (
                        CONF_WINDOW_X,
                        CONF_WINDOW_Y,
                        CONF_WINDOW_WIDTH,
                        CONF_WINDOW_HEIGHT,
                        CONF_DIGITS,
                        CONF_DECIMALS,
                        CONF_COUNTER_MAX,
                        CONF_MAX_RATE,
                        CONF_POLL_INTERVAL,
                    )
                },
                CONF_CROSS_CHECK_MARGIN: 0.5,
                CONF_KEEP_CROPS: False,
                "confirm": True,
            },
        )
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # No fresh photo was taken: the reference frame is the one of set-up.
    assert await hass.async_add_executor_job(reference.read_bytes) == before
