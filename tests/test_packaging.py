"""What HACS and Home Assistant read from the repository is consistent."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "energy_hub"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: no Home Assistant needed here."""


def _test_requirements() -> set[str]:
    lines = (ROOT / "requirements_test.txt").read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def test_manifest_has_what_hacs_and_core_require() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    for key in (
        "domain",
        "name",
        "version",
        "config_flow",
        "iot_class",
        "documentation",
        "issue_tracker",
        "codeowners",
        "requirements",
    ):
        assert key in manifest, key
    assert manifest["domain"] == "energy_hub"
    assert manifest["config_flow"] is True
    # Every requirement is pinned, and tested at exactly that pin.
    for requirement in manifest["requirements"]:
        assert "==" in requirement, requirement
        assert requirement in _test_requirements(), requirement


def test_manifest_requirements_leave_out_packages_without_musl_wheels() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    names = {req.split("==")[0].lower() for req in manifest["requirements"]}
    assert not names & {"onnxruntime", "opencv-python-headless", "onnx"}


def test_hacs_minimum_version_is_the_tested_one() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["homeassistant"] == importlib.metadata.version("homeassistant")


def test_english_translation_is_strings_json() -> None:
    strings = (INTEGRATION / "strings.json").read_text(encoding="utf-8")
    english = (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
    assert json.loads(strings) == json.loads(english)


def test_menu_has_a_label_for_every_source_kind() -> None:
    from custom_components.energy_hub.const import SourceKind  # noqa: PLC0415

    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    labels = strings["config"]["step"]["user"]["menu_options"]
    assert set(labels) == {str(kind) for kind in SourceKind}


def test_brand_icon_ships_with_the_integration() -> None:
    icon = INTEGRATION / "brand" / "icon.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_manifest_keys_are_in_hassfest_order() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
