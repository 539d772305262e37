"""Modbus register-map engine, and the glue both Modbus sources share.

The engine is Home-Assistant-free: a register map is data (`registers`), the
planner batches it into block reads (`planner`), and `ModbusDeviceClient`
talks to one device over one TCP connection (`client`). `source`
(coordinator and source bases) and `entities` (sensor descriptions of one
register) are the Home Assistant side the Sungrow and Modbus-meter sources
share; they are the only modules here that import Home Assistant.
"""
