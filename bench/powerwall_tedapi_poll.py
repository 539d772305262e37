"""One Powerwall 3 poll through TEDAPI: Energy Hub's one-snapshot poll vs forced calls.

Runs the Powerwall 3 simulator (HTTPS, TEDAPI protobuf) on 127.0.0.1 and times
`PowerwallGateway.read()` in TEDAPI mode (pypowerwall's answers reused within
one poll, dropped before the next) against the baseline measured in the same
run: unmodified pypowerwall in TEDAPI mode reading the same endpoints with
`force=True` each, as the local mode polls. Counts the requests that reach the
gateway per poll too. Prints the figures and ends with one line of JSON.

    .venv/bin/python -m bench.powerwall_tedapi_poll [--polls N]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import json
import os
from pathlib import Path
import statistics
import tempfile
import time

import pypowerwall

from custom_components.energy_hub.powerwall.gateway import PowerwallGateway
from simulators.powerwall_tedapi import PowerwallTedapiSimulator

ENDPOINTS = (
    "/api/meters/aggregates",
    "/api/system_status/soe",
    "/api/system_status/grid_status",
    "/api/operation",
)


def _time_polls(
    poll: Callable[[], object], polls: int, requests: list[str]
) -> tuple[list[float], float]:
    timings = []
    before = len(requests)
    for _ in range(polls):
        start = time.perf_counter()
        poll()
        timings.append(time.perf_counter() - start)
    return timings, (len(requests) - before) / polls


def _energy_hub(
    simulator: PowerwallTedapiSimulator, polls: int
) -> tuple[list[float], float]:
    gateway = PowerwallGateway(
        simulator.address,
        simulator.wifi_password,
        email=None,
        cache_dir=Path(tempfile.gettempdir()),
        tedapi=True,
    )
    gateway.connect()
    try:
        gateway.read()  # the local API login, once
        return _time_polls(gateway.read, polls, simulator.requests)
    finally:
        gateway.close()


def _forced(
    simulator: PowerwallTedapiSimulator, polls: int
) -> tuple[list[float], float]:
    powerwall = pypowerwall.Powerwall(
        host=simulator.address,
        password="",
        gw_pwd=simulator.wifi_password,
        failover=False,
        pwcacheexpire=0,
        poolmaxsize=0,
    )

    def read_all() -> None:
        for api in ENDPOINTS:
            if powerwall.poll(api, force=True) is None:
                raise RuntimeError(f"no answer from {api}")
        powerwall.client.tedapi.get_status(force=True)

    read_all()
    return _time_polls(read_all, polls, simulator.requests)


async def _main(polls: int) -> dict[str, float]:
    simulator = await PowerwallTedapiSimulator().start()
    try:
        ours, ours_requests = await asyncio.to_thread(_energy_hub, simulator, polls)
        forced, forced_requests = await asyncio.to_thread(_forced, simulator, polls)
    finally:
        await simulator.stop()
    ours_ms = statistics.median(ours) * 1000
    forced_ms = statistics.median(forced) * 1000
    return {
        "polls": polls,
        "energy_hub_median_ms": round(ours_ms, 2),
        "forced_median_ms": round(forced_ms, 2),
        "speedup": round(forced_ms / ours_ms, 2),
        "energy_hub_requests_per_poll": round(ours_requests, 2),
        "forced_requests_per_poll": round(forced_requests, 2),
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=30)
    args = parser.parse_args()
    # pypowerwall's TEDAPI sessions turn certificate checks off on the session,
    # which a CA bundle named in the environment overrides.
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(variable, None)
    result = asyncio.run(_main(args.polls))
    print(f"Powerwall 3 poll through TEDAPI, median of {args.polls}:")
    print(
        f"  Energy Hub, one snapshot a poll: {result['energy_hub_median_ms']:.2f} ms,"
        f" {result['energy_hub_requests_per_poll']:.1f} requests"
    )
    print(
        f"  baseline, every call forced:     {result['forced_median_ms']:.2f} ms,"
        f" {result['forced_requests_per_poll']:.1f} requests"
    )
    print(f"  speed-up: {result['speedup']:.2f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
