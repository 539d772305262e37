"""The Home-Assistant-free modules stay free of Home Assistant.

`scripts/ha-free-modules` lists them (files, or directories meaning every
`.py` below). Each may import nothing from `homeassistant`, and from this
repository only modules that are on the list themselves. Read with `ast`:
nothing is imported, no Home Assistant is started.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HA_FREE_LIST = ROOT / "scripts" / "ha-free-modules"
# Where first-party code lives: imports of these top-level names are ours.
FIRST_PARTY = ("custom_components", "simulators")
# Searched for references to the reference material outside the repository.
SEARCHED = ("custom_components", "simulators", "docs", "scripts", "bench", "tests")
SEARCHED_FILES = ("README.md",)
# Spelled in two parts so that this file does not contain it.
FORBIDDEN_TEXT = "shared" + "/reference"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: these checks read files, no Home Assistant."""


def _listed() -> list[str]:
    lines = HA_FREE_LIST.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _python_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


def _ha_free_files() -> set[Path]:
    return {file for entry in _listed() for file in _python_files(ROOT / entry)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _first_party_modules() -> dict[str, Path]:
    """Every module of the first-party packages, by dotted name."""
    return {
        _module_name(path): path
        for top in FIRST_PARTY
        for path in _python_files(ROOT / top)
    }


@dataclass(frozen=True)
class _Import:
    line: int
    # The dotted name as written (relative ones resolved), for messages.
    name: str
    # The first-party module it loads, "" when none is found, None for others.
    module: str | None


def _imports(path: Path, modules: dict[str, Path]) -> Iterator[_Import]:
    """Every import in `path`, at any depth (TYPE_CHECKING blocks included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _Import(node.lineno, alias.name, _ours(alias.name, modules))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            for alias in node.names:
                # `from package import module` loads the submodule.
                submodule = f"{base}.{alias.name}"
                name = submodule if submodule in modules else base
                yield _Import(node.lineno, name, _ours(name, modules, node.level > 0))


def _ours(name: str, modules: dict[str, Path], relative: bool = False) -> str | None:
    if not relative and name.partition(".")[0] not in FIRST_PARTY:
        return None
    return name if name in modules else ""


def test_ha_free_list_names_existing_modules() -> None:
    listed = _listed()
    assert listed, f"{HA_FREE_LIST.relative_to(ROOT)} lists no module"
    missing = [entry for entry in listed if not (ROOT / entry).exists()]
    assert not missing, f"listed but not in the repository: {missing}"
    empty = [entry for entry in listed if not _python_files(ROOT / entry)]
    assert not empty, f"listed but holding no Python file: {empty}"


def test_ha_free_modules_import_nothing_from_home_assistant() -> None:
    modules = _first_party_modules()
    problems = [
        f"{path.relative_to(ROOT)}:{found.line}: imports {found.name}"
        for path in sorted(_ha_free_files())
        for found in _imports(path, modules)
        if found.name.partition(".")[0] == "homeassistant"
    ]
    assert not problems, "Home-Assistant-free modules import Home Assistant:\n  " + (
        "\n  ".join(dict.fromkeys(problems))
    )


def test_ha_free_modules_import_only_ha_free_modules() -> None:
    modules = _first_party_modules()
    ha_free = _ha_free_files()
    problems: list[str] = []
    for path in sorted(ha_free):
        for found in _imports(path, modules):
            if found.module is None:
                continue  # the standard library or a third-party package
            where = f"{path.relative_to(ROOT)}:{found.line}"
            if not found.module:
                problems.append(
                    f"{where}: {found.name} is no module of this repository"
                )
            elif modules[found.module] not in ha_free:
                problems.append(
                    f"{where}: imports {found.module}, which is not in"
                    f" {HA_FREE_LIST.relative_to(ROOT)}"
                )
    assert not problems, "Home-Assistant-free modules import other modules:\n  " + (
        "\n  ".join(dict.fromkeys(problems))
    )


def _searched_files() -> Iterator[Path]:
    for top in SEARCHED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path
    for name in SEARCHED_FILES:
        yield ROOT / name


def test_no_file_points_at_the_reference_material() -> None:
    needle = FORBIDDEN_TEXT.encode()
    found = [
        str(path.relative_to(ROOT))
        for path in _searched_files()
        if needle in path.read_bytes()
    ]
    assert not found, f"files mentioning {FORBIDDEN_TEXT!r}: {found}"
