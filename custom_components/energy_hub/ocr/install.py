"""onnxruntime on demand: installed in the background where a wheel exists.

Only OCR entries call this. Set-up never waits for it: the numpy backend
reads meters until onnxruntime is there. An install that fails raises a
repair issue; a platform without a wheel (musl, other machines) is left
alone, so nothing is ever built from source.
"""

import importlib.util

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.start import async_at_started
from homeassistant.requirements import RequirementsNotFound, async_process_requirements
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN, LOGGER
from .const import ONNXRUNTIME_REQUIREMENT
from .wheels import current_platform, onnxruntime_wheel_available

INSTALL_ISSUE = "ocr_onnxruntime_install_failed"
# One attempt per Home Assistant run, whatever the number of OCR entries.
DATA_INSTALL: HassKey[bool] = HassKey(f"{DOMAIN}_ocr_onnxruntime_install")


def _wanted() -> bool:
    """Whether onnxruntime is missing and PyPI has a wheel for this machine."""
    if importlib.util.find_spec("onnxruntime") is not None:
        return False
    return onnxruntime_wheel_available(current_platform())


@callback
def async_install_backend_when_loaded(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Install onnxruntime in the background once `entry` is loaded and HA runs.

    Home Assistant's pip lock is held during an install, and loading an
    integration with requirements waits for it: starting only after the
    entry's platforms are set up (and Home Assistant has started) keeps the
    install from delaying this set-up or Home Assistant's start.
    """

    @callback
    def _state_changed() -> None:
        if entry.state is ConfigEntryState.LOADED:
            async_at_started(hass, _started)

    @callback
    def _started(_: HomeAssistant) -> None:
        async_install_backend(hass)

    entry.async_on_unload(entry.async_on_state_change(_state_changed))


@callback
def async_install_backend(hass: HomeAssistant) -> None:
    """Start installing onnxruntime in the background, once, when it makes sense.

    Home Assistant started with `--skip-pip` installs nothing, this included.
    """
    if hass.config.skip_pip or DATA_INSTALL in hass.data:
        return
    hass.data[DATA_INSTALL] = True
    hass.async_create_background_task(
        async_install(hass), name=f"{DOMAIN} onnxruntime install"
    )


async def async_install(hass: HomeAssistant) -> bool:
    """Install onnxruntime if wanted; True when it is there afterwards."""
    if not await hass.async_add_executor_job(_wanted):
        LOGGER.debug("OCR: not installing onnxruntime (present, or no wheel here)")
        return False
    LOGGER.info("OCR: installing %s in the background", ONNXRUNTIME_REQUIREMENT)
    try:
        await async_process_requirements(
            hass, f"{DOMAIN}.ocr", [ONNXRUNTIME_REQUIREMENT], is_built_in=False
        )
    except RequirementsNotFound as err:
        LOGGER.warning(
            "OCR: could not install %s (%s); meters are read with numpy",
            ONNXRUNTIME_REQUIREMENT,
            err,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            INSTALL_ISSUE,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=INSTALL_ISSUE,
            translation_placeholders={"requirement": ONNXRUNTIME_REQUIREMENT},
        )
        return False
    ir.async_delete_issue(hass, DOMAIN, INSTALL_ISSUE)
    LOGGER.info(
        "OCR: %s installed; OCR meters use it from their next reload",
        ONNXRUNTIME_REQUIREMENT,
    )
    return True
