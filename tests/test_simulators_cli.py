"""`python -m simulators` runs simulators by hand on 127.0.0.1."""

from __future__ import annotations

import io
from pathlib import Path
import signal
import subprocess
import sys
import urllib.request

from PIL import Image
import pytest

from simulators.registry import SIMULATORS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: no Home Assistant needed here."""


def test_without_a_name_it_lists_the_simulators() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "simulators"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert run.stdout.strip() == "simulators: " + ", ".join(SIMULATORS)


def test_an_unknown_name_is_refused() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "simulators", "toaster"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "unknown simulator(s): toaster" in run.stderr


def test_a_named_simulator_serves_until_ctrl_c(socket_enabled: None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "simulators", "p1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("p1: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/api", timeout=10) as response:  # noqa: S310
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_meter_camera_serves_jpeg_snapshots(socket_enabled: None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "simulators", "meter_camera"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("meter_camera: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        frames = []
        for _ in range(2):
            with urllib.request.urlopen(f"{url}/snapshot.jpg", timeout=30) as response:  # noqa: S310
                assert response.status == 200
                assert response.headers["Content-Type"] == "image/jpeg"
                frames.append(response.read())
        # A 1280 x 720 JPEG each time, and no two alike (fresh sensor noise).
        for frame in frames:
            with Image.open(io.BytesIO(frame)) as image:
                assert (image.format, image.size) == ("JPEG", (1280, 720))
        assert frames[0] != frames[1]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
