"""Actions of OCR meters: read one now, or set its value from the meter's face."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from ..const import CONF_SOURCE, DOMAIN, SourceKind
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_VALUE,
    SERVICE_READ_METER,
    SERVICE_SET_METER_VALUE,
)
from .coordinator import OcrCoordinator
from .source import OcrSource

READ_METER_SCHEMA = probatio.Schema(
    {probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
)
SET_METER_VALUE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_VALUE): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0)
        ),
    }
)


def _coordinator(hass: HomeAssistant, call: ServiceCall) -> OcrCoordinator:
    """The coordinator of the OCR meter the call names."""
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_SOURCE) != SourceKind.OCR
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ocr_not_an_ocr_meter",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED or not isinstance(
        entry.runtime_data, OcrSource
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ocr_meter_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry.runtime_data.coordinator


async def _async_read_meter(call: ServiceCall) -> ServiceResponse:
    """Read the meter now; the reading (None when rejected) with its digits."""
    data = await _coordinator(call.hass, call).async_read_now()
    read = data.new_value is not None
    return {
        "reading": data.new_value,
        "total": data.value,
        "raw": data.raw if read else None,
        "digits": list(data.digits) if read else [],
        "confidences": [round(c, 4) for c in data.confidences] if read else [],
        "rejection": data.rejection,
    }


async def _async_set_meter_value(call: ServiceCall) -> None:
    """Take the value the user read off the meter."""
    await _coordinator(call.hass, call).async_set_value(call.data[ATTR_VALUE])


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the OCR meters' actions (once, from the integration's set-up)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_READ_METER,
        _async_read_meter,
        schema=READ_METER_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_METER_VALUE,
        _async_set_meter_value,
        schema=SET_METER_VALUE_SCHEMA,
    )
