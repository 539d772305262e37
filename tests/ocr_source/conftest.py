"""Fixtures of the OCR meter tests: a camera entity photographing a synthetic meter."""

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import io
from typing import Any, override

from aiohttp import web
from homeassistant.components.camera import Camera
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.setup import async_setup_component
import numpy as np
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_integration,
    mock_platform,
)

from custom_components.energy_hub.const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN
from custom_components.energy_hub.ocr.const import (
    CONF_CAMERA,
    CONF_COUNTER_MAX,
    CONF_DECIMALS,
    CONF_DIGITS,
    CONF_IMAGE_URL,
    CONF_MAX_RATE,
    CONF_METER_KIND,
    CONF_WINDOW_HEIGHT,
    CONF_WINDOW_WIDTH,
    CONF_WINDOW_X,
    CONF_WINDOW_Y,
)
from simulators.meter_photos import Meter, Shot

CAMERA_ENTITY = "camera.meter_cam"
START_READING = 12345.6


def jpeg(pixels: np.ndarray, quality: int = 92) -> bytes:
    """Encode an RGB photo as a camera would send it."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@dataclass
class MeterScene:
    """The meter, what it shows, and how the camera sees it now.

    Every photo has fresh sensor noise (as a real camera's), so the frames of
    a burst differ. `offline` makes the camera answer without a picture.
    """

    meter: Meter = field(default_factory=Meter)
    reading: float = START_READING
    light: float = 1.0
    offline: bool = False
    photos_taken: int = 0

    def photo(self) -> bytes:
        """The next photo, JPEG-encoded."""
        self.photos_taken += 1
        shot = Shot(noise=2.0, light=self.light, seed=self.photos_taken)
        return jpeg(self.meter.photo(self.reading, shot))

    def window_options(self) -> dict[str, Any]:
        """The window as the user draws it on the reference photo."""
        window = self.meter.reference_window()
        return {
            CONF_WINDOW_X: round(window.x),
            CONF_WINDOW_Y: round(window.y),
            CONF_WINDOW_WIDTH: round(window.width),
            CONF_WINDOW_HEIGHT: round(window.height),
            CONF_DIGITS: self.meter.digits,
            CONF_DECIMALS: self.meter.decimals,
        }

    def options(self, **changes: Any) -> dict[str, Any]:
        """The entry's options as the config flow writes them."""
        return {
            **self.window_options(),
            CONF_COUNTER_MAX: 9999999.9,
            # Readings in a test are seconds apart: a bound that lets them rise.
            CONF_MAX_RATE: 36000.0,
            CONF_POLL_INTERVAL: 900,
            **changes,
        }


class MeterCamera(Camera):
    """A camera entity photographing the scene."""

    _attr_name = "Meter cam"
    _attr_unique_id = "meter_cam"

    def __init__(self, scene: MeterScene) -> None:
        """Look at `scene`."""
        super().__init__()
        self.scene = scene

    @override
    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """A photo of the meter; None while the camera is offline."""
        if self.scene.offline:
            return None
        return await self.hass.async_add_executor_job(self.scene.photo)


@pytest.fixture
def scene() -> MeterScene:
    """A white-on-black eight-drum electricity meter reading 12345.6 kWh."""
    return MeterScene()


@pytest.fixture
async def meter_camera(hass: HomeAssistant, scene: MeterScene) -> MeterCamera:
    """`camera.meter_cam`, set up through Home Assistant's camera component."""
    camera = MeterCamera(scene)

    async def async_setup_platform(
        hass: HomeAssistant,
        config: Any,
        async_add_entities: AddEntitiesCallback,
        discovery_info: Any = None,
    ) -> None:
        async_add_entities([camera])

    mock_integration(hass, MockModule("meter_test"))
    mock_platform(
        hass,
        "meter_test.camera",
        MockPlatform(async_setup_platform=async_setup_platform),
    )
    assert await async_setup_component(
        hass, "camera", {"camera": {"platform": "meter_test"}}
    )
    await hass.async_block_till_done()
    assert hass.states.get(CAMERA_ENTITY) is not None
    return camera


def ocr_entry(scene: MeterScene, **options: Any) -> MockConfigEntry:
    """An OCR meter entry on `camera.meter_cam` as the config flow writes it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Electricity meter",
        data={
            CONF_SOURCE: "ocr",
            CONF_METER_KIND: "electricity",
            CONF_CAMERA: CAMERA_ENTITY,
        },
        options=scene.options(**options),
    )


@pytest.fixture
async def photo_server(scene: MeterScene, loopback: None) -> AsyncGenerator[str]:
    """An HTTP server on 127.0.0.1 serving the scene's photos at `/snapshot.jpg`."""

    async def snapshot(request: web.Request) -> web.Response:
        if scene.offline:
            return web.Response(status=503)
        return web.Response(body=scene.photo(), content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/snapshot.jpg", snapshot)

    async def not_an_image(request: web.Request) -> web.Response:
        return web.Response(text="hello", content_type="text/plain")

    app.router.add_get("/not-an-image", not_an_image)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def url_entry(scene: MeterScene, base_url: str) -> MockConfigEntry:
    """An OCR meter entry reading the scene's photos from `base_url` + /snapshot.jpg."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Gas meter",
        data={
            CONF_SOURCE: "ocr",
            CONF_METER_KIND: "gas",
            CONF_IMAGE_URL: _with_path(base_url, "/snapshot.jpg"),
        },
        options=scene.options(),
    )


def _with_path(url: str, path: str) -> str:
    """`url` with `path` (its query kept)."""
    base, _, query = url.partition("?")
    base = base.removesuffix("/")
    return f"{base}{path}" + (f"?{query}" if query else "")
