"""Modbus energy meter source: ABB B23, Schneider iEM3000 or a user-defined map."""
