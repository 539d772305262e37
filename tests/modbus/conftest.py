"""Fixtures of the Modbus tests: the simulators on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from simulators.modbus import MeterSimulator, SungrowSimulator


@pytest.fixture
async def sungrow(loopback: None) -> AsyncGenerator[SungrowSimulator]:
    """A Sungrow SH10RT simulator at midday, time running 600x faster."""
    simulator = SungrowSimulator()
    simulator.hour = 12.0
    simulator.time_scale = 600.0
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
