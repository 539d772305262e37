"""Whether PyPI has an `onnxruntime` wheel for this machine; Home-Assistant-free.

Energy Hub installs `onnxruntime` only where a prebuilt wheel exists, so the
install never builds from source: glibc 2.28 or later (`manylinux_2_28`),
x86_64 or aarch64, and a CPython the pinned release was built for. Home
Assistant OS and the Container image are Alpine (musl): no wheel there, the
numpy backend runs.
"""

from dataclasses import dataclass
from pathlib import Path
import platform
import sys

# CPython versions with `manylinux_2_28` wheels of the pinned onnxruntime
# (1.32.0: cp311 to cp314 on x86_64 and aarch64; checked with `pip download
# --only-binary=:all: --platform manylinux_2_28_<arch> --python-version …`).
WHEEL_PYTHONS = frozenset({(3, 11), (3, 12), (3, 13), (3, 14)})
WHEEL_MACHINES = frozenset({"x86_64", "aarch64"})
# Other spellings of the same machines (`platform.machine()` on some systems).
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}
MIN_GLIBC = (2, 28)


@dataclass(frozen=True, slots=True)
class PlatformInfo:
    """What decides whether a wheel fits: C library, machine and Python."""

    libc: str  # "glibc", "musl" or "" (unknown)
    libc_version: tuple[int, int] | None
    machine: str
    python: tuple[int, int]
    os: str = "Linux"


def _version(text: str) -> tuple[int, int] | None:
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except IndexError, ValueError:
        return None


def current_platform() -> PlatformInfo:
    """Describe the machine Home Assistant runs on."""
    name, version = platform.libc_ver()
    if name == "glibc":
        libc, libc_version = "glibc", _version(version)
    elif any(Path("/lib").glob("ld-musl-*")):
        libc, libc_version = "musl", None
    else:
        libc, libc_version = "", None
    return PlatformInfo(
        libc=libc,
        libc_version=libc_version,
        machine=platform.machine(),
        python=(sys.version_info.major, sys.version_info.minor),
        os=platform.system(),
    )


def onnxruntime_wheel_available(info: PlatformInfo) -> bool:
    """Whether the pinned onnxruntime has a `manylinux_2_28` wheel for `info`."""
    machine = _MACHINE_ALIASES.get(info.machine.lower(), info.machine.lower())
    return (
        info.os == "Linux"
        and info.libc == "glibc"
        and info.libc_version is not None
        and info.libc_version >= MIN_GLIBC
        and machine in WHEEL_MACHINES
        and info.python in WHEEL_PYTHONS
    )
