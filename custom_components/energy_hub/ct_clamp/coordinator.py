"""Push coordinator of a CT clamp board: webhook posts in, stale detection."""

from collections.abc import Callable
from http import HTTPStatus
import json
from typing import Any, override

from aiohttp import web
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..coordinator import EnergyHubCoordinator
from ..errors import DeviceConnectionError
from ..source import EnergyHubConfigEntry
from .const import MAX_BODY_BYTES, PLAUSIBLE_VOLTAGE
from .model import CtBoard, PostRejected, parse_post


class CtClampCoordinator(EnergyHubCoordinator[CtBoard]):
    """Holds a board's state; updated by its webhook posts, never polled.

    With no post for `stale_timeout_s` the board counts as offline and its
    entities go unavailable (logged once) until it posts again.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        board: CtBoard,
        *,
        nominal_voltage: float,
        voltage_entity: str | None,
        stale_timeout_s: float,
    ) -> None:
        """Start with the board as configured and no post yet."""
        super().__init__(hass, entry, name=entry.title, update_interval=None)
        self.data = board
        self.nominal_voltage = nominal_voltage
        self.voltage_entity = voltage_entity
        self.stale_timeout_s = stale_timeout_s
        self.stale = False
        self._cancel_stale: Callable[[], None] | None = None
        self._voltage_entity_ok = True

    @callback
    def async_start(self) -> None:
        """Start the stale timer: a board that never posts goes unavailable too."""
        self._restart_stale_timer()

    @callback
    def async_stop(self) -> None:
        """Cancel the stale timer."""
        if self._cancel_stale is not None:
            self._cancel_stale()
            self._cancel_stale = None

    @override
    async def async_shutdown(self) -> None:
        """Stop the stale timer too (the entry's unload calls this)."""
        self.async_stop()
        await super().async_shutdown()

    @override
    async def _async_fetch(self) -> CtBoard:
        # Nothing to poll: a refresh re-publishes what the board last posted.
        if self.stale:
            raise DeviceConnectionError(
                f"no post for more than {self.stale_timeout_s:g} s"
            )
        return self.data

    async def async_handle_webhook(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Validate and apply one post; 400 with the offending field otherwise."""
        try:
            post = parse_post(
                await self._read_json(request),
                self.data.channels,
                dt_util.utcnow().timestamp(),
                last_timestamp=self.data.last_timestamp,
            )
            accepted = self.data.accept(post, self._voltage())
        except PostRejected as err:
            LOGGER.warning("%s: rejected a post: %s", self.name, err)
            return web.json_response(err.as_dict(), status=HTTPStatus.BAD_REQUEST)
        if not accepted:
            return web.json_response({"status": "duplicate"})
        if self.stale:
            self.stale = False
            LOGGER.info("%s: posting again", self.name)
        self._restart_stale_timer()
        self.async_set_updated_data(self.data)
        return web.json_response({"status": "ok"})

    @staticmethod
    async def _read_json(request: web.Request) -> Any:
        # Read in chunks up to the limit: the body may arrive in several
        # segments, and cloud-relayed requests carry no content length.
        stream = request.content  # a relayed request makes a new reader per access
        raw = bytearray()
        while chunk := await stream.read(MAX_BODY_BYTES + 1 - len(raw)):
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise PostRejected("body", "is too large")
        try:
            return json.loads(raw)
        except ValueError as err:  # also bad UTF-8
            raise PostRejected("body", "is not valid JSON") from err

    def _voltage(self) -> float:
        """The voltage sensor's reading when one is set and sane, else nominal."""
        if self.voltage_entity is None:
            return self.nominal_voltage
        state = self.hass.states.get(self.voltage_entity)
        voltage: float | None = None
        if state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            try:
                voltage = float(state.state)
            except ValueError:
                voltage = None
        low, high = PLAUSIBLE_VOLTAGE
        usable = voltage is not None and low <= voltage <= high
        if usable != self._voltage_entity_ok:
            self._voltage_entity_ok = usable
            if usable:
                LOGGER.info("%s: using %s again", self.name, self.voltage_entity)
            else:
                LOGGER.warning(
                    "%s: %s has no usable voltage; using the nominal %g V",
                    self.name,
                    self.voltage_entity,
                    self.nominal_voltage,
                )
        return voltage if usable and voltage is not None else self.nominal_voltage

    @callback
    def _restart_stale_timer(self) -> None:
        self.async_stop()
        self._cancel_stale = async_call_later(
            self.hass, self.stale_timeout_s, self._async_mark_stale
        )

    @callback
    def _async_mark_stale(self, _now: Any) -> None:
        self._cancel_stale = None
        if self.stale:
            return
        self.stale = True
        self.last_update_success = False
        LOGGER.warning(
            "%s: no post for %g s; its entities are unavailable until it posts",
            self.name,
            self.stale_timeout_s,
        )
        self.async_update_listeners()
