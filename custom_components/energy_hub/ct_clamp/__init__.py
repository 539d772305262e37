"""CT clamp source: ESP32 boards post clamp currents to a Home Assistant webhook."""
