"""Sungrow SH hybrid inverter source (Modbus TCP through WiNet-S or LAN)."""
