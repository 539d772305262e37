"""Tesla Powerwall source: local gateway telemetry, control through NetZero or FleetAPI."""
