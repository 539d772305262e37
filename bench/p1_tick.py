"""CPU cost of one P1 meter tick (a poll) in a real Home Assistant.

Runs the P1 meter simulator in a separate process (so its CPU is not counted)
and, in this process, a Home Assistant with an Energy Hub P1 entry. One tick
is what happens at every poll (every 5 s by default, every second at the
fastest poll interval the options offer): the coordinator's
fetch (HTTP request, parsing, capacity tariff, gas/water bookkeeping) and the
state writes of every enabled entity (each writes every tick; the figure
"state changes" counts those Home Assistant published as changed, the meter's
load moving at every reading). The baseline, measured in the same run
against the same simulator, is the library's raw `measurement()` call alone.
Prints the figures and ends with one line of JSON.

    .venv/bin/python -m bench.p1_tick [--ticks N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from homeassistant import loader
from homeassistant.core import Event, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homewizard_energy import HomeWizardEnergyV1
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

REPO = Path(__file__).resolve().parent.parent
# The meter in its own process, with a load that changes every second.
SIMULATOR = """
import asyncio
from simulators.p1 import P1MeterSimulator

async def main():
    await P1MeterSimulator(live_load=True).start({port})
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for_port(port: int) -> None:
    for _ in range(100):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("P1 simulator did not start")


async def _cpu_per_call(calls: int, func: object) -> tuple[float, float]:
    """CPU seconds and wall seconds per awaited call, after a short warm-up."""
    for _ in range(20):
        await func()  # type: ignore[operator]
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        await func()  # type: ignore[operator]
    return (
        (time.process_time() - cpu) / calls,
        (time.perf_counter() - wall) / calls,
    )


async def _run(ticks: int, address: str, config_dir: str) -> dict[str, float]:
    async with async_test_home_assistant(config_dir=config_dir) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow energy_hub
        entry = MockConfigEntry(
            domain="energy_hub",
            title="P1 meter",
            data={"source": "homewizard", "host": address, "api_version": "v1"},
            # Ticks are driven below, back to back; no timer of its own.
            options={"poll_interval": 3600},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator = entry.runtime_data.coordinator
        writes = 0

        @callback
        def _count(event: Event) -> None:
            nonlocal writes
            writes += 1

        hass.bus.async_listen("state_changed", _count)
        library = HomeWizardEnergyV1(
            address, clientsession=async_get_clientsession(hass)
        )

        # Interleave rounds so both see the same conditions; keep the median.
        rounds = 5
        tick_cpu, tick_wall, base_cpu, base_wall = [], [], [], []
        for _ in range(rounds):
            cpu, wall = await _cpu_per_call(ticks // rounds, library.measurement)
            base_cpu.append(cpu)
            base_wall.append(wall)
            writes_before = writes
            cpu, wall = await _cpu_per_call(ticks // rounds, coordinator.async_refresh)
            tick_cpu.append(cpu)
            tick_wall.append(wall)
            writes_per_tick = (writes - writes_before) / (ticks // rounds + 20)
        entities = len(hass.states.async_entity_ids())
        assert coordinator.last_update_success
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_stop(force=True)
        return {
            "tick_cpu_us": statistics.median(tick_cpu) * 1e6,
            "tick_wall_us": statistics.median(tick_wall) * 1e6,
            "baseline_cpu_us": statistics.median(base_cpu) * 1e6,
            "baseline_wall_us": statistics.median(base_wall) * 1e6,
            "entities": entities,
            "state_changes_per_tick": writes_per_tick,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ticks", type=int, default=600)
    args = parser.parse_args()
    port = _free_port()
    simulator = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SIMULATOR.format(port=port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    try:
        asyncio.run(_wait_for_port(port))
        with tempfile.TemporaryDirectory(prefix="p1-bench-") as config_dir:
            figures = asyncio.run(_run(args.ticks, f"127.0.0.1:{port}", config_dir))
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    tick = figures["tick_cpu_us"]
    base = figures["baseline_cpu_us"]
    core_pct = tick / 1e6 * 100  # one tick per second
    print(
        f"ticks measured:            {args.ticks} (+ warm-up), entities {figures['entities']:.0f}"
    )
    print(f"state changes per tick:    {figures['state_changes_per_tick']:.1f}")
    print(
        f"tick (fetch + states):     {tick:8.0f} us CPU, {figures['tick_wall_us']:8.0f} us wall"
    )
    print(
        f"baseline (library fetch):  {base:8.0f} us CPU, {figures['baseline_wall_us']:8.0f} us wall"
    )
    print(f"tick / baseline CPU:       {tick / base:.2f}x")
    print(f"one core at 1 tick/s:      {core_pct:.3f} %  (target < 1 %)")
    print(
        json.dumps(
            {
                "bench": "p1_tick",
                "ticks": args.ticks,
                "tick_cpu_us": round(tick, 1),
                "baseline_library_fetch_cpu_us": round(base, 1),
                "ratio_vs_baseline": round(tick / base, 2),
                "core_pct_at_1hz": round(core_pct, 3),
                "state_changes_per_tick": round(figures["state_changes_per_tick"], 1),
                "entities": figures["entities"],
            }
        )
    )


if __name__ == "__main__":
    main()
