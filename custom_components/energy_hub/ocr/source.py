"""The OCR meter source: a camera (or image URL) pointed at a utility meter."""

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any, override

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.storage import Store

from ..button import EnergyHubButton
from ..const import CONF_POLL_INTERVAL, DOMAIN
from ..image import EnergyHubImage
from ..sensor import EnergyHubSensor
from ..source import EnergyHubConfigEntry, EnergyHubSource
from .const import (
    CAPTURE_TIMEOUT_S,
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
    DEFAULT_POLL_INTERVAL_S,
    STORE_VERSION,
    Display,
    MeterKind,
)
from .coordinator import Capture, CropKeeper, CrossCheck, OcrCoordinator
from .entities import (
    BUTTON_DESCRIPTIONS,
    IMAGE_DESCRIPTIONS,
    OcrMeterSensor,
    sensor_descriptions,
)
from .install import async_install_backend_when_loaded
from .reader import OcrReader, ReaderSettings


def entry_folder(hass: HomeAssistant, entry_id: str) -> Path:
    """Where an OCR entry keeps its reference frame and kept crops."""
    return Path(hass.config.path(".storage", DOMAIN, "ocr", entry_id))


def reference_path(hass: HomeAssistant, entry_id: str) -> Path:
    """The reference frame the window was drawn on, saved at set-up."""
    return entry_folder(hass, entry_id) / "reference.png"


def reader_settings(options: Mapping[str, Any]) -> ReaderSettings:
    """The pipeline's settings from an entry's options (or a flow's input)."""
    return ReaderSettings(
        window=(
            int(options[CONF_WINDOW_X]),
            int(options[CONF_WINDOW_Y]),
            int(options[CONF_WINDOW_WIDTH]),
            int(options[CONF_WINDOW_HEIGHT]),
        ),
        digits=int(options[CONF_DIGITS]),
        decimals=int(options[CONF_DECIMALS]),
        rolling=options.get(CONF_DISPLAY, Display.DRUMS) != Display.LCD,
        counter_max=float(options[CONF_COUNTER_MAX]),
        max_rate=float(options[CONF_MAX_RATE]),
    )


def camera_capture(hass: HomeAssistant, data: Mapping[str, Any]) -> Capture:
    """A function returning one photo from the entry's camera or image URL.

    Failures raise `HomeAssistantError`, `OSError` or `TimeoutError`.
    """
    if camera := data.get(CONF_CAMERA):

        async def from_camera() -> bytes:
            # camera is an after-dependency: loaded only with a camera entity.
            from homeassistant.components.camera import (  # noqa: PLC0415
                async_get_image,
            )

            image = await async_get_image(
                hass, camera, timeout=round(CAPTURE_TIMEOUT_S)
            )
            return image.content

        return from_camera
    url: str = data[CONF_IMAGE_URL]
    session = async_get_clientsession(hass)

    async def from_url() -> bytes:
        try:
            async with session.get(
                url, timeout=aiohttp.ClientTimeout(total=CAPTURE_TIMEOUT_S)
            ) as response:
                response.raise_for_status()
                return await response.read()
        except aiohttp.ClientResponseError as err:
            raise HomeAssistantError(
                f"the image URL answered HTTP {err.status}"
            ) from err
        except (aiohttp.ClientError, TimeoutError) as err:
            # Not the error's text: it holds the URL, which may hold a password.
            raise HomeAssistantError(
                f"the image URL is unreachable ({type(err).__name__})"
            ) from err

    return from_url


class OcrSource(EnergyHubSource):
    """One meter: its coordinator, its reading and what it saw last."""

    platforms = (Platform.SENSOR, Platform.IMAGE, Platform.BUTTON)
    # The URL may carry a camera's credentials.
    redact = frozenset({CONF_IMAGE_URL})

    def __init__(
        self,
        entry: EnergyHubConfigEntry,
        coordinator: OcrCoordinator,
        kind: MeterKind,
        settings: ReaderSettings,
    ) -> None:
        """Keep what the platforms and diagnostics need."""
        self.coordinator = coordinator
        self.kind = kind
        self.settings = settings
        self.unique_id_prefix = entry.entry_id
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer="Energy Hub",
            model="OCR meter",
        )

    @override
    def entities(self, platform: Platform) -> list[Entity]:
        """The reading and its diagnostics, the last crop, and "read now"."""
        coordinator = self.coordinator
        device_info, prefix = self.device_info, self.unique_id_prefix
        if platform is Platform.SENSOR:
            meter, *others = sensor_descriptions(
                self.kind, self.settings.max_rate, self.settings.decimals
            )
            return [
                OcrMeterSensor(coordinator, meter, device_info, prefix),
                *(
                    EnergyHubSensor(coordinator, description, device_info, prefix)
                    for description in others
                ),
            ]
        if platform is Platform.IMAGE:
            return [
                EnergyHubImage(coordinator, description, device_info, prefix)
                for description in IMAGE_DESCRIPTIONS
            ]
        if platform is Platform.BUTTON:
            return [
                EnergyHubButton(coordinator, description, device_info, prefix)
                for description in BUTTON_DESCRIPTIONS
            ]
        return []

    @override
    def device_identifiers(self) -> set[tuple[str, str]]:
        """The one meter."""
        return set(self.device_info.get("identifiers", set()))

    @override
    def diagnostics(self) -> dict[str, Any]:
        """The backend, the settings and the last reading or rejection."""
        return {
            "backend": self.coordinator.reader.backend,
            "meter_kind": self.kind.value,
            "settings": self.settings.as_dict(),
            "cross_check": None
            if self.coordinator.cross_check is None
            else {
                "entity_id": self.coordinator.cross_check.entity_id,
                "margin": self.coordinator.cross_check.margin,
                "baseline": self.coordinator.cross_check.baseline,
            },
            "last_update_success": self.coordinator.last_update_success,
            "data": self.coordinator.data.as_dict(),
        }


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The last good reading, saved with each one (the pipeline's previous)."""
    return Store(hass, STORE_VERSION, f"{DOMAIN}.ocr.{entry_id}", private=True)


async def _async_reference(
    hass: HomeAssistant, entry: ConfigEntry, capture: Capture
) -> bytes:
    """The saved reference frame; the first set-up takes and saves it."""
    path = reference_path(hass, entry.entry_id)
    if content := await hass.async_add_executor_job(_read_file, path):
        return content
    try:
        photo = await capture()
    except (HomeAssistantError, OSError, TimeoutError) as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="ocr_no_reference",
            translation_placeholders={"error": str(err)},
        ) from err
    await hass.async_add_executor_job(save_reference, path, photo)
    return await hass.async_add_executor_job(path.read_bytes)


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def save_reference(path: Path, photo: bytes) -> None:
    """Save a photo as the reference frame (PNG, whatever the camera sent)."""
    from .render import decode, png  # noqa: PLC0415 - executor only

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(decode(photo)))


async def async_setup_source(
    hass: HomeAssistant, entry: EnergyHubConfigEntry
) -> OcrSource:
    """Load the reference frame and the pipeline; read the meter once."""
    async_install_backend_when_loaded(hass, entry)
    options = entry.options
    kind = MeterKind(entry.data[CONF_METER_KIND])
    settings = reader_settings(options)
    capture = camera_capture(hass, entry.data)
    reference = await _async_reference(hass, entry, capture)
    reader = await hass.async_add_executor_job(OcrReader, settings, reference)
    cross_check = None
    if entity_id := options.get(CONF_CROSS_CHECK_ENTITY):
        cross_check = CrossCheck(
            entity_id,
            float(options.get(CONF_CROSS_CHECK_MARGIN, DEFAULT_CROSS_CHECK_MARGIN)),
        )
    coordinator = OcrCoordinator(
        hass,
        entry,
        reader=reader,
        capture=capture,
        store=_store(hass, entry.entry_id),
        interval=timedelta(
            seconds=options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL_S)
        ),
        cross_check=cross_check,
        crop_keeper=CropKeeper(entry_folder(hass, entry.entry_id) / "crops")
        if options.get(CONF_KEEP_CROPS)
        else None,
    )
    await coordinator.async_config_entry_first_refresh()
    return OcrSource(entry, coordinator, kind, settings)


async def async_remove_source(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the reference frame, the kept crops and the stored reading."""
    await hass.async_add_executor_job(
        lambda: shutil.rmtree(entry_folder(hass, entry.entry_id), ignore_errors=True)
    )
    await _store(hass, entry.entry_id).async_remove()
