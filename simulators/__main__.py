"""Run simulators by hand: `python -m simulators [NAME ...] [--port N]`.

With no name, lists the simulators. Each runs on 127.0.0.1 until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .registry import SIMULATORS


async def _run(names: list[str], port: int) -> None:
    running = []
    try:
        for offset, name in enumerate(names):
            simulator = SIMULATORS[name]()
            await simulator.start(port + offset if port else 0)
            running.append(simulator)
            print(f"{name}: {getattr(simulator, 'url', simulator.address)}", flush=True)
        await asyncio.Event().wait()
    finally:
        for simulator in running:
            await simulator.stop()


def main() -> None:
    """Parse the command line and run the named simulators."""
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument(
        "--port", type=int, default=0, help="first port (default: free)"
    )
    args = parser.parse_args()
    if not args.names:
        print("simulators:", ", ".join(SIMULATORS) or "(none yet)")
        return
    if unknown := [name for name in args.names if name not in SIMULATORS]:
        parser.error(f"unknown simulator(s): {', '.join(unknown)}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args.names, args.port))


if __name__ == "__main__":
    main()
