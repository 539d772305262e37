"""`scripts/develop` (the main job) brings up Home Assistant with Energy Hub.

Runs the real script headless on a free port with a throw-away config dir:
simulators, `hass`, onboarding, config flows over REST, Energy dashboard.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time

import pytest

from simulators.registry import SIMULATORS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = [sys.executable, str(ROOT / "scripts" / "develop.py")]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: these tests start their own Home Assistant."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _demo_entry_count() -> int:
    return sum(len(cls().demo_entries()) for cls in SIMULATORS.values())


def test_develop_check_brings_up_every_source(
    tmp_path: Path, socket_enabled: None
) -> None:
    port = _free_port()
    run = subprocess.run(
        [*SCRIPT, "--config", str(tmp_path), "--port", str(port), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-2])
    assert summary["ok"], summary
    assert summary["entries"] == _demo_entry_count()
    assert len(summary["loaded"]) == summary["entries"]
    if summary["entries"]:
        assert summary["live_entities"] > 0
        assert "grid" in summary["energy_sources"]
    assert not _port_open(port), "Home Assistant still running after --check"
    assert (tmp_path / "custom_components").is_symlink()


def test_develop_stops_everything_on_ctrl_c(
    tmp_path: Path, socket_enabled: None
) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*SCRIPT, "--config", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 300
        for line in process.stdout:
            if "ready in" in line or time.monotonic() > deadline:
                break
        assert _port_open(port)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert not _port_open(port), "Home Assistant left running after Ctrl-C"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
