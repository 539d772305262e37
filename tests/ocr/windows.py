"""The pipeline's `Window` for a simulated meter's digit window."""

from custom_components.energy_hub.ocr.window import Window
from simulators.meter_photos import Meter


def pipeline_window(meter: Meter) -> Window:
    """The window a user would draw on `meter`'s reference photo."""
    geometry = meter.reference_window()
    return Window(
        x=geometry.x,
        y=geometry.y,
        width=geometry.width,
        height=geometry.height,
        digits=geometry.digits,
        corners=geometry.corners,
    )
