"""Sungrow telemetry polls: batched blocks vs one request per register.

Runs the Sungrow simulator (an SH10RT) on 127.0.0.1 and polls its telemetry
with the engine's block planner and, in the same run, with one request per map
entry (the baseline), for the LAN-port and WiNet-S pacing profiles: `lan` /
`winet` poll the registers of the entities enabled by default (the everyday
set), `lan_full` / `winet_full` every register of the model (every entity
enabled). Prints the figures and ends with one line of JSON.

    .venv/bin/python -m bench.modbus_poll [--polls N]
"""

import argparse
import asyncio
import json
import statistics
import time

from custom_components.energy_hub.modbus.client import ModbusDeviceClient
from custom_components.energy_hub.modbus.registers import Register
from custom_components.energy_hub.sungrow.entities import SENSORS
from custom_components.energy_hub.sungrow.inverter import CLIENT_SETTINGS, Connection
from custom_components.energy_hub.sungrow.registers import (
    SETTINGS,
    entity_registers,
    model_series,
    telemetry_for,
)
from simulators.modbus import SungrowSimulator

_SERIES = model_series(SungrowSimulator.device_type)
FULL = telemetry_for(_SERIES)
DEFAULT = telemetry_for(
    _SERIES,
    {
        key
        for sensor in SENSORS
        if sensor.entity_registry_enabled_default
        for key in entity_registers(sensor.key)
    },
)


async def _poll_batched(
    client: ModbusDeviceClient, registers: tuple[Register, ...]
) -> tuple[int, float]:
    start = time.perf_counter()
    result = await client.read(registers)
    return result.requests, time.perf_counter() - start


async def _poll_per_register(
    client: ModbusDeviceClient, registers: tuple[Register, ...]
) -> tuple[int, float]:
    start = time.perf_counter()
    before = client.requests
    for register in registers:
        await client.read([register])
    return client.requests - before, time.perf_counter() - start


async def _measure(
    connection: Connection, polls: int, registers: tuple[Register, ...]
) -> dict[str, float]:
    simulator = SungrowSimulator()
    await simulator.start()
    client = ModbusDeviceClient(
        simulator.host, simulator.port, 1, CLIENT_SETTINGS[connection]
    )
    try:
        await client.read(registers)  # connect and warm up
        figures: dict[str, list[tuple[int, float]]] = {"batched": [], "baseline": []}
        for _ in range(polls):  # interleaved, so both see the same conditions
            figures["batched"].append(await _poll_batched(client, registers))
            figures["baseline"].append(await _poll_per_register(client, registers))
        settings_requests = (await client.read(SETTINGS)).requests
        served = simulator.requests
    finally:
        await client.close()
        await simulator.stop()
    batched_requests = statistics.mean(r for r, _ in figures["batched"])
    baseline_requests = statistics.mean(r for r, _ in figures["baseline"])
    batched_ms = statistics.median(t for _, t in figures["batched"]) * 1000
    baseline_ms = statistics.median(t for _, t in figures["baseline"]) * 1000
    return {
        "map_entries": len(registers),
        "requests_per_poll": batched_requests,
        "baseline_requests_per_poll": baseline_requests,
        "request_ratio": baseline_requests / batched_requests,
        "poll_ms_median": round(batched_ms, 2),
        "baseline_poll_ms_median": round(baseline_ms, 2),
        "time_ratio": round(baseline_ms / batched_ms, 2),
        "settings_requests": settings_requests,
        "simulator_requests_served": served,
    }


async def _main(polls: int) -> dict[str, object]:
    results: dict[str, object] = {"polls": polls}
    for suffix, registers in (("", DEFAULT), ("_full", FULL)):
        for connection in Connection:
            await _report(results, connection, suffix, registers, polls)
    return results


async def _report(
    results: dict[str, object],
    connection: Connection,
    suffix: str,
    registers: tuple[Register, ...],
    polls: int,
) -> None:
    figures = await _measure(connection, polls, registers)
    name = f"{connection.value}{suffix}"
    results[name] = figures
    print(
        f"{name:10}: {figures['map_entries']} map entries; "
        f"batched {figures['requests_per_poll']:.0f} requests/poll, "
        f"{figures['poll_ms_median']:.1f} ms median; "
        f"baseline {figures['baseline_requests_per_poll']:.0f} requests/poll, "
        f"{figures['baseline_poll_ms_median']:.1f} ms median; "
        f"{figures['request_ratio']:.1f}x fewer requests, "
        f"{figures['time_ratio']:.1f}x faster; "
        f"settings poll (separate cycle) {figures['settings_requests']} requests"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_main(args.polls))))


if __name__ == "__main__":
    main()
