"""Fixtures of the Modbus engine tests: the simulators on 127.0.0.1."""

from tests.modbus.fixtures import meters, sungrow

__all__ = ["meters", "sungrow"]
