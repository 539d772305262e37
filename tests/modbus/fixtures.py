"""The Modbus simulators on 127.0.0.1, as fixtures for every Modbus test folder.

Each folder's conftest imports the fixtures it needs from here (tests/modbus,
tests/sungrow, tests/modbus_meter), so they are defined once.
"""

from collections.abc import AsyncGenerator

import pytest

from simulators.modbus import MeterSimulator, SungrowSimulator


@pytest.fixture
async def sungrow(loopback: None) -> AsyncGenerator[SungrowSimulator]:
    """A Sungrow SH10RT simulator at midday, time running 600x faster."""
    simulator = SungrowSimulator()
    simulator.hour = 12.0
    simulator.time_scale = 600.0
    # The first moment was made at the real time of day: remake it at midday.
    simulator.advance(force=True)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def meters(loopback: None) -> AsyncGenerator[MeterSimulator]:
    """ABB B23 (unit 1) and Schneider iEM3155 (unit 2) behind one gateway."""
    simulator = MeterSimulator()
    await simulator.start()
    yield simulator
    await simulator.stop()
