"""OCR meter: HA-free digit reading pipeline for photos of utility meters.

A camera looks at a mechanical counter (rolling drums) or a seven-segment LCD;
the pipeline finds the digit window, cuts one cell per digit and classifies
each with a small CNN that runs on numpy alone (onnxruntime where installed).
"""
