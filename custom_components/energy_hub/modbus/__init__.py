"""Modbus register-map engine; Home-Assistant-free.

A register map is data (`Register`); the planner batches it into block reads,
the codec decodes and encodes values, and `ModbusDeviceClient` talks to one
device over one TCP connection.
"""
