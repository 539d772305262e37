"""A network camera pointed at an electricity meter: `GET /snapshot.jpg`.

Serves 1280 x 720 JPEG photos (`meter_photos`) of an eight-drum meter with
one decimal whose reading rises with the simulator's clock at `rate_kwh_per_h`;
the drums roll like an odometer between digits. Each photo has fresh sensor
noise, so the frames of a burst differ as a real camera's do.

Faults: `set_offline(True)` refuses connections; `faults.http_status`
answers with that status (503: the camera is busy); `faults.malformed`
answers a body that is no image; `faults.extra`: `dark`
(the lights are off: a nearly black frame), `glare` (a lamp reflected on the
digit window).
"""

import asyncio
from collections.abc import Callable
import io
import threading
import time
from typing import override

from aiohttp import web
import numpy as np
from PIL import Image

from .base import DemoEntry
from .http import HttpSimulator
from .meter_photos import Meter, Shot

SNAPSHOT_PATH = "/snapshot.jpg"
START_READING = 12345.6
RATE_KWH_PER_H = 0.6
JPEG_QUALITY = 90
SENSOR_NOISE = 2.0
# Lights off: what is left (the frame gate calls it too dark).
DARK_LIGHT = 0.06
GLARE_RADIUS = 30.0


class MeterCameraSimulator(HttpSimulator):
    """A camera photographing a meter whose reading rises with the clock."""

    name = "meter_camera"

    def __init__(
        self,
        start_reading: float = START_READING,
        rate_kwh_per_h: float = RATE_KWH_PER_H,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.meter = Meter()
        self.start_reading = start_reading
        self.rate_kwh_per_h = rate_kwh_per_h
        self.clock = clock
        self.started_at = clock()
        self.photos_taken = 0
        # Photos are drawn in worker threads: one at a time (the meter caches
        # its wall; each photo's noise has its own seed).
        self._draw_lock = threading.Lock()

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """The camera's still-image endpoint."""
        router.add_get(SNAPSHOT_PATH, self._snapshot)

    @property
    def snapshot_url(self) -> str:
        """Where the photos are, as a user types it into the OCR meter's flow."""
        return f"{self.url}{SNAPSHOT_PATH}"

    def reading(self) -> float:
        """What the meter has counted by now (kWh, not truncated)."""
        hours = (self.clock() - self.started_at) / 3600.0
        return self.start_reading + self.rate_kwh_per_h * max(hours, 0.0)

    def shot(self) -> Shot:
        """How the next photo is taken: fresh noise, and the light and glare faults."""
        self.photos_taken += 1
        extra = self.faults.extra
        glare = None
        if extra.get("glare"):
            centre = self.meter.window_in_photo(Shot()).mean(axis=0)
            glare = (float(centre[0]) + 40.0, float(centre[1]), GLARE_RADIUS)
        return Shot(
            light=DARK_LIGHT if extra.get("dark") else 1.0,
            noise=SENSOR_NOISE,
            glare=glare,
            seed=self.photos_taken,
        )

    def photo(self) -> bytes:
        """The next photo of the meter as JPEG."""
        with self._draw_lock:
            pixels = self.meter.photo(self.reading(), self.shot())
        return jpeg(pixels)

    async def _snapshot(self, request: web.Request) -> web.Response:
        # Drawing a photo takes a while: not on the event loop.
        body = await asyncio.to_thread(self.photo)
        return web.Response(
            body=body,
            content_type="image/jpeg",
            headers={"Cache-Control": "no-store"},
        )

    def window_step(self) -> dict[str, int]:
        """The OCR flow's window step for this meter (as drawn on its photos)."""
        window = self.meter.reference_window()
        return {
            "window_x": round(window.x),
            "window_y": round(window.y),
            "window_width": round(window.width),
            "window_height": round(window.height),
            "digits": self.meter.digits,
            "decimals": self.meter.decimals,
        }

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """An OCR meter on the camera's image URL, filling the grid import."""
        return [
            DemoEntry(
                source="ocr",
                steps=[
                    {
                        "name": "Electricity meter",
                        "image_url": self.snapshot_url,
                        "meter_kind": "electricity",
                    },
                    {
                        **self.window_step(),
                        "display": "drums",
                        "max_rate": 25.0,
                        "poll_interval": 60,
                        "confirm": True,
                    },
                ],
                energy={"grid_import": "ocr_meter_reading"},
            )
        ]


def jpeg(pixels: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an RGB photo as the camera sends it."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
