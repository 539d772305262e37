"""An ESP32 CT clamp board: SCT-013 clamps on an ADS1115, posting to a webhook.

Like the real board it pushes: every `interval_s` it POSTs the RMS current
of each clamp as JSON to the URL it was given, and serves its last reading
at `GET /` (the status page of its web server). Currents follow a smooth
daily profile with an exact integral, so tests can compare the energy Home
Assistant integrates with the analytic value.

Faults: `set_offline(True)` stops posting and the status page;
`faults.malformed` posts a body that is not JSON; `faults.extra`:
`drop_rate` (share of posts never sent), `duplicate_rate` (share sent twice),
`clock_offset_s` (the board's clock error), `minimal` (post `{"channels":
{id: amps}}` only), `amps` (`{channel: amps}`: what those clamps read instead
of the profile, e.g. an ADC misread of 429496729.5 A). `reboot()` restarts
it: it re-sends its last reading.

Its clamps are SCT-013-030s (30 A): the demo entry gives each channel that
rating.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import logging
import math
import random
import time
from typing import Any, override

import aiohttp
from aiohttp import web

from .base import DemoEntry
from .http import MALFORMED_BODY, HttpSimulator

_LOGGER = logging.getLogger(__name__)

DAY_S = 86400.0
# SCT-013-030: 30 A full scale gives 1 V RMS, i.e. 33.33 mV per amp.
MILLIVOLTS_PER_AMP = 1000.0 / 30.0
# The ADS1115 at gain 1 reads at most 4.096 V.
ADC_FULL_SCALE_MV = 4096.0
# The board's own power estimate (it assumes 240 V and PF 0.95).
BOARD_VOLTAGE = 240.0
BOARD_POWER_FACTOR = 0.95


@dataclass(frozen=True, slots=True)
class ClampProfile:
    """current(t) = base + swing * sin(2π (t - peak_offset_s) / day + π/2), in A.

    Peaks at `peak_offset_s` after midnight UTC; never negative when
    `swing <= base`.
    """

    base_a: float
    swing_a: float
    peak_offset_s: float

    def current(self, t: float) -> float:
        """RMS current at Unix time `t`."""
        return self.base_a + self.swing_a * math.cos(
            2 * math.pi * (t - self.peak_offset_s) / DAY_S
        )

    def charge(self, t0: float, t1: float) -> float:
        """∫ current dt from `t0` to `t1`, in A·s."""
        k = 2 * math.pi / DAY_S
        return self.base_a * (t1 - t0) + self.swing_a / k * (
            math.sin(k * (t1 - self.peak_offset_s))
            - math.sin(k * (t0 - self.peak_offset_s))
        )


DEFAULT_PROFILES: Mapping[str, ClampProfile] = {
    # Mains: evening peak. Solar: midday peak (inverter output never < 0).
    "line_A": ClampProfile(base_a=8.0, swing_a=5.0, peak_offset_s=19 * 3600),
    "line_B": ClampProfile(base_a=4.0, swing_a=4.0, peak_offset_s=13 * 3600),
}


class CtBoardSimulator(HttpSimulator):
    """A CT clamp board that posts its readings to a URL."""

    name = "ct_board"
    demo_interval_s = 10.0

    def __init__(self, profiles: Mapping[str, ClampProfile] | None = None) -> None:
        super().__init__()
        self.profiles = dict(profiles or DEFAULT_PROFILES)
        self.started_at = time.time()
        self.rng = random.Random(6)
        self.target_url: str | None = None
        self.interval_s = 60.0
        self.last_post: dict[str, Any] | None = None
        self.responses: list[int] = []  # HTTP status of every post sent
        self.posted = asyncio.Event()  # set after each answered post
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """The board's status page."""
        router.add_get("/", self._status)

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"target": "set" if self.target_url else None, "last_post": self.last_post}
        )

    def build_post(self, timestamp: float) -> dict[str, Any]:
        """The JSON body the board posts for a reading at `timestamp`."""
        misreads: Mapping[str, float] = self.faults.extra.get("amps", {})
        currents = {
            channel: round(misreads.get(channel, profile.current(timestamp)), 3)
            for channel, profile in self.profiles.items()
        }
        if self.faults.extra.get("minimal"):
            return {"channels": currents}
        total = round(sum(currents.values()), 3)
        return {
            "timestamp": int(timestamp),
            "channels": {
                channel: {
                    "current_amps": amps,
                    "voltage_mv": round(
                        min(amps * MILLIVOLTS_PER_AMP, ADC_FULL_SCALE_MV), 1
                    ),
                }
                for channel, amps in currents.items()
            },
            "total_amps": total,
            "estimated_power_watts": round(total * BOARD_VOLTAGE * BOARD_POWER_FACTOR),
            "method": "ct_clamp",
            "wifi_rssi": -60 - self.rng.randint(0, 15),
            "uptime_s": int(timestamp - self.started_at)
            if timestamp > self.started_at
            else 0,
        }

    def planned_posts(
        self, start: float, count: int, interval_s: float
    ) -> list[dict[str, Any]]:
        """The posts of `count` periods from `start`, with drops and duplicates.

        What the board would send over that span given `faults.extra`'s
        `drop_rate` and `duplicate_rate`; tests replay them at their own pace.
        """
        drop_rate = float(self.faults.extra.get("drop_rate", 0.0))
        duplicate_rate = float(self.faults.extra.get("duplicate_rate", 0.0))
        posts: list[dict[str, Any]] = []
        for index in range(count):
            if index and self.rng.random() < drop_rate:
                continue
            post = self.build_post(start + index * interval_s)
            posts.append(post)
            if self.rng.random() < duplicate_rate:
                posts.append(dict(post))
        return posts

    async def post_once(self, url: str | None = None) -> int | None:
        """Post the current reading now; return the HTTP status (None if unreachable)."""
        url = url or self.target_url
        if url is None or self.offline:
            return None
        now = time.time() + float(self.faults.extra.get("clock_offset_s", 0.0))
        body = self.build_post(now)
        sends = (
            2
            if self.rng.random() < float(self.faults.extra.get("duplicate_rate", 0.0))
            else 1
        )
        statuses = await self._send(url, body, sends)
        self.last_post = body
        return statuses[-1]

    async def reboot(self, url: str | None = None, resends: int = 2) -> list[int]:
        """Restart the board, which re-sends its last reading `resends` times.

        Firmware that keeps the last reading in RTC memory posts it again on
        boot, unchanged (same timestamp); the uptime of new readings starts
        from zero. Returns the HTTP status of each re-send.
        """
        self.started_at = time.time()
        url = url or self.target_url
        if url is None or self.last_post is None or self.offline:
            return []
        return await self._send(url, self.last_post, resends)

    async def _send(self, url: str, body: dict[str, Any], times: int) -> list[int]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        statuses: list[int] = []
        for _ in range(times):
            data = MALFORMED_BODY if self.faults.malformed else None
            async with self._session.post(
                url,
                json=None if data else body,
                data=data,
                timeout=aiohttp.ClientTimeout(10),
            ) as response:
                statuses.append(response.status)
                self.responses.append(response.status)
                self.posted.set()
        return statuses

    async def start_posting(self, url: str, interval_s: float = 60.0) -> None:
        """Post to `url` every `interval_s` until stopped."""
        await self.stop_posting()
        self.target_url = url
        self.interval_s = interval_s
        self._task = asyncio.create_task(self._post_loop(), name="ct_board posting")

    async def stop_posting(self) -> None:
        """Stop the posting loop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _post_loop(self) -> None:
        while True:
            if self.rng.random() >= float(self.faults.extra.get("drop_rate", 0.0)):
                try:
                    await self.post_once()
                except (aiohttp.ClientError, OSError, TimeoutError) as err:
                    # A real board retries on its next period too.
                    _LOGGER.debug("ct_board: post failed: %s", err)
            await asyncio.sleep(self.interval_s)

    @override
    async def stop(self) -> None:
        """Stop posting, close the client session, stop the status page."""
        await self.stop_posting()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await super().stop()

    @override
    def demo_entries(self) -> list[DemoEntry]:
        """A two-clamp board: mains (grid) and a solar inverter."""
        return [
            DemoEntry(
                source="ct_clamp",
                steps=[
                    {
                        "name": "CT clamps",
                        "channels": "line_A: Mains (30 A), line_B: Solar inverter (30 A)",
                        "voltage": 230,
                        "power_factor": 0.95,
                        "allow_external": False,
                    },
                    {"grid_channels": ["line_A"], "solar_channels": ["line_B"]},
                ],
                energy={
                    "grid_import": "grid_clamps_energy",
                    "solar": "solar_clamps_energy",
                },
                after_created=self._start_demo_posting,
            )
        ]

    async def _start_demo_posting(self, result: dict[str, Any], base_url: str) -> None:
        path = result["description_placeholders"]["webhook_path"]
        await self.start_posting(base_url.rstrip("/") + path, self.demo_interval_s)
