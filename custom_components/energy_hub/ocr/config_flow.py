"""Config and options flow of the OCR meter: a snapshot with the window drawn on it."""

from collections.abc import Mapping
from datetime import timedelta
from http import HTTPStatus
from typing import Any, override

from aiohttp import web
from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import selector
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.util.hass_dict import HassKey
import probatio

from ..const import CONF_POLL_INTERVAL, CONF_SOURCE, DOMAIN, LOGGER, SourceKind
from .const import (
    CONF_CAMERA,
    CONF_COUNTER_MAX,
    CONF_CROSS_CHECK_ENTITY,
    CONF_CROSS_CHECK_MARGIN,
    CONF_DECIMALS,
    CONF_DIGITS,
    CONF_DISPLAY,
    CONF_IMAGE_URL,
    CONF_KEEP_CROPS,
    CONF_MAX_RATE,
    CONF_METER_KIND,
    CONF_WINDOW_HEIGHT,
    CONF_WINDOW_WIDTH,
    CONF_WINDOW_X,
    CONF_WINDOW_Y,
    DEFAULT_CROSS_CHECK_MARGIN,
    DEFAULT_DECIMALS,
    DEFAULT_DIGITS,
    DEFAULT_MAX_RATE,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_WINDOW_FRACTION,
    MAX_POLL_INTERVAL_S,
    MIN_POLL_INTERVAL_S,
    PREVIEW_URL,
    PREVIEW_VALID_S,
    Display,
    MeterKind,
)
from .render import decode, draw_window, png, window_inside
from .source import camera_capture, reference_path, save_reference

CONF_NAME = "name"
# Unticked, a submitted window is drawn on the snapshot and the form shown
# again; ticked (and valid), it is saved.
CONF_CONFIRM = "confirm"
DEFAULT_NAME = "OCR meter"

WINDOW_KEYS = (CONF_WINDOW_X, CONF_WINDOW_Y, CONF_WINDOW_WIDTH, CONF_WINDOW_HEIGHT)
READING_KEYS = (
    *WINDOW_KEYS,
    CONF_DIGITS,
    CONF_DECIMALS,
    CONF_COUNTER_MAX,
    CONF_MAX_RATE,
    CONF_POLL_INTERVAL,
)

# The flows' annotated snapshots, by flow id, served signed by `OcrPreviewView`.
DATA_PREVIEWS: HassKey[dict[str, bytes]] = HassKey(f"{DOMAIN}_ocr_previews")


class OcrPreviewView(HomeAssistantView):
    """Serves a flow's snapshot with its window drawn (signed URL, no header)."""

    url = PREVIEW_URL
    name = "api:energy_hub:ocr_preview"
    requires_auth = True

    async def get(self, request: web.Request, flow_id: str) -> web.Response:
        """The flow's preview as PNG, or 404."""
        hass: HomeAssistant = request.app[KEY_HASS]
        content = hass.data.get(DATA_PREVIEWS, {}).get(flow_id)
        if content is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.Response(
            body=content,
            content_type="image/png",
            headers={"Cache-Control": "no-store"},
        )


@callback
def _previews(hass: HomeAssistant) -> dict[str, bytes]:
    """The preview store; registers the view the first time."""
    if DATA_PREVIEWS not in hass.data:
        hass.data[DATA_PREVIEWS] = {}
        hass.http.register_view(OcrPreviewView())
    return hass.data[DATA_PREVIEWS]


class Snapshot:
    """A photo taken in a flow, its size, and its preview with a window drawn."""

    def __init__(self, photo: bytes) -> None:
        """Decode the photo; raises OSError when it is no image."""
        self.photo = photo
        self.image = decode(photo)
        self.size: tuple[int, int] = self.image.size

    def proposed_window(self) -> dict[str, int]:
        """Where the window starts: the middle of the photo."""
        width, height = self.size
        fx, fy, fw, fh = DEFAULT_WINDOW_FRACTION
        return {
            CONF_WINDOW_X: round(width * fx),
            CONF_WINDOW_Y: round(height * fy),
            CONF_WINDOW_WIDTH: round(width * fw),
            CONF_WINDOW_HEIGHT: round(height * fh),
        }

    def preview(self, window: tuple[int, int, int, int], digits: int) -> bytes:
        """The photo with the window drawn, as PNG."""
        return png(draw_window(self.image, window, digits))


def _window(values: Mapping[str, Any]) -> tuple[int, int, int, int]:
    x, y, width, height = (int(values[key]) for key in WINDOW_KEYS)
    return x, y, width, height


def _number(
    minimum: float, maximum: float, step: float = 1, unit: str | None = None
) -> selector.NumberSelector:
    config = selector.NumberSelectorConfig(
        min=minimum, max=maximum, step=step, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)


def _reading_fields(
    defaults: Mapping[str, Any], size: tuple[int, int], kind: MeterKind
) -> dict[probatio.Marker, Any]:
    """Window, digits, decimals, counter maximum, rate bound and interval."""
    unit = "kWh/h" if kind is MeterKind.ELECTRICITY else "m³/h"
    width, height = size
    fields: dict[probatio.Marker, Any] = {
        probatio.Required(CONF_WINDOW_X, default=defaults[CONF_WINDOW_X]): _number(
            0, width - 1, unit="px"
        ),
        probatio.Required(CONF_WINDOW_Y, default=defaults[CONF_WINDOW_Y]): _number(
            0, height - 1, unit="px"
        ),
        probatio.Required(
            CONF_WINDOW_WIDTH, default=defaults[CONF_WINDOW_WIDTH]
        ): _number(1, width, unit="px"),
        probatio.Required(
            CONF_WINDOW_HEIGHT, default=defaults[CONF_WINDOW_HEIGHT]
        ): _number(1, height, unit="px"),
        probatio.Required(
            CONF_DIGITS, default=defaults.get(CONF_DIGITS, DEFAULT_DIGITS)
        ): _number(1, 12),
        probatio.Required(
            CONF_DECIMALS, default=defaults.get(CONF_DECIMALS, DEFAULT_DECIMALS)
        ): _number(0, 4),
        probatio.Required(
            CONF_DISPLAY, default=defaults.get(CONF_DISPLAY, Display.DRUMS)
        ): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=[display.value for display in Display],
                translation_key="ocr_display",
            )
        ),
        probatio.Optional(
            CONF_COUNTER_MAX,
            description={"suggested_value": defaults.get(CONF_COUNTER_MAX)},
        ): _number(1, 10**12, step=0.001),
        probatio.Required(
            CONF_MAX_RATE, default=defaults.get(CONF_MAX_RATE, DEFAULT_MAX_RATE[kind])
        ): _number(0.001, 100000, step=0.001, unit=unit),
        probatio.Required(
            CONF_POLL_INTERVAL,
            default=defaults.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S),
        ): _number(MIN_POLL_INTERVAL_S, MAX_POLL_INTERVAL_S, unit="s"),
    }
    return fields


def _reading_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The options stored from a submitted form (counter maximum defaulted)."""
    digits = int(user_input[CONF_DIGITS])
    decimals = int(user_input[CONF_DECIMALS])
    counter_max = user_input.get(CONF_COUNTER_MAX)
    return {
        **{key: int(user_input[key]) for key in WINDOW_KEYS},
        CONF_DIGITS: digits,
        CONF_DECIMALS: decimals,
        CONF_DISPLAY: Display(user_input.get(CONF_DISPLAY, Display.DRUMS)).value,
        # The largest value the counter shows: all nines unless said otherwise
        # (99999.9 on six drums with one decimal).
        CONF_COUNTER_MAX: float(counter_max)
        if counter_max
        else round(10 ** (digits - decimals) - 10.0**-decimals, decimals),
        CONF_MAX_RATE: float(user_input[CONF_MAX_RATE]),
        CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
    }


def _reading_errors(
    user_input: Mapping[str, Any], size: tuple[int, int]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not window_inside(size, _window(user_input)):
        errors["base"] = "window_outside_image"
    elif int(user_input[CONF_DECIMALS]) >= int(user_input[CONF_DIGITS]):
        errors[CONF_DECIMALS] = "ocr_too_many_decimals"
    return errors


async def _async_snapshot(hass: HomeAssistant, source: Mapping[str, Any]) -> Snapshot:
    """Take one photo from a camera or URL; raises HomeAssistantError or OSError."""
    photo = await camera_capture(hass, source)()
    return await hass.async_add_executor_job(Snapshot, photo)


class _PreviewMixin:
    """Keeps a flow's preview in the store the view serves."""

    hass: HomeAssistant
    flow_id: str
    _ocr_preview_version: int = 0

    async def _async_preview_placeholders(
        self, snapshot: Snapshot, values: Mapping[str, Any]
    ) -> dict[str, str]:
        content = await self.hass.async_add_executor_job(
            snapshot.preview,
            _window(values),
            int(values.get(CONF_DIGITS, DEFAULT_DIGITS)),
        )
        _previews(self.hass)[self.flow_id] = content
        # A new query each time, so the browser fetches the redrawn picture.
        self._ocr_preview_version += 1
        path = (
            PREVIEW_URL.format(flow_id=self.flow_id) + f"?v={self._ocr_preview_version}"
        )
        url = async_sign_path(self.hass, path, timedelta(seconds=PREVIEW_VALID_S))
        return {
            "preview_url": url,
            "image_width": str(snapshot.size[0]),
            "image_height": str(snapshot.size[1]),
        }

    def _forget_preview(self) -> None:
        if (previews := self.hass.data.get(DATA_PREVIEWS)) is not None:
            previews.pop(self.flow_id, None)


class OcrConfigFlow(_PreviewMixin, ConfigFlow):
    """Choose the camera and the meter, then place the digit window on a snapshot."""

    _ocr_source: dict[str, Any]
    _ocr_snapshot: Snapshot

    async def async_step_ocr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the camera (or image URL), the meter's kind and a name."""
        errors: dict[str, str] = {}
        if user_input is not None:
            source = _photo_source(user_input)
            if source is None:
                errors["base"] = "ocr_camera_or_url"
            elif await self._async_take_snapshot(source, errors):
                self._ocr_source = {
                    CONF_NAME: user_input[CONF_NAME],
                    CONF_METER_KIND: user_input[CONF_METER_KIND],
                    **source,
                }
                return await self.async_step_ocr_window()
        defaults = user_input or {}
        return self.async_show_form(
            step_id=SourceKind.OCR,
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME)
                    ): str,
                    **_photo_source_fields(defaults),
                    probatio.Required(
                        CONF_METER_KIND,
                        default=defaults.get(CONF_METER_KIND, MeterKind.ELECTRICITY),
                    ): selector.SelectSelector(
                        selector.SelectSelectorConfig(
                            options=[kind.value for kind in MeterKind],
                            translation_key="ocr_meter_kind",
                        )
                    ),
                }
            ),
            errors=errors,
        )

    async def _async_take_snapshot(
        self, source: Mapping[str, Any], errors: dict[str, str]
    ) -> bool:
        """Take the flow's snapshot; False (error noted) when none could be had."""
        try:
            self._ocr_snapshot = await _async_snapshot(self.hass, source)
        except HomeAssistantError as err:
            LOGGER.debug("OCR flow: no snapshot: %s", err)
            errors["base"] = "ocr_cannot_capture"
            return False
        except OSError as err:
            LOGGER.debug("OCR flow: not an image: %s", err)
            errors["base"] = "ocr_not_an_image"
            return False
        return True

    async def async_step_ocr_window(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Place the digit window on the snapshot; say how to read it."""
        snapshot = self._ocr_snapshot
        kind = MeterKind(self._ocr_source[CONF_METER_KIND])
        errors: dict[str, str] = {}
        values: dict[str, Any] = {**snapshot.proposed_window()}
        if user_input is not None:
            values = dict(user_input)
            errors = _reading_errors(user_input, snapshot.size)
            if not errors and user_input.get(CONF_CONFIRM):
                return self._async_create_ocr_entry(_reading_options(user_input))
        return self.async_show_form(
            step_id="ocr_window",
            data_schema=probatio.Schema(
                {
                    **_reading_fields(values, snapshot.size, kind),
                    probatio.Required(CONF_CONFIRM, default=False): bool,
                }
            ),
            errors=errors,
            description_placeholders=await self._async_preview_placeholders(
                snapshot,
                values
                if "base" not in errors
                else {
                    **snapshot.proposed_window(),
                    CONF_DIGITS: values.get(CONF_DIGITS, DEFAULT_DIGITS),
                },
            ),
        )

    def _async_create_ocr_entry(self, options: dict[str, Any]) -> ConfigFlowResult:
        source = self._ocr_source
        return self.async_create_entry(
            title=source[CONF_NAME],
            data={
                CONF_SOURCE: SourceKind.OCR.value,
                CONF_METER_KIND: source[CONF_METER_KIND],
                **{
                    key: source[key]
                    for key in (CONF_CAMERA, CONF_IMAGE_URL)
                    if key in source
                },
            },
            options=options,
        )

    async def async_step_ocr_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point the meter at another camera or URL; the window must still fit."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            source = _photo_source(user_input)
            if source is None:
                errors["base"] = "ocr_camera_or_url"
            elif not await self._async_take_snapshot(source, errors):
                LOGGER.debug("%s: the new camera gave no picture", entry.title)
            elif not window_inside(self._ocr_snapshot.size, _window(entry.options)):
                errors["base"] = "window_outside_image"
            else:
                # The new camera's photo is the reference from now on.
                await self.hass.async_add_executor_job(
                    save_reference,
                    reference_path(self.hass, entry.entry_id),
                    self._ocr_snapshot.photo,
                )
                data = {
                    key: value
                    for key, value in entry.data.items()
                    if key not in (CONF_CAMERA, CONF_IMAGE_URL)
                }
                return self.async_update_reload_and_abort(
                    entry, data={**data, **source}, reason="ocr_reconfigured"
                )
        return self.async_show_form(
            step_id="ocr_reconfigure",
            data_schema=probatio.Schema(
                _photo_source_fields(user_input or dict(entry.data))
            ),
            errors=errors,
        )

    @callback
    @override
    def async_remove(self) -> None:
        """Drop the flow's preview."""
        self._forget_preview()
        super().async_remove()


def _photo_source(user_input: Mapping[str, Any]) -> dict[str, Any] | None:
    """The camera or the URL the user gave (exactly one of them), or None."""
    camera = user_input.get(CONF_CAMERA)
    url = (user_input.get(CONF_IMAGE_URL) or "").strip()
    if bool(camera) == bool(url):
        return None
    return {CONF_CAMERA: camera} if camera else {CONF_IMAGE_URL: url}


def _photo_source_fields(defaults: Mapping[str, Any]) -> dict[probatio.Marker, Any]:
    return {
        probatio.Optional(
            CONF_CAMERA,
            description={"suggested_value": defaults.get(CONF_CAMERA)},
        ): selector.EntitySelector(selector.EntitySelectorConfig(domain="camera")),
        probatio.Optional(
            CONF_IMAGE_URL,
            description={"suggested_value": defaults.get(CONF_IMAGE_URL)},
        ): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
        ),
    }


class OcrOptionsFlow(_PreviewMixin, OptionsFlowWithReload):
    """The window and reading settings (same preview), the cross-check, kept crops."""

    _ocr_snapshot: Snapshot | None = None
    _ocr_fresh: bool = False

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The options of every source start here."""
        return await self.async_step_ocr_options(user_input)

    async def async_step_ocr_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the snapshot with the window; save when confirmed."""
        entry = self.config_entry
        snapshot = await self._async_snapshot()
        kind = MeterKind(entry.data[CONF_METER_KIND])
        errors: dict[str, str] = {}
        values: dict[str, Any] = dict(entry.options)
        if user_input is not None:
            values = dict(user_input)
            errors = _reading_errors(user_input, snapshot.size)
            if not errors and user_input.get(CONF_CONFIRM):
                if self._ocr_fresh:
                    # The window was placed on this photo: it is the reference now.
                    await self.hass.async_add_executor_job(
                        save_reference,
                        reference_path(self.hass, entry.entry_id),
                        snapshot.photo,
                    )
                self._forget_preview()
                return self.async_create_entry(
                    data={
                        **_reading_options(user_input),
                        **_cross_check_options(user_input),
                        CONF_KEEP_CROPS: bool(user_input.get(CONF_KEEP_CROPS)),
                    }
                )
        shown = values if "base" not in errors else dict(entry.options)
        return self.async_show_form(
            step_id="ocr_options",
            data_schema=probatio.Schema(
                {
                    **_reading_fields(values, snapshot.size, kind),
                    **_cross_check_fields(values, kind),
                    probatio.Required(
                        CONF_KEEP_CROPS, default=bool(values.get(CONF_KEEP_CROPS))
                    ): bool,
                    probatio.Required(CONF_CONFIRM, default=False): bool,
                }
            ),
            errors=errors,
            description_placeholders=await self._async_preview_placeholders(
                snapshot, shown
            ),
        )

    async def _async_snapshot(self) -> Snapshot:
        """A fresh photo, or the reference frame when the camera is away."""
        if self._ocr_snapshot is not None:
            return self._ocr_snapshot
        entry = self.config_entry
        try:
            self._ocr_snapshot = await _async_snapshot(self.hass, entry.data)
            self._ocr_fresh = True
        except (HomeAssistantError, OSError) as err:
            LOGGER.debug("%s: no snapshot, showing the reference: %s", entry.title, err)
            reference = await self.hass.async_add_executor_job(
                reference_path(self.hass, entry.entry_id).read_bytes
            )
            self._ocr_snapshot = await self.hass.async_add_executor_job(
                Snapshot, reference
            )
        return self._ocr_snapshot

    @callback
    @override
    def async_remove(self) -> None:
        """Drop the flow's preview."""
        self._forget_preview()
        super().async_remove()


def _cross_check_fields(
    defaults: Mapping[str, Any], kind: MeterKind
) -> dict[probatio.Marker, Any]:
    device_class = (
        SensorDeviceClass.ENERGY
        if kind is MeterKind.ELECTRICITY
        else SensorDeviceClass(kind.value)
    )
    entity = defaults.get(CONF_CROSS_CHECK_ENTITY)
    return {
        probatio.Optional(
            CONF_CROSS_CHECK_ENTITY,
            description={"suggested_value": entity} if entity else None,
        ): selector.EntitySelector(
            selector.EntitySelectorConfig(
                domain="sensor", integration=DOMAIN, device_class=device_class
            )
        ),
        probatio.Required(
            CONF_CROSS_CHECK_MARGIN,
            default=defaults.get(CONF_CROSS_CHECK_MARGIN, DEFAULT_CROSS_CHECK_MARGIN),
        ): _number(0.001, 1000, step=0.001),
    }


def _cross_check_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        CONF_CROSS_CHECK_MARGIN: float(user_input[CONF_CROSS_CHECK_MARGIN])
    }
    if entity := user_input.get(CONF_CROSS_CHECK_ENTITY):
        options[CONF_CROSS_CHECK_ENTITY] = entity
    return options
