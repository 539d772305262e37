"""One full Powerwall poll: Energy Hub's pooled session vs a connection per call.

Runs the gateway simulator (HTTPS) on 127.0.0.1 and times `PowerwallGateway.read()`
(seven endpoints over one kept-alive TLS session, as every entry polls) against
the baseline measured in the same run: unmodified pypowerwall reading the same
seven endpoints with connection re-use switched off (`poolmaxsize=0`), i.e. a
TLS handshake per call. Prints the figures and ends with one line of JSON.

    .venv/bin/python -m bench.powerwall_poll [--polls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import statistics
import tempfile
import time

import pypowerwall

from custom_components.energy_hub.powerwall.gateway import PowerwallGateway
from simulators.powerwall import PASSWORD, PowerwallGatewaySimulator

LIVE_ENDPOINTS = (
    "/api/meters/aggregates",
    "/api/sitemaster",
    "/api/system_status/soe",
    "/api/system_status",
    "/api/system_status/grid_status",
    "/api/operation",
    "/api/meters/site",
)


def _time_polls(poll: object, polls: int) -> list[float]:
    timings = []
    for _ in range(polls):
        start = time.perf_counter()
        poll()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return timings


def _pooled(address: str, cache: Path, polls: int) -> list[float]:
    gateway = PowerwallGateway(address, PASSWORD, email=None, cache_dir=cache)
    gateway.connect()
    try:
        return _time_polls(gateway.read, polls)
    finally:
        gateway.close()


def _per_call(address: str, cache: Path, polls: int) -> list[float]:
    powerwall = pypowerwall.Powerwall(
        host=address,
        password=PASSWORD,
        cachefile=str(cache / "baseline.json"),
        failover=False,
        pwcacheexpire=0,
        poolmaxsize=0,
    )

    def read_all() -> None:
        for api in LIVE_ENDPOINTS:
            if powerwall.poll(api, force=True) is None:
                raise RuntimeError(f"no answer from {api}")

    read_all()  # log in first, as the pooled client's connect() does
    return _time_polls(read_all, polls)


async def _main(polls: int) -> dict[str, float]:
    simulator = await PowerwallGatewaySimulator().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            cache = Path(folder)
            pooled = await asyncio.to_thread(_pooled, simulator.address, cache, polls)
            per_call = await asyncio.to_thread(
                _per_call, simulator.address, cache, polls
            )
    finally:
        await simulator.stop()
    pooled_ms = statistics.median(pooled) * 1000
    per_call_ms = statistics.median(per_call) * 1000
    return {
        "polls": polls,
        "endpoints_per_poll": len(LIVE_ENDPOINTS),
        "pooled_median_ms": round(pooled_ms, 2),
        "per_call_tls_median_ms": round(per_call_ms, 2),
        "speedup": round(per_call_ms / pooled_ms, 2),
        "logins": simulator.logins,
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(_main(args.polls))
    print(
        f"full poll ({result['endpoints_per_poll']} endpoints), median of {args.polls}:"
    )
    print(f"  Energy Hub, one kept-alive session: {result['pooled_median_ms']:.2f} ms")
    print(
        f"  baseline, TLS connection per call:  {result['per_call_tls_median_ms']:.2f} ms"
    )
    print(f"  speed-up: {result['speedup']:.2f}x; logins: {result['logins']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
