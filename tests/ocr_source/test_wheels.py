"""Which machines get onnxruntime installed: only where PyPI has a wheel."""

import pytest

from custom_components.energy_hub.ocr.wheels import (
    PlatformInfo,
    current_platform,
    onnxruntime_wheel_available,
)


@pytest.mark.parametrize(
    ("info", "available"),
    [
        # Debian/Ubuntu-based installs (HA Core in a venv, Supervised).
        (PlatformInfo("glibc", (2, 36), "x86_64", (3, 14)), True),
        (PlatformInfo("glibc", (2, 28), "aarch64", (3, 14)), True),
        (PlatformInfo("glibc", (2, 31), "AMD64", (3, 13)), True),
        (PlatformInfo("glibc", (2, 35), "arm64", (3, 14)), True),
        # Home Assistant OS and the Container image: Alpine, musl.
        (PlatformInfo("musl", None, "x86_64", (3, 14)), False),
        (PlatformInfo("musl", None, "aarch64", (3, 14)), False),
        # glibc too old for manylinux_2_28.
        (PlatformInfo("glibc", (2, 27), "x86_64", (3, 14)), False),
        (PlatformInfo("glibc", (2, 17), "aarch64", (3, 14)), False),
        # Machines without wheels: 32-bit ARM (Raspberry Pi OS 32-bit), i386.
        (PlatformInfo("glibc", (2, 36), "armv7l", (3, 14)), False),
        (PlatformInfo("glibc", (2, 36), "i686", (3, 14)), False),
        # A CPython the pinned release has no wheels for.
        (PlatformInfo("glibc", (2, 36), "x86_64", (3, 15)), False),
        # An unknown C library, or not Linux at all.
        (PlatformInfo("", None, "x86_64", (3, 14)), False),
        (PlatformInfo("glibc", (2, 36), "x86_64", (3, 14), os="Darwin"), False),
    ],
)
def test_wheel_decision(info: PlatformInfo, available: bool) -> None:
    """glibc ≥ 2.28 on x86_64/aarch64 with a supported CPython only; never musl."""
    assert onnxruntime_wheel_available(info) is available


def test_current_platform_is_described() -> None:
    """This machine is described with a known C library and its Python."""
    info = current_platform()
    assert info.libc in {"glibc", "musl", ""}
    assert info.python[0] == 3
    assert info.machine
