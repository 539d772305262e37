"""Base of the HTTP(S) simulators (aiohttp), with the HTTP faults applied."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import ssl
from typing import override

from aiohttp import web

from .base import Simulator

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MALFORMED_BODY = '{"truncated": [1, 2, '


class HttpSimulator(Simulator):
    """An aiohttp server; subclasses add their routes in `setup_routes`."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self.ssl_context = ssl_context
        self.requests: list[str] = []  # "METHOD /path" of every request, in order
        self.app = web.Application(middlewares=[self._fault_middleware])
        self.setup_routes(self.app.router)
        self._runner: web.AppRunner | None = None

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """Add the device's endpoints."""

    @property
    def scheme(self) -> str:
        """`https` when serving TLS."""
        return "https" if self.ssl_context else "http"

    @property
    def url(self) -> str:
        """Base URL of the simulator."""
        return f"{self.scheme}://{self.address}"

    @web.middleware
    async def _fault_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        faults = self.faults
        if faults.delay_s:
            await asyncio.sleep(faults.delay_s)
        if faults.http_status is not None:
            return web.Response(status=faults.http_status, text="")
        response = await handler(request)
        if faults.malformed and response.status == 200:
            return web.Response(text=MALFORMED_BODY, content_type="application/json")
        return response

    @override
    async def _listen(self, port: int) -> int:
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.host,
            port,
            ssl_context=self.ssl_context,
            reuse_address=True,
        )
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes the bound port only here
        if server is None:
            raise RuntimeError(f"{self.name} simulator did not start")
        return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    @override
    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
