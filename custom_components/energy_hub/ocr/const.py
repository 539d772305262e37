"""Settings keys, defaults and limits of the OCR meter source."""

from enum import StrEnum
from typing import Final

# Entry data: where the photos come from and what the meter counts.
CONF_CAMERA: Final = "camera_entity"
CONF_IMAGE_URL: Final = "image_url"
CONF_METER_KIND: Final = "meter_kind"

# Entry options (the options flow changes them): the digit window in photo
# pixels, how to read it, and how often (`poll_interval`, seconds).
CONF_WINDOW_X: Final = "window_x"
CONF_WINDOW_Y: Final = "window_y"
CONF_WINDOW_WIDTH: Final = "window_width"
CONF_WINDOW_HEIGHT: Final = "window_height"
CONF_DIGITS: Final = "digits"
CONF_DECIMALS: Final = "decimals"
CONF_DISPLAY: Final = "display"
CONF_COUNTER_MAX: Final = "counter_max"
CONF_MAX_RATE: Final = "max_rate"
CONF_CROSS_CHECK_ENTITY: Final = "cross_check_entity"
CONF_CROSS_CHECK_MARGIN: Final = "cross_check_margin"
CONF_KEEP_CROPS: Final = "keep_crops"

# Service fields.
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_VALUE: Final = "value"

SERVICE_READ_METER: Final = "read_meter"
SERVICE_SET_METER_VALUE: Final = "set_meter_value"


class MeterKind(StrEnum):
    """What the meter counts; decides unit and device class."""

    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"


class Display(StrEnum):
    """How the counter shows its digits: drums roll between two numbers, LCDs do not."""

    DRUMS = "drums"
    LCD = "lcd"


DEFAULT_POLL_INTERVAL_S: Final = 15 * 60
MIN_POLL_INTERVAL_S: Final = 60
MAX_POLL_INTERVAL_S: Final = 24 * 3600
DEFAULT_DIGITS: Final = 8
DEFAULT_DECIMALS: Final = 1
# Largest plausible use per hour, in the meter's unit (kWh/h = average kW, m³/h).
DEFAULT_MAX_RATE: Final = {
    MeterKind.ELECTRICITY: 25.0,
    MeterKind.GAS: 10.0,
    MeterKind.WATER: 3.0,
}
# The proposed window before the user moves it: the middle of the photo.
DEFAULT_WINDOW_FRACTION: Final = (0.25, 0.4, 0.5, 0.2)
# Tolerance between the meter's increase and the cross-check source's, in the
# meter's unit.
DEFAULT_CROSS_CHECK_MARGIN: Final = 0.5

# Frames per reading and the pause between them (the pipeline votes per digit
# over the frames that differ).
BURST_FRAMES: Final = 3
BURST_PAUSE_S: Final = 0.5
# A camera answering more slowly than this counts as away for this reading.
CAPTURE_TIMEOUT_S: Final = 20.0
# Kept low-confidence crops: at most this many files, oldest deleted first.
MAX_KEPT_CROPS: Final = 200
# A digit below this confidence is kept (when the option is on).
KEEP_CROP_BELOW: Final = 0.9

# Version of the meter's Store (`energy_hub.ocr.<entry id>`).
STORE_VERSION: Final = 1

# The preview of the config and options flows, served signed by flow id.
PREVIEW_URL: Final = "/api/energy_hub/ocr_preview/{flow_id}"
PREVIEW_VALID_S: Final = 600

# onnxruntime, installed on demand where PyPI has a wheel for the platform.
ONNXRUNTIME_REQUIREMENT: Final = "onnxruntime==1.32.0"
