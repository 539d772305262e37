"""Push coordinator of a CT clamp board: webhook posts in, stale detection."""

from collections.abc import Callable
from datetime import datetime, timedelta
from http import HTTPStatus
import json
import logging
from typing import Any, override

from aiohttp import ClientError, web
from aiohttp.http_exceptions import HttpProcessingError
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..coordinator import EnergyHubCoordinator
from ..errors import DeviceConnectionError
from ..source import EnergyHubConfigEntry
from .const import MAX_BODY_BYTES, PLAUSIBLE_VOLTAGE, SAVE_DELAY_S
from .model import CtBoard, PostRejected, parse_post

# A refusal of one kind is logged as a warning at most this often per board;
# the repeats in between at debug level.
REFUSAL_LOG_INTERVAL = timedelta(hours=1)


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
        store: Store[dict[str, Any]],
        *,
        nominal_voltage: float,
        voltage_entity: str | None,
        stale_timeout_s: float,
    ) -> None:
        """Start with the board as configured (totals restored) and no post yet.

        `store` keeps the board's totals: saved a few seconds after each
        accepted post (and, when one is pending, at Home Assistant's final
        write), and at unload.
        """
        super().__init__(hass, entry, name=entry.title, update_interval=None)
        self.data = board
        self.store = store
        self.nominal_voltage = nominal_voltage
        self.voltage_entity = voltage_entity
        self.stale_timeout_s = stale_timeout_s
        self.stale = False
        self._cancel_stale: Callable[[], None] | None = None
        self._voltage_entity_ok = True
        # When each kind of refusal was last logged as a warning.
        self._refusals_logged: dict[str, datetime] = {}

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
        """Stop the stale timer and save the totals (the entry's unload calls this).

        The webhook is unregistered before (the entry's unload callbacks run
        last-registered first), so no post comes after this save.
        """
        self.async_stop()
        await self.store.async_save(self.data.stored())
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
        """Validate and apply one post; 400 with the offending field otherwise.

        Whatever the body, the answer is 200 or 400 and nothing is raised
        (Home Assistant would log the webhook id, the board's secret, with
        the traceback). A channel above its clamp's rating is refused alone:
        the answer lists it under `refused`.
        """
        try:
            return await self._async_handle_post(request)
        except Exception:
            # A bug of ours, not the board's: logged without the webhook id.
            LOGGER.exception("%s: could not process a post", self.name)
            return web.json_response(
                PostRejected("body", "could not be processed").as_dict(),
                status=HTTPStatus.BAD_REQUEST,
            )

    async def _async_handle_post(self, request: web.Request) -> web.Response:
        now = dt_util.utcnow().timestamp()
        board = self.data
        try:
            post = parse_post(
                await self._read_json(request),
                board.channels,
                now,
                last_timestamp=board.last_timestamp,
            )
            accepted = board.accept(post, self._voltage(), now=now)
        except PostRejected as err:
            self._log_refusal(err.reason, "%s: refused a post: %s", self.name, err)
            return web.json_response(err.as_dict(), status=HTTPStatus.BAD_REQUEST)
        if not accepted:
            LOGGER.debug("%s: ignored a re-sent post", self.name)
            return web.json_response({"status": "duplicate"})
        answer: dict[str, Any] = {"status": "ok"}
        if board.refused_in_last_post:
            answer["refused"] = self._refused_channels(board.refused_in_last_post)
        if self.stale:
            self.stale = False
            LOGGER.info("%s: posting again", self.name)
        self.store.async_delay_save(board.stored, SAVE_DELAY_S)
        self._restart_stale_timer()
        self.async_set_updated_data(board)
        return web.json_response(answer)

    def _refused_channels(self, refused: dict[str, float]) -> dict[str, str]:
        """Log and describe the channels refused for being above their rating."""
        reasons: dict[str, str] = {}
        for channel_id, current_a in refused.items():
            rating = self.data.channels[channel_id].config.max_current_a
            reason = f"is above the channel's {rating:g} A rating"
            reasons[f"channels.{channel_id}"] = reason
            self._log_refusal(
                f"above_rating {channel_id}",
                "%s: refused the reading of %s: %.6g A %s (counted as a gap)",
                self.name,
                channel_id,
                current_a,
                reason,
            )
        return reasons

    def _log_refusal(self, kind: str, message: str, *args: Any) -> None:
        """Log a refusal as a warning once an hour per kind, else at debug level.

        `kind` comes from a small fixed set (reasons, configured channels):
        a board that posts junk in a loop cannot grow this or flood the log.
        """
        now = dt_util.utcnow()
        last = self._refusals_logged.get(kind)
        level = logging.DEBUG
        if last is None or now - last >= REFUSAL_LOG_INTERVAL:
            self._refusals_logged[kind] = now
            level = logging.WARNING
        LOGGER.log(level, message, *args)

    @staticmethod
    async def _read_json(request: web.Request) -> Any:
        # Read in chunks up to the limit: the body may arrive in several
        # segments, and cloud-relayed requests carry no content length.
        stream = request.content  # a relayed request makes a new reader per access
        raw = bytearray()
        try:
            while chunk := await stream.read(MAX_BODY_BYTES + 1 - len(raw)):
                raw += chunk
                if len(raw) > MAX_BODY_BYTES:
                    raise PostRejected("body", "is too large")
        except (
            web.RequestPayloadError,
            HttpProcessingError,
            ClientError,
            OSError,
        ) as err:
            # A body aiohttp cannot decode (bad Content-Encoding, bad
            # chunking) or a board that hung up mid-post.
            raise PostRejected("body", "could not be read") from err
        try:
            return json.loads(raw)
        except ValueError as err:  # also bad UTF-8 and integers of > 4300 digits
            raise PostRejected("body", "is not valid JSON") from err
        except RecursionError as err:  # [[[[… nested deeper than Python recurses
            raise PostRejected("body", "is nested too deeply") from err

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
