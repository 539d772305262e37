"""`python -m bench.agile_plan` runs end to end on a small price file."""

import datetime as dt
import json
import math
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "none_gbp",
    "baseline_gbp",
    "planner_gbp",
    "optimum_gbp",
    "capture",
    "plan_ms_median",
    "plan_ms_max",
    "days",
}


def write_prices(path: Path, start: dt.datetime, days: int) -> None:
    lines = ["valid_from_utc,valid_to_utc,value_inc_vat"]
    for index in range(days * 48):
        begin = start + index * dt.timedelta(minutes=30)
        end = begin + dt.timedelta(minutes=30)
        hour = begin.hour + begin.minute / 60
        value = 14 + 9 * math.sin(2 * math.pi * (hour - 11) / 24)
        if 16 <= hour < 19:
            value += 12
        if index % 97 == 5:
            value = -3.5
        lines.append(f"{begin:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ},{value:.4f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_benchmark_reports_every_strategy(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    write_prices(prices, dt.datetime(2021, 6, 1, tzinfo=dt.UTC), 5)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.agile_plan",
            "--prices",
            str(prices),
            "--from",
            "2021-06-02",
            "--to",
            "2021-06-03",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(figures) >= KEYS
    assert figures["days"] == 2
    assert figures["optimum_gbp"] <= figures["planner_gbp"] + 0.005
    assert figures["optimum_gbp"] <= figures["baseline_gbp"] + 0.005
    assert figures["planner_gbp"] < figures["none_gbp"]
    assert 0 < figures["capture"] <= 1.01
    assert figures["plan_ms_max"] >= figures["plan_ms_median"] > 0


def test_a_span_without_prices_is_refused(tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    write_prices(prices, dt.datetime(2021, 6, 1, tzinfo=dt.UTC), 2)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.agile_plan",
            "--prices",
            str(prices),
            "--from",
            "2021-06-01",
            "--to",
            "2021-06-05",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 2
    assert "no price" in run.stderr
