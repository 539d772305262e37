"""scripts/check-wheels against a package index on 127.0.0.1 (PEP 503, fake wheels)."""

from collections.abc import Generator
import functools
import http.server
import json
from pathlib import Path
import runpy
import socket
import subprocess
import sys
import threading
from typing import Any, override
import zipfile

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check-wheels"
ALL_PLATFORMS = (
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    "manylinux_2_28_x86_64",
    "manylinux_2_28_aarch64",
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: the script runs on its own."""


def _wheel(directory: Path, name: str, version: str, tag: str) -> str:
    """A minimal valid wheel (pip reads its metadata after downloading it)."""
    filename = f"{name}-{version}-{tag}.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(directory / filename, "w") as wheel:
        wheel.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        )
        wheel.writestr(
            f"{info}/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n",
        )
        wheel.writestr(f"{info}/RECORD", "")
    return filename


@pytest.fixture
def index(tmp_path: Path, loopback: None) -> Generator[str]:
    """A simple index: `fullpkg` (every platform), `glibconly` (no musl), `purepkg`."""
    root = tmp_path / "index"
    files = root / "files"
    files.mkdir(parents=True)
    packages = {
        "fullpkg": [f"cp314-cp314-{platform}" for platform in ALL_PLATFORMS],
        "glibconly": [
            "cp314-cp314-manylinux_2_28_x86_64",
            "cp314-cp314-manylinux_2_28_aarch64",
        ],
        "purepkg": ["py3-none-any"],
    }
    for name, tags in packages.items():
        page = root / "simple" / name
        page.mkdir(parents=True)
        links = "".join(
            f'<a href="../../files/{_wheel(files, name, "1.0", tag)}">x</a>\n'
            for tag in tags
        )
        (page / "index.html").write_text(f"<html><body>{links}</body></html>")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    @override
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


def _run(
    tmp_path: Path, requirements: list[str], index_url: str
) -> subprocess.CompletedProcess[str]:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"domain": "x", "requirements": requirements}))
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--manifest",
            str(manifest),
            "--index-url",
            index_url,
            "--timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_wheels_everywhere_pass(tmp_path: Path, index: str) -> None:
    done = _run(tmp_path, ["fullpkg==1.0", "purepkg==1.0"], index)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 requirements have wheels" in done.stdout
    assert "cp3.14" not in done.stdout
    assert "CPython 3.14" in done.stdout


def test_missing_musl_wheel_fails_and_says_which(tmp_path: Path, index: str) -> None:
    done = _run(tmp_path, ["fullpkg==1.0", "glibconly==1.0"], index)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "glibconly==1.0: no wheel for musllinux_1_2_x86_64, cp3.14" in done.stdout
    assert "glibconly==1.0: no wheel for musllinux_1_2_aarch64, cp3.14" in done.stdout
    assert not any("fullpkg" in line for line in lines)
    assert not any("manylinux" in line for line in lines[1:])


def test_unreachable_index_passes_with_a_note(tmp_path: Path, loopback: None) -> None:
    # A port nothing listens on: bound, then closed.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _run(tmp_path, ["glibconly==1.0"], f"http://127.0.0.1:{port}/simple/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cannot be reached" in done.stdout
    assert "wheels not checked" in done.stdout


def test_python_version_comes_from_pyproject() -> None:
    namespace = runpy.run_path(str(SCRIPT), run_name="check_wheels")
    required_python = namespace["required_python"]
    assert callable(required_python)
    assert required_python() == "3.14"
