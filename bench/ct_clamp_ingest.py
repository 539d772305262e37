"""CT clamp posts: validation + integration cost, and integration accuracy over a day.

Cost: validating and integrating one board post (`parse_post` + `CtBoard.accept`),
against the baseline of decoding its JSON alone, measured in the same run.
Accuracy: a day of posts at 60 s with 10 % drops and 5 % duplicates, integrated
trapezoidally by `CtBoard`, against the analytic integral of the simulator's
profile; the baseline is a left-rectangle (sample-and-hold) integration of the
same posts. Prints figures, then one line of JSON.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.energy_hub.ct_clamp.model import (
    ChannelConfig,
    ChannelRole,
    CtBoard,
    parse_post,
)
from simulators.ct_board import CtBoardSimulator

T0 = 1_795_392_000.0  # a midnight UTC
VOLTS_PF = 230.0 * 0.95


def make_board() -> CtBoard:
    return CtBoard.create(
        [
            ChannelConfig("line_A", "Mains", ChannelRole.GRID),
            ChannelConfig("line_B", "Solar", ChannelRole.SOLAR),
        ],
        voltage=230.0,
        power_factor=0.95,
        max_gap_s=300.0,
    )


def best_of(runs: int, func: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    simulator = CtBoardSimulator()
    simulator.faults.extra.update(drop_rate=0.1, duplicate_rate=0.05)
    posts = simulator.planned_posts(T0, 1440, 60.0)
    raw = [json.dumps(post).encode() for post in posts]

    def decode_only() -> None:
        for body in raw:
            json.loads(body)

    def decode_validate_integrate() -> None:
        board = make_board()
        for body in raw:
            post = parse_post(json.loads(body), board.channels, post_time(body))
            board.accept(post)

    stamps = {body: json.loads(body)["timestamp"] + 1 for body in raw}

    def post_time(body: bytes) -> float:
        return stamps[body]

    baseline_s = best_of(5, decode_only)
    full_s = best_of(5, decode_validate_integrate)
    per_post_us = full_s / len(raw) * 1e6

    board = make_board()
    held = {"line_A": 0.0, "line_B": 0.0}
    last_t: float | None = None
    last_current: dict[str, float] = {}
    for post in posts:
        parsed = parse_post(post, board.channels, post["timestamp"] + 1)
        if not board.accept(parsed):
            continue
        if last_t is not None:
            for channel in held:
                held[channel] += (
                    last_current[channel]
                    * VOLTS_PF
                    * (parsed.timestamp - last_t)
                    / 3.6e6
                )
        last_t = parsed.timestamp
        last_current = dict(parsed.currents)
    first, final = posts[0]["timestamp"], posts[-1]["timestamp"]
    errors = {}
    for channel, profile in simulator.profiles.items():
        analytic = VOLTS_PF * profile.charge(first, final) / 3.6e6
        errors[channel] = {
            "analytic_kwh": analytic,
            "trapezoid_rel_error": abs(board.channel_energy_kwh[channel] - analytic)
            / analytic,
            "rectangle_rel_error": abs(held[channel] - analytic) / analytic,
        }
    worst_trap = max(e["trapezoid_rel_error"] for e in errors.values())
    worst_rect = max(e["rectangle_rel_error"] for e in errors.values())

    print(
        f"posts replayed: {len(raw)} ({len(raw) - len(set(raw))} duplicates), gaps: {board.device.gaps}"
    )
    print(f"decode only (baseline): {baseline_s * 1e3:.2f} ms for the day")
    print(
        f"decode + validate + integrate: {full_s * 1e3:.2f} ms ({per_post_us:.1f} µs/post, "
        f"{full_s / baseline_s:.1f}x the baseline)"
    )
    for channel, figures in errors.items():
        print(
            f"{channel}: analytic {figures['analytic_kwh']:.3f} kWh, trapezoid error "
            f"{figures['trapezoid_rel_error']:.2e}, rectangle error {figures['rectangle_rel_error']:.2e}"
        )
    print(
        json.dumps(
            {
                "bench": "ct_clamp_ingest",
                "posts": len(raw),
                "baseline_decode_ms": round(baseline_s * 1e3, 3),
                "validate_integrate_ms": round(full_s * 1e3, 3),
                "per_post_us": round(per_post_us, 2),
                "cost_ratio_vs_decode": round(full_s / baseline_s, 2),
                "trapezoid_worst_rel_error": worst_trap,
                "rectangle_worst_rel_error": worst_rect,
                "accuracy_gain_vs_rectangle": round(worst_rect / worst_trap, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
