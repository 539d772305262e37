"""What hassfest checks for a custom integration, done by reading files.

Home Assistant's `script/hassfest` is not part of the installed package, so
its checks are written out here: the manifest, the translations against the
keys the code uses, the quality scale and the icons. Nothing here starts Home
Assistant or imports the integration: the code is read with `ast` (see
`_Reader`), so the checks keep working while the package layout changes.
"""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
import functools
import importlib.util
import json
from pathlib import Path
import re
from typing import Any
from urllib.parse import urlparse

from awesomeversion import (
    AwesomeVersion,
    AwesomeVersionException,
    AwesomeVersionStrategy,
)
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "energy_hub"
PACKAGE = "custom_components.energy_hub"


def _ha_root() -> Path:
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None, "homeassistant is not installed"
    assert spec.submodule_search_locations, "homeassistant is not a package"
    return Path(next(iter(spec.submodule_search_locations)))


HA_ROOT = _ha_root()

# hassfest's SUPPORTED_IOT_CLASSES (script/hassfest/manifest.py).
IOT_CLASSES = frozenset(
    {
        "assumed_state",
        "calculated",
        "cloud_polling",
        "cloud_push",
        "local_polling",
        "local_push",
    }
)
# What a custom integration's manifest must have (hassfest's
# CUSTOM_INTEGRATION_MANIFEST_SCHEMA, plus what a UI-configured one needs).
REQUIRED_MANIFEST_KEYS = (
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "documentation",
    "iot_class",
    "issue_tracker",
    "requirements",
    "version",
)
# Keys of the loader's Manifest that the loader sets itself.
LOADER_ONLY_MANIFEST_KEYS = frozenset({"is_built_in", "overwrites_built_in"})
# Platforms whose entities need an icon when their description has no device class.
ICON_PLATFORMS = ("sensor", "binary_sensor", "number", "select", "switch")

# Keys built at run time from values no static reading can know. The reader
# turns an f-string into a glob, an unknown part into "*"; each glob found in
# the code must be listed here with the keys it stands for.
DYNAMIC_ENTITY_KEYS: dict[tuple[str, str], frozenset[str]] = {
    # ct_clamp/entities.py: f"{role}_clamps_power" and f"{role}_clamps_energy",
    # `role` being the value of each ChannelRole a board's channels have.
    ("sensor", "*_clamps_power"): frozenset(
        {"grid_clamps_power", "load_clamps_power", "solar_clamps_power"}
    ),
    ("sensor", "*_clamps_energy"): frozenset(
        {"grid_clamps_energy", "load_clamps_energy", "solar_clamps_energy"}
    ),
}
DYNAMIC_ERROR_KEYS: dict[tuple[str, str], frozenset[str]] = {
    # ct_clamp/config_flow.py: f"ct_clamp_{err}", `err` being the ValueError
    # ct_clamp.model.parse_channel_spec raises (its message is the reason).
    ("config", "ct_clamp_*"): frozenset(
        {
            "ct_clamp_invalid_channel_id",
            "ct_clamp_duplicate_channel",
            "ct_clamp_no_channels",
            "ct_clamp_too_many_channels",
            "ct_clamp_invalid_max_current",
        }
    ),
    # modbus_meter/config_flow.py: f"modbus_meter_map_{err.reason}", the
    # reason being the first argument of each MeterMapError in modbus_meter/meter.py.
    ("config", "modbus_meter_map_*"): frozenset(
        {
            "modbus_meter_map_not_json",
            "modbus_meter_map_not_object",
            "modbus_meter_map_mixed_forms",
            "modbus_meter_map_unknown_key",
            "modbus_meter_map_not_register",
            "modbus_meter_map_bad_scale",
            "modbus_meter_map_missing_partner",
            "modbus_meter_map_not_adjacent",
            "modbus_meter_map_bad_value",
        }
    ),
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: these checks read files, no Home Assistant."""


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = _json(INTEGRATION / "manifest.json")
    return manifest


def _strings() -> dict[str, Any]:
    strings: dict[str, Any] = _json(INTEGRATION / "strings.json")
    return strings


def _section(strings: dict[str, Any], *path: str) -> dict[str, Any]:
    """strings[path[0]][path[1]]…, or {} where a level is missing."""
    node: Any = strings
    for name in path:
        node = node.get(name, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


# ---------------------------------------------------------------------------
# Reading the code: a small abstract interpreter over the package's modules.
#
# Every function is run with unknown arguments, and again, inlined, wherever
# a call passes it known ones; values are sets of what an expression may be.
# That follows keys through factories (`_energy("pv_energy_total", ...)` ->
# `lifetime_energy_description(key, ...)` -> `translation_key=... or key`),
# loops over literal tuples, f-strings and `**kwargs`, without importing.
# ---------------------------------------------------------------------------


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# Unknown: anything at all.
TOP = _Sentinel("?")
# Unknown because a function was read without a caller: a parameter's value.
PARAM = _Sentinel("<param>")
# Some object that is not None (a lambda, an instance, a foreign enum member).
OPAQUE = _Sentinel("<object>")

type Vals = frozenset[Any]

TOP_V: Vals = frozenset({TOP})
OPAQUE_V: Vals = frozenset({OPAQUE})
BOOLS: Vals = frozenset({True, False})
PLAIN = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Pattern:
    """A string only partly known: its unknown parts are `*`.

    `tainted`: the unknown parts are parameters of a function read without a
    caller, so the callers (read separately) say what the string really is.
    """

    glob: str
    tainted: bool


@dataclass(frozen=True)
class Tup:
    """A tuple or list whose length is known: the values of each item."""

    items: tuple[Vals, ...]


@dataclass(frozen=True)
class Many:
    """An iterable of unknown length: the values any item may have."""

    item: Vals


@dataclass(frozen=True)
class Dct:
    """A dict literal: the values of each key and of its value."""

    items: tuple[tuple[Vals, Vals], ...]


@dataclass(frozen=True)
class Kw:
    """The `**kwargs` of a call: each keyword's values."""

    items: tuple[tuple[str, Vals], ...]


@dataclass(frozen=True)
class FuncRef:
    module: str
    name: str
    key: tuple[str, int, int]
    node: Any = field(compare=False, hash=False)


@dataclass(frozen=True)
class ClassRef:
    module: str
    name: str
    key: tuple[str, int, int]
    node: Any = field(compare=False, hash=False)


@dataclass(frozen=True)
class External:
    """A name from outside the package (Home Assistant, a library, a builtin)."""

    name: str


@dataclass
class _Module:
    name: str
    path: Path
    tree: Any
    is_package: bool
    bindings: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)


@dataclass
class _Scope:
    module: _Module
    env: dict[str, Vals]
    parent: _Scope | None = None
    # "config" or "options" inside a flow class, None elsewhere.
    context: str | None = None
    in_class: bool = False
    returns: set[Any] = field(default_factory=set)
    # The return annotation of the function this scope runs.
    returns_errors: bool = False

    def lookup(self, name: str) -> Vals | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.env:
                return scope.env[name]
            scope = scope.parent
        return None

    def child(self) -> _Scope:
        return _Scope(
            self.module,
            {},
            self,
            self.context,
            returns=self.returns,
            returns_errors=self.returns_errors,
        )

    def fork(self) -> _Scope:
        return _Scope(
            self.module,
            dict(self.env),
            self.parent,
            self.context,
            self.in_class,
            self.returns,
            self.returns_errors,
        )


@dataclass(frozen=True)
class Use:
    """One key the code uses, as the reader found it.

    kind: entity, device, selector, exception, issue, step, error, abort,
    create_entry, or unknown (a `translation_key=` the reader cannot place).
    section: the platform of an entity; config or options for flow keys
    (None: a flow helper read without a caller).
    key: a str, a Pattern, or TOP / PARAM / OPAQUE where it is not known.
    device_class: for entities, "yes", "no" or "unknown".
    where: the call that makes the key (in a factory: the constructor);
    origin: the outermost call that led there, to point at in messages.
    """

    kind: str
    section: str | None
    key: Any
    where: str
    device_class: str = "unknown"
    origin: str = field(default="", compare=False)


BUILTINS = frozenset({"enumerate", "next", "tuple", "list", "sorted", "reversed"})
FLOW_TRANSLATION_CALLS = {
    "async_abort": "reason",
    "_abort_if_unique_id_mismatch": "reason",
    "async_update_reload_and_abort": "reason",
}
# Flow helpers that abort with a fixed reason the integration must translate.
IMPLIED_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "_async_abort_entries_match": "already_configured",
}
MAX_DEPTH = 8
MAX_ITEMS = 200


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _last_name(node: Any) -> str | None:
    """`f` for `f(...)`, `x.y.f(...)`; None for other callees."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Reader:
    """Read every module of the package and record the keys it uses."""

    def __init__(self, package_dir: Path, package: str) -> None:
        self.root = package_dir.parent.parent
        self.modules: dict[str, _Module] = {}
        for path in sorted(package_dir.rglob("*.py")):
            relative = path.relative_to(self.root).with_suffix("")
            parts = list(relative.parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join(parts)
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            module = _Module(name, path, tree, is_package)
            self._bind_module(module, tree.body)
            self.modules[name] = module
        assert package in self.modules, f"{package} not found under {package_dir}"
        self.uses: set[Use] = set()
        self.strings: set[str] = set()
        self._globals: dict[tuple[str, str], Vals] = {}
        self._resolving: set[tuple[str, str]] = set()
        self._memo: dict[Any, Vals] = {}
        self._running: set[Any] = set()
        self._platforms: dict[tuple[str, int, int], str | None] = {}
        self._contexts: dict[tuple[str, int, int], str | None] = {}
        self._depth = 0
        # The calls being inlined, outermost first.
        self._calls: list[str] = []

    # -- module scope ---------------------------------------------------------

    def _bind_module(self, module: _Module, body: list[Any]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._bind(module, stmt.name, ("func", stmt))
            elif isinstance(stmt, ast.ClassDef):
                self._bind(module, stmt.name, ("class", stmt))
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self._bind(module, target.id, ("value", stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.value is not None:
                    self._bind(module, stmt.target.id, ("value", stmt.value))
            elif isinstance(stmt, ast.ImportFrom):
                source = self._import_source(module, stmt)
                for alias in stmt.names:
                    self._bind(
                        module,
                        alias.asname or alias.name,
                        ("import", source, alias.name),
                    )
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    name = alias.asname or alias.name.partition(".")[0]
                    self._bind(module, name, ("external", alias.name))
            elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    self._bind_module(module, getattr(stmt, block, []))
                for handler in getattr(stmt, "handlers", []):
                    self._bind_module(module, handler.body)

    @staticmethod
    def _bind(module: _Module, name: str, binding: tuple[Any, ...]) -> None:
        module.bindings.setdefault(name, []).append(binding)

    @staticmethod
    def _import_source(module: _Module, node: Any) -> str:
        if not node.level:
            return str(node.module)
        parts = module.name.split(".")
        if not module.is_package:
            parts.pop()
        if node.level > 1:
            parts = parts[: len(parts) - (node.level - 1)]
        return ".".join([*parts, *([node.module] if node.module else [])])

    def _global(self, module: _Module, name: str) -> Vals | None:
        key = (module.name, name)
        if key in self._globals:
            return self._globals[key]
        bindings = module.bindings.get(name)
        if bindings is None:
            return None
        if key in self._resolving:
            return TOP_V
        self._resolving.add(key)
        values: set[Any] = set()
        for binding in bindings:
            kind = binding[0]
            if kind == "func":
                node = binding[1]
                values.add(FuncRef(module.name, name, self._key(module, node), node))
            elif kind == "class":
                node = binding[1]
                values.add(ClassRef(module.name, name, self._key(module, node), node))
            elif kind == "value":
                values |= self.eval(binding[1], _Scope(module, {}))
            elif kind == "import":
                values |= self._imported(binding[1], binding[2])
            else:
                values.add(External(binding[1]))
        self._resolving.discard(key)
        result = frozenset(values)
        self._globals[key] = result
        return result

    def _imported(self, source: str, name: str) -> Vals:
        if source in self.modules:
            found = self._global(self.modules[source], name)
            return found if found is not None else TOP_V
        if f"{source}.{name}" in self.modules:
            return OPAQUE_V  # a submodule
        return frozenset({External(name)})

    def _key(self, module: _Module, node: Any) -> tuple[str, int, int]:
        return (str(module.path.relative_to(self.root)), node.lineno, node.col_offset)

    def _where(self, scope: _Scope, node: Any) -> str:
        return f"{scope.module.path.relative_to(self.root)}:{node.lineno}"

    # -- classes -------------------------------------------------------------

    def _class_module(self, ref: ClassRef) -> _Module:
        return self.modules[ref.module]

    def _bases(self, ref: ClassRef) -> Iterator[Any]:
        scope = _Scope(self._class_module(ref), {})
        for base in ref.node.bases:
            yield from self.eval(base, scope)

    def _ancestor_names(self, ref: ClassRef, seen: set[Any] | None = None) -> set[str]:
        """Names of the foreign classes `ref` derives from."""
        seen = seen if seen is not None else set()
        if ref in seen:
            return set()
        seen.add(ref)
        names: set[str] = set()
        for base in self._bases(ref):
            if isinstance(base, ClassRef):
                names |= self._ancestor_names(base, seen)
            elif isinstance(base, External):
                names.add(base.name.rpartition(".")[2])
        return names

    def platform_of(self, ref: ClassRef | External) -> str | None:
        """The entity platform of an entity description class, else None."""
        if isinstance(ref, External):
            names = {ref.name.rpartition(".")[2]}
        else:
            if ref.key not in self._platforms:
                self._platforms[ref.key] = None
                self._platforms[ref.key] = self.platform_of_names(
                    self._ancestor_names(ref)
                )
            return self._platforms[ref.key]
        return self.platform_of_names(names)

    @staticmethod
    def platform_of_names(names: Iterable[str]) -> str | None:
        for name in names:
            prefix = name.removesuffix("EntityDescription")
            if prefix != name and prefix:
                return _camel_to_snake(prefix)
        return None

    def flow_context(self, ref: ClassRef) -> str | None:
        """config or options for a config or options flow class, else None."""
        if ref.key not in self._contexts:
            names = self._ancestor_names(ref)
            context = None
            if any(name.startswith("OptionsFlow") for name in names):
                context = "options"
            elif any(name.startswith("ConfigFlow") for name in names):
                context = "config"
            self._contexts[ref.key] = context
        return self._contexts[ref.key]

    def _class_attribute(self, ref: ClassRef, name: str, seen: int = 0) -> Vals:
        module = self._class_module(ref)
        for stmt in ref.node.body:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in stmt.targets
            ):
                return self.eval(stmt.value, _Scope(module, {}))
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and stmt.target.id == name
                and stmt.value is not None
            ):
                return self.eval(stmt.value, _Scope(module, {}))
            if (
                isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                and stmt.name == name
            ):
                return frozenset(
                    {FuncRef(module.name, name, self._key(module, stmt), stmt)}
                )
        if seen < 10:
            for base in self._bases(ref):
                if isinstance(base, ClassRef):
                    found = self._class_attribute(base, name, seen + 1)
                    if found != TOP_V:
                        return found
        return TOP_V

    # -- running -------------------------------------------------------------

    def run(self) -> None:
        """Run every module body, class body and function."""
        for module in self.modules.values():
            self._collect_strings(module.tree)
            scope = _Scope(module, {})
            self.exec_block(module.tree.body, scope)
            self._run_functions(module, module.tree.body, None)

    def _collect_strings(self, tree: Any) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.strings.add(node.value)

    def _run_functions(self, module: _Module, body: list[Any], cls: Any) -> None:
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                ref = ClassRef(module.name, stmt.name, self._key(module, stmt), stmt)
                self._run_functions(module, stmt.body, ref)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                context = self.flow_context(cls) if cls is not None else None
                self._run_standalone(module, stmt, context)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    self._run_functions(module, getattr(stmt, block, []), cls)

    def _run_standalone(
        self, module: _Module, node: Any, context: str | None, *, nested: bool = True
    ) -> None:
        """Run a function with unknown arguments (then, `nested`, those inside it)."""
        args = node.args
        env = {
            arg.arg: frozenset({PARAM})
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs)
        }
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                env[arg.arg] = frozenset({PARAM})
        scope = _Scope(module, env, context=context)
        scope.returns_errors = _returns_errors(node)
        self.exec_block(node.body, scope)
        if nested:
            for inner in ast.walk(node):
                if inner is not node and isinstance(
                    inner, (ast.FunctionDef, ast.AsyncFunctionDef)
                ):
                    self._run_standalone(module, inner, context, nested=False)

    def inline(
        self,
        ref: FuncRef,
        positional: list[tuple[Vals, bool]],
        keywords: dict[str, Vals],
        unknown_keywords: Any,
        context: str | None,
    ) -> Vals:
        """Run `ref` with the arguments of one call; return what it returns.

        `unknown_keywords` (PARAM or TOP) where a `**spread` was not known:
        every parameter not passed explicitly may then have that value too.
        """
        node = ref.node
        module = self.modules[ref.module]
        args = node.args
        keywords = dict(keywords)
        env: dict[str, Vals] = {}
        params = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(params) - len(args.defaults)) + list(args.defaults)
        default_scope = _Scope(module, {})
        maybe: Vals = (
            frozenset() if unknown_keywords is None else frozenset({unknown_keywords})
        )
        position = 0
        spread = False
        for param, default in zip(params, defaults, strict=True):
            if not spread and position < len(positional):
                values, starred = positional[position]
                position += 1
                if starred:
                    spread = True
                else:
                    env[param.arg] = values
                    continue
            if spread:
                env[param.arg] = TOP_V
            elif param.arg in keywords:
                env[param.arg] = keywords.pop(param.arg)
            elif default is not None:
                env[param.arg] = self.eval(default, default_scope) | maybe
            else:
                env[param.arg] = maybe or TOP_V
        if args.vararg is not None:
            env[args.vararg.arg] = frozenset({Many(TOP_V)})
        for param, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if param.arg in keywords:
                env[param.arg] = keywords.pop(param.arg)
            elif default is not None:
                env[param.arg] = self.eval(default, default_scope) | maybe
            else:
                env[param.arg] = maybe or TOP_V
        if args.kwarg is not None:
            env[args.kwarg.arg] = maybe or frozenset(
                {Kw(tuple(sorted(keywords.items(), key=_by_name)))}
            )
        memo_key = (ref, context, tuple(sorted(env.items(), key=_by_name)))
        if memo_key in self._memo:
            return self._memo[memo_key]
        if memo_key in self._running or self._depth >= MAX_DEPTH:
            return TOP_V
        self._running.add(memo_key)
        self._depth += 1
        try:
            scope = _Scope(module, env, context=context)
            scope.returns_errors = _returns_errors(node)
            self.exec_block(node.body, scope)
            result = frozenset(scope.returns) or frozenset({None})
        finally:
            self._depth -= 1
            self._running.discard(memo_key)
        if isinstance(node, ast.AsyncFunctionDef) or any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(node)
        ):
            result = OPAQUE_V
        self._memo[memo_key] = result
        return result

    # -- statements ----------------------------------------------------------

    def exec_block(self, body: list[Any], scope: _Scope) -> None:
        for stmt in body:
            self.exec(stmt, scope)

    def exec(self, stmt: Any, scope: _Scope) -> None:
        match stmt:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                scope.env[stmt.name] = OPAQUE_V
            case ast.ClassDef():
                ref = ClassRef(
                    scope.module.name, stmt.name, self._key(scope.module, stmt), stmt
                )
                inner = _Scope(
                    scope.module,
                    {},
                    scope,
                    self.flow_context(ref),
                    in_class=True,
                )
                self.exec_block(stmt.body, inner)
                scope.env[stmt.name] = frozenset({ref})
            case ast.Assign():
                values = self.eval(stmt.value, scope)
                for target in stmt.targets:
                    self._errors_assigned(target, stmt.value, values, scope)
                    if (
                        scope.in_class
                        and isinstance(target, ast.Name)
                        and target.id == "step_id"
                    ):
                        self._record_flow("step", values, scope, stmt)
                    self.bind(target, values, scope)
            case ast.AnnAssign():
                if stmt.value is not None:
                    values = self.eval(stmt.value, scope)
                    self.bind(stmt.target, values, scope)
            case ast.AugAssign():
                self.eval(stmt.value, scope)
                if isinstance(stmt.target, ast.Name):
                    scope.env[stmt.target.id] = TOP_V
            case ast.Expr():
                self.eval(stmt.value, scope)
            case ast.Return():
                if stmt.value is not None:
                    if (
                        scope.returns_errors
                        and isinstance(stmt.value, ast.Tuple)
                        and stmt.value.elts
                        and isinstance(stmt.value.elts[-1], ast.Dict)
                    ):
                        self._errors_dict(stmt.value.elts[-1], scope)
                    scope.returns.update(self.eval(stmt.value, scope))
                else:
                    scope.returns.add(None)
            case ast.If():
                truth = self.truth(self.eval(stmt.test, scope))
                branches = [
                    block
                    for value, block in ((True, stmt.body), (False, stmt.orelse))
                    if value in truth
                ]
                self._branches(branches, scope)
            case ast.For() | ast.AsyncFor():
                for item in self.iterate(self.eval(stmt.iter, scope)):
                    self.bind(stmt.target, item, scope)
                    self.exec_block(stmt.body, scope)
                self.exec_block(stmt.orelse, scope)
            case ast.While():
                self.eval(stmt.test, scope)
                self.exec_block(stmt.body, scope)
                self.exec_block(stmt.orelse, scope)
            case ast.With() | ast.AsyncWith():
                for item in stmt.items:
                    self.eval(item.context_expr, scope)
                    if item.optional_vars is not None:
                        self.bind(item.optional_vars, TOP_V, scope)
                self.exec_block(stmt.body, scope)
            case ast.Try() | ast.TryStar():
                self.exec_block(stmt.body, scope)
                for handler in stmt.handlers:
                    if handler.name:
                        scope.env[handler.name] = TOP_V
                    self.exec_block(handler.body, scope)
                self.exec_block(stmt.orelse, scope)
                self.exec_block(stmt.finalbody, scope)
            case ast.Match():
                self.eval(stmt.subject, scope)
                self._branches([case.body for case in stmt.cases], scope)
            case ast.Raise():
                if stmt.exc is not None:
                    self.eval(stmt.exc, scope)
            case ast.ImportFrom():
                source = self._import_source(scope.module, stmt)
                for alias in stmt.names:
                    scope.env[alias.asname or alias.name] = self._imported(
                        source, alias.name
                    )
            case ast.Import():
                for alias in stmt.names:
                    name = alias.asname or alias.name.partition(".")[0]
                    scope.env[name] = frozenset({External(alias.name)})
            case _:
                pass

    def _branches(self, branches: list[list[Any]], scope: _Scope) -> None:
        if len(branches) == 1:
            self.exec_block(branches[0], scope)
            return
        envs = []
        for block in branches:
            fork = scope.fork()
            self.exec_block(block, fork)
            envs.append(fork.env)
        merged: dict[str, set[Any]] = {}
        for env in envs:
            for name, values in env.items():
                merged.setdefault(name, set()).update(values)
        scope.env = {name: frozenset(values) for name, values in merged.items()}

    def bind(self, target: Any, values: Vals, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.env[target.id] = values
        elif isinstance(target, (ast.Tuple, ast.List)):
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    self.bind(element.value, TOP_V, scope)
                    continue
                item: set[Any] = set()
                for value in values:
                    if isinstance(value, Tup) and len(value.items) == len(target.elts):
                        item |= value.items[index]
                    elif isinstance(value, Many):
                        item |= value.item
                    else:
                        item.add(TOP)
                self.bind(element, frozenset(item) or TOP_V, scope)

    # -- expressions ---------------------------------------------------------

    def eval(self, node: Any, scope: _Scope) -> Vals:
        match node:
            case ast.Constant():
                return frozenset(
                    {node.value if isinstance(node.value, PLAIN) else OPAQUE}
                )
            case ast.Name():
                found = scope.lookup(node.id)
                if found is None:
                    found = self._global(scope.module, node.id)
                if found is None:
                    found = (
                        frozenset({External(node.id)}) if node.id in BUILTINS else TOP_V
                    )
                return found
            case ast.Attribute():
                return self._attribute(self.eval(node.value, scope), node.attr)
            case ast.Subscript():
                return self._subscript(
                    self.eval(node.value, scope), self.eval(node.slice, scope)
                )
            case ast.Call():
                return self.call(node, scope)
            case ast.JoinedStr():
                return self._fstring(node, scope)
            case ast.BoolOp():
                return self._boolop(node, scope)
            case ast.UnaryOp():
                operand = self.eval(node.operand, scope)
                if isinstance(node.op, ast.Not):
                    return frozenset(not value for value in self.truth(operand))
                if isinstance(node.op, ast.USub) and all(
                    isinstance(v, (int, float)) for v in operand
                ):
                    return frozenset(-v for v in operand)
                return TOP_V
            case ast.Compare():
                return self._compare(node, scope)
            case ast.IfExp():
                truth = self.truth(self.eval(node.test, scope))
                values: set[Any] = set()
                if True in truth:
                    values |= self.eval(node.body, scope)
                if False in truth:
                    values |= self.eval(node.orelse, scope)
                return frozenset(values)
            case ast.Tuple() | ast.List():
                return self._sequence(node.elts, scope)
            case ast.Set():
                items = self._sequence(node.elts, scope)
                return frozenset({Many(self._union(self.iterate(items)))})
            case ast.Dict():
                pairs: list[tuple[Vals, Vals]] = []
                for key, value in zip(node.keys, node.values, strict=True):
                    values = self.eval(value, scope)
                    if key is not None:
                        pairs.append((self.eval(key, scope), values))
                        continue
                    for spread in values:  # {**other}
                        if isinstance(spread, Dct):
                            pairs.extend(spread.items)
                        elif isinstance(spread, Kw):
                            pairs.extend((frozenset({k}), v) for k, v in spread.items)
                        else:
                            pairs.append((TOP_V, TOP_V))
                return frozenset({Dct(tuple(pairs))})
            case ast.ListComp() | ast.SetComp() | ast.GeneratorExp():
                return frozenset({Many(self._comprehension(node, node.elt, scope))})
            case ast.DictComp():
                keys = self._comprehension(node, node.key, scope)
                values = self._comprehension(node, node.value, scope)
                return frozenset({Dct(((keys, values),))})
            case ast.Lambda():
                return OPAQUE_V
            case ast.NamedExpr():
                values = self.eval(node.value, scope)
                self.bind(node.target, values, scope)
                return values
            case ast.BinOp():
                left = self.eval(node.left, scope)
                right = self.eval(node.right, scope)
                if (
                    isinstance(node.op, ast.Add)
                    and all(isinstance(v, str) for v in left | right)
                    and len(left) * len(right) <= MAX_ITEMS
                ):
                    return frozenset(a + b for a in left for b in right)
                return TOP_V
            case _:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.expr):
                        self.eval(child, scope)
                return TOP_V

    def _attribute(self, base: Vals, attr: str) -> Vals:
        values: set[Any] = set()
        for value in base:
            if isinstance(value, ClassRef):
                values |= self._class_attribute(value, attr)
            elif isinstance(value, External):
                values.add(External(f"{value.name}.{attr}"))
            elif isinstance(value, str) and attr == "value":
                values.add(value)  # a StrEnum member read as its value
            else:
                values.add(TOP)
        return frozenset(values) or TOP_V

    def _subscript(self, base: Vals, index: Vals) -> Vals:
        values: set[Any] = set()
        for value in base:
            if isinstance(value, (ClassRef, External)):
                values.add(value)  # a generic alias: Description[Data]
            elif isinstance(value, Tup):
                positions = [i for i in index if isinstance(i, int)]
                if positions and len(positions) == len(index):
                    for position in positions:
                        if -len(value.items) <= position < len(value.items):
                            values |= value.items[position]
                else:
                    values |= self._union(value.items)
            elif isinstance(value, Many):
                values |= value.item
            elif isinstance(value, Dct):
                known = all(isinstance(i, PLAIN) for i in index)
                matched = False
                for keys, items in value.items:
                    plain_keys = all(isinstance(k, PLAIN) for k in keys)
                    if not known or not plain_keys or keys & index:
                        values |= items
                        matched = True
                if not matched:
                    values.add(TOP)
            else:
                values.add(TOP)
        return frozenset(values) or TOP_V

    def _fstring(self, node: Any, scope: _Scope) -> Vals:
        options: list[set[tuple[str, bool, bool]]] = [{("", False, False)}]
        for part in node.values:
            if isinstance(part, ast.Constant):
                texts = {(str(part.value), False, False)}
            else:
                texts = set()
                values = self.eval(part.value, scope)
                for value in values:
                    if part.format_spec is None and isinstance(value, PLAIN):
                        texts.add((str(value), False, False))
                    else:
                        texts.add(("*", True, value is PARAM))
            options.append(texts)
        results: set[tuple[str, bool, bool]] = {("", False, True)}
        for texts in options:
            results = {
                (
                    text + more,
                    unknown or more_unknown,
                    tainted and (more_tainted or not more_unknown),
                )
                for text, unknown, tainted in results
                for more, more_unknown, more_tainted in texts
            }
            if len(results) > MAX_ITEMS:
                return frozenset({Pattern("*", tainted=False)})
        return frozenset(
            Pattern(text, tainted=tainted) if unknown else text
            for text, unknown, tainted in results
        )

    def _boolop(self, node: Any, scope: _Scope) -> Vals:
        values: set[Any] = set()
        is_or = isinstance(node.op, ast.Or)
        for index, operand in enumerate(node.values):
            operand_values = self.eval(operand, scope)
            last = index == len(node.values) - 1
            go_on = False
            for value in operand_values:
                truth = self.truth(frozenset({value}))
                stops = True in truth if is_or else False in truth
                if stops or last:
                    values.add(value)
                if (False in truth) if is_or else (True in truth):
                    go_on = True
            if not go_on:
                break
        return frozenset(values) or TOP_V

    def _compare(self, node: Any, scope: _Scope) -> Vals:
        left = self.eval(node.left, scope)
        rights = [self.eval(comparator, scope) for comparator in node.comparators]
        if len(node.ops) != 1:
            return BOOLS
        op, right = node.ops[0], rights[0]
        if isinstance(op, (ast.Is, ast.IsNot)) and right == frozenset({None}):
            results = set()
            for value in left:
                if value is None:
                    results.add(True)
                elif value in (TOP, PARAM):
                    results |= {True, False}
                else:
                    results.add(False)
            return frozenset(r if isinstance(op, ast.Is) else not r for r in results)
        if isinstance(op, (ast.Eq, ast.NotEq)) and all(
            isinstance(v, PLAIN) for v in left | right
        ):
            equal = {a == b for a in left for b in right}
            return frozenset(e if isinstance(op, ast.Eq) else not e for e in equal)
        return BOOLS

    def _sequence(self, elements: list[Any], scope: _Scope) -> Vals:
        items: list[Vals] = []
        exact = True
        for element in elements:
            if isinstance(element, ast.Starred):
                inner = self.iterate(self.eval(element.value, scope))
                items.extend(inner)
                exact = False
            else:
                items.append(self.eval(element, scope))
        if exact:
            return frozenset({Tup(tuple(items))})
        return frozenset({Many(self._union(items))})

    def _comprehension(self, node: Any, element: Any, scope: _Scope) -> Vals:
        inner = scope.child()
        values: set[Any] = set()

        def generate(index: int) -> None:
            if index == len(node.generators):
                values.update(self.eval(element, inner))
                return
            generator = node.generators[index]
            for item in self.iterate(self.eval(generator.iter, inner)):
                self.bind(generator.target, item, inner)
                for condition in generator.ifs:
                    self.eval(condition, inner)
                generate(index + 1)

        generate(0)
        return frozenset(values)

    @staticmethod
    def _union(items: Iterable[Vals]) -> Vals:
        values: set[Any] = set()
        for item in items:
            values |= item
        return frozenset(values)

    def iterate(self, values: Vals) -> list[Vals]:
        """The values of each item of an iterable (one entry when unknown)."""
        items: list[Vals] = []
        for value in values:
            if isinstance(value, Tup):
                items.extend(value.items)
            elif isinstance(value, Many):
                items.append(value.item)
            elif isinstance(value, Dct):
                items.extend(keys for keys, _ in value.items)
            elif isinstance(value, str):
                items.extend(frozenset({char}) for char in value)
            else:
                items.append(TOP_V)
        if len(items) > MAX_ITEMS:
            return [self._union(items)]
        return items

    @staticmethod
    def truth(values: Vals) -> Vals:
        results: set[bool] = set()
        for value in values:
            if isinstance(value, PLAIN):
                results.add(bool(value))
            elif isinstance(value, (Tup, Dct)):
                results.add(bool(value.items))
            elif isinstance(value, (FuncRef, ClassRef, External)):
                results.add(True)
            elif isinstance(value, Pattern) and value.glob.strip("*"):
                results.add(True)  # a string with some known text
            else:
                results |= {True, False}
        return frozenset(results) or BOOLS

    # -- calls ---------------------------------------------------------------

    def call(self, node: Any, scope: _Scope) -> Vals:
        callees = self.eval(node.func, scope)
        positional: list[tuple[Vals, bool]] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                positional.append((self.eval(arg.value, scope), True))
            else:
                positional.append((self.eval(arg, scope), False))
        keywords: dict[str, Vals] = {}
        # Set where a `**spread` is not known: PARAM or TOP, as its value.
        unknown_keywords: Any = None
        for keyword in node.keywords:
            values = self.eval(keyword.value, scope)
            if keyword.arg is not None:
                keywords[keyword.arg] = values
                continue
            for value in values:
                pairs = (
                    [(frozenset({k}), v) for k, v in value.items]
                    if isinstance(value, Kw)
                    else value.items
                    if isinstance(value, Dct)
                    else [(frozenset({value}), TOP_V)]
                )
                for names, items in pairs:
                    if len(names) != 1 or not isinstance(
                        name := next(iter(names)), str
                    ):
                        unknown_keywords = (
                            PARAM
                            if unknown_keywords in (None, PARAM) and names == {PARAM}
                            else TOP
                        )
                        continue
                    keywords[name] = keywords.get(name, frozenset()) | items
        self._record_flow_call(node, keywords, scope)
        results: set[Any] = set()
        terminal: list[Any] = []
        for callee in callees:
            if isinstance(callee, FuncRef):
                self._calls.append(self._where(scope, node))
                try:
                    results |= self.inline(
                        callee, positional, keywords, unknown_keywords, scope.context
                    )
                finally:
                    self._calls.pop()
            elif isinstance(callee, External) and callee.name in BUILTINS:
                results |= self._builtin(callee.name, positional)
            else:
                terminal.append(callee)
                results.add(OPAQUE if isinstance(callee, ClassRef) else TOP)
        if terminal:
            self._record_terminal(node, terminal, keywords, unknown_keywords, scope)
        return frozenset(results) or TOP_V

    def _builtin(self, name: str, positional: list[tuple[Vals, bool]]) -> Vals:
        if not positional or positional[0][1]:
            return TOP_V
        items = self.iterate(positional[0][0])
        if name == "enumerate":
            return frozenset(
                {Many(frozenset(Tup((TOP_V, item)) for item in items) or TOP_V)}
            )
        if name == "next":
            values = self._union(items)
            if len(positional) > 1:
                values |= positional[1][0]
            return values or TOP_V
        return frozenset({Many(self._union(items) or TOP_V)})

    # -- recording -----------------------------------------------------------

    def _record(self, use: Use) -> None:
        origin = self._calls[0] if self._calls else use.where
        self.uses.add(replace(use, origin=origin))

    def _record_terminal(
        self,
        node: Any,
        callees: list[Any],
        keywords: dict[str, Vals],
        unknown_keywords: Any,
        scope: _Scope,
    ) -> None:
        """A call the reader does not enter: a class, Home Assistant, a library."""
        where = self._where(scope, node)
        platform = None
        names = set()
        for callee in callees:
            if isinstance(callee, (ClassRef, External)):
                platform = platform or self.platform_of(callee)
                names.add(callee.name.rpartition(".")[2])
        keys = keywords.get("translation_key")
        if platform is not None:
            if keys is None:
                keys = frozenset({unknown_keywords})  # None: it has no key
            device_class = _device_class(keywords, unknown_keywords)
            for key in keys:
                self._record(Use("entity", platform, key, where, device_class))
            return
        if keys is None:
            return
        if "translation_domain" in keywords:
            kind = "exception"
        elif "DeviceInfo" in names:
            kind = "device"
        elif any(name.endswith("SelectorConfig") for name in names):
            kind = "selector"
        elif any(name.endswith("create_issue") for name in names):
            kind = "issue"
        else:
            kind = "unknown"
        for key in keys:
            self._record(Use(kind, None, key, where))

    def _record_flow(self, kind: str, values: Vals, scope: _Scope, node: Any) -> None:
        where = self._where(scope, node)
        for value in values:
            self._record(Use(kind, scope.context, value, where))

    def _record_flow_call(
        self, node: Any, keywords: dict[str, Vals], scope: _Scope
    ) -> None:
        name = _last_name(node.func)
        if "step_id" in keywords and not _is_self_attribute(node, "step_id"):
            # `step_id=self.step_id` reads the class attribute, recorded itself.
            self._record_flow("step", keywords["step_id"], scope, node)
        if name in FLOW_TRANSLATION_CALLS:
            reason = keywords.get(FLOW_TRANSLATION_CALLS[name])
            if reason is not None:
                self._record_flow("abort", reason, scope, node)
            elif name == "_abort_if_unique_id_mismatch":
                self._record_flow(
                    "abort", frozenset({"unique_id_mismatch"}), scope, node
                )
        if name in IMPLIED_ABORTS:
            self._record_flow("abort", frozenset({IMPLIED_ABORTS[name]}), scope, node)
        if name == "async_create_entry" and "description" in keywords:
            self._record_flow("create_entry", keywords["description"], scope, node)
        for keyword in node.keywords:
            if keyword.arg == "errors" and isinstance(keyword.value, ast.Dict):
                self._errors_dict(keyword.value, scope)

    def _errors_assigned(
        self, target: Any, value: Any, values: Vals, scope: _Scope
    ) -> None:
        """`errors[field] = "key"` and `errors = {"base": "key"}`."""
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == "errors"
        ):
            self._record_flow("error", values, scope, target)
        elif (
            isinstance(target, ast.Name)
            and target.id == "errors"
            and isinstance(value, ast.Dict)
        ):
            self._errors_dict(value, scope)

    def _errors_dict(self, node: Any, scope: _Scope) -> None:
        for value in node.values:
            self._record_flow("error", self.eval(value, scope), scope, value)


def _by_name(item: tuple[str, Any]) -> str:
    return item[0]


def _is_self_attribute(node: Any, attr: str) -> bool:
    return any(
        keyword.arg == attr
        and isinstance(keyword.value, ast.Attribute)
        and keyword.value.attr == attr
        and isinstance(keyword.value.value, ast.Name)
        and keyword.value.value.id == "self"
        for keyword in node.keywords
    )


def _returns_errors(node: Any) -> bool:
    """Whether a function returns `(…, errors)`: annotated `tuple[…, dict[str, str]]`."""
    annotation = node.returns
    return (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "tuple"
        and isinstance(annotation.slice, ast.Tuple)
        and ast.unparse(annotation.slice.elts[-1]).replace(" ", "") == "dict[str,str]"
    )


def _device_class(keywords: dict[str, Vals], unknown_keywords: Any) -> str:
    values = keywords.get("device_class")
    if values is None:
        return "no" if unknown_keywords is None else "unknown"
    if None in values:
        return "no"  # at least one description built here has none
    if values & {TOP, PARAM}:
        return "unknown"
    return "yes"


# ---------------------------------------------------------------------------
# What the code uses, as the checks below see it.
# ---------------------------------------------------------------------------

FLOW_KINDS = {
    "step": "step",
    "error": "error",
    "abort": "abort",
    "create_entry": "create_entry",
}


@dataclass(frozen=True)
class _Code:
    uses: tuple[Use, ...]
    # Keys the reader could not make out, or could not place.
    unreadable: tuple[Use, ...]
    # Every string literal in the package.
    strings: frozenset[str]

    def keys(self, kind: str) -> list[Use]:
        return [use for use in self.uses if use.kind == kind]


@functools.cache
def _code() -> _Code:
    reader = _Reader(INTEGRATION, PACKAGE)
    reader.run()
    groups: dict[tuple[str, str], list[Use]] = {}
    for use in reader.uses:
        if use.kind == "entity" and use.key is None:
            continue  # a description without a translation key
        groups.setdefault((use.kind, use.where), []).append(use)
    uses: list[Use] = []
    unreadable: list[Use] = []
    for (kind, _), group in sorted(groups.items()):
        if kind in FLOW_KINDS and any(use.section is not None for use in group):
            # Read through its callers: drop the reading without a caller.
            group = [use for use in group if use.section is not None]  # noqa: PLW2901
        known = [use for use in group if _is_known(use.key)]
        for use in group:
            if _is_known(use.key):
                if use.kind == "unknown":
                    unreadable.append(use)
                else:
                    uses.append(use)
            elif not known or not _from_parameter(use.key):
                unreadable.append(use)
    return _Code(tuple(uses), tuple(unreadable), frozenset(reader.strings))


def _is_known(key: Any) -> bool:
    return isinstance(key, str) or (isinstance(key, Pattern) and not key.tainted)


def _from_parameter(key: Any) -> bool:
    return key is PARAM or (isinstance(key, Pattern) and key.tainted)


def _expand(
    uses: Iterable[Use], allowed: dict[tuple[str, str], frozenset[str]]
) -> Iterator[tuple[Use, str]]:
    """Each use with each key it stands for (an allow-listed glob: its keys)."""
    for use in uses:
        if isinstance(use.key, Pattern):
            yield from (
                (use, key)
                for key in allowed.get((_glob_section(use), use.key.glob), ())
            )
        else:
            yield use, use.key


def _glob_section(use: Use) -> str:
    return str(use.section)


def _at(use: Use) -> str:
    return use.where if use.origin == use.where else f"{use.origin} (via {use.where})"


def _show(problems: Iterable[str]) -> str:
    return "\n  " + "\n  ".join(sorted(set(problems)))


# ---------------------------------------------------------------------------
# manifest.json
# ---------------------------------------------------------------------------


def _loader_manifest_fields() -> dict[str, Any]:
    """The fields of homeassistant.loader.Manifest, read from the installed loader."""
    tree = ast.parse((HA_ROOT / "loader.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Manifest":
            return {
                stmt.target.id: stmt.annotation
                for stmt in node.body
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
            }
    raise AssertionError("homeassistant/loader.py defines no Manifest any more")


def test_manifest_has_the_keys_a_custom_integration_needs() -> None:
    manifest = _manifest()
    missing = [key for key in REQUIRED_MANIFEST_KEYS if key not in manifest]
    assert not missing, f"manifest.json lacks {missing}"
    known = set(_loader_manifest_fields()) - LOADER_ONLY_MANIFEST_KEYS
    unknown = sorted(set(manifest) - known)
    assert not unknown, (
        f"manifest.json has keys Home Assistant does not know: {unknown}"
    )


def test_manifest_values_have_the_types_hassfest_expects() -> None:
    manifest = _manifest()
    problems = []
    if not isinstance(manifest.get("name"), str) or not manifest["name"].strip():
        problems.append("name must be a non-empty string")
    if not isinstance(manifest.get("config_flow"), bool):
        problems.append("config_flow must be true or false")
    codeowners = manifest.get("codeowners")
    if not isinstance(codeowners, list) or not all(
        isinstance(owner, str) and owner.startswith("@") for owner in codeowners
    ):
        problems.append(f"codeowners must be a list of @names: {codeowners!r}")
    for key in ("documentation", "issue_tracker"):
        url = urlparse(str(manifest.get(key, "")))
        if url.scheme != "https" or not url.netloc:
            problems.append(f"{key} must be an https URL: {manifest.get(key)!r}")
    if manifest.get("iot_class") not in IOT_CLASSES:
        problems.append(
            f"iot_class {manifest.get('iot_class')!r} not in {sorted(IOT_CLASSES)}"
        )
    if "integration_type" in manifest:
        annotation = _loader_manifest_fields()["integration_type"]
        allowed = {
            node.value
            for node in ast.walk(annotation)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        if manifest["integration_type"] not in allowed:
            problems.append(
                f"integration_type {manifest['integration_type']!r} not in {sorted(allowed)}"
            )
    for key in ("requirements", "dependencies", "after_dependencies", "loggers"):
        value = manifest.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key} must be a list of strings: {value!r}")
    for key in ("dependencies", "after_dependencies"):
        for domain in manifest.get(key, []):
            if not (HA_ROOT / "components" / domain / "manifest.json").is_file():
                problems.append(f"{key}: {domain!r} is no Home Assistant integration")
    for matcher in manifest.get("zeroconf", []):
        service = matcher.get("type") if isinstance(matcher, dict) else matcher
        if not isinstance(service, str) or not service.endswith(".local."):
            problems.append(f"zeroconf: {matcher!r} is no `_service._tcp.local.` type")
    for matcher in manifest.get("dhcp", []):
        if (
            not isinstance(matcher, dict)
            or not matcher
            or not set(matcher)
            <= {
                "hostname",
                "macaddress",
                "registered_devices",
            }
        ):
            problems.append(f"dhcp: {matcher!r} is no hostname/macaddress matcher")
    assert not problems, _show(problems)


def test_manifest_keys_are_in_hassfest_order() -> None:
    keys = list(_manifest())
    expected = sorted(keys, key=lambda key: (key != "domain", key != "name", key))
    assert keys == expected, (
        f"manifest.json keys must be domain, name, then the rest alphabetically:\n"
        f"  is     {keys}\n  should {expected}"
    )


def test_manifest_domain_is_the_folder_name() -> None:
    domain = _manifest()["domain"]
    assert domain == INTEGRATION.name, (
        f"manifest.json domain {domain!r} is not the folder's name {INTEGRATION.name!r}"
    )
    assert re.fullmatch(r"[a-z0-9_]+", domain), (
        f"domain {domain!r}: a-z, 0-9 and _ only"
    )


def test_manifest_version_is_one_home_assistant_loads() -> None:
    version = _manifest()["version"]
    try:
        # The strategies the loader accepts for a custom integration's version.
        AwesomeVersion(
            version,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        pytest.fail(f"manifest.json version {version!r} would block loading: {err}")


def test_manifest_requirements_are_pinned() -> None:
    unpinned = [
        requirement
        for requirement in _manifest()["requirements"]
        if not re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[^=<>!~;\s]+",
            requirement,
        )
    ]
    assert not unpinned, f"requirements not pinned with ==: {unpinned}"


# ---------------------------------------------------------------------------
# strings.json and translations
# ---------------------------------------------------------------------------


def _differences(a: Any, b: Any, path: str = "") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            where = f"{path}.{key}" if path else key
            if key not in a:
                yield f"{where}: only in translations/en.json"
            elif key not in b:
                yield f"{where}: only in strings.json"
            else:
                yield from _differences(a[key], b[key], where)
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def test_english_translation_is_strings_json() -> None:
    strings = _strings()
    english = _json(INTEGRATION / "translations" / "en.json")
    differences = list(_differences(strings, english))
    assert not differences, "strings.json and translations/en.json differ" + _show(
        differences
    )


def test_translations_use_no_key_references() -> None:
    # Core resolves "[%key:…%]" when it builds its translations; a custom
    # integration's files are read as they are, so the reference would show.
    text = (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
    references = sorted(set(re.findall(r"\[%key:[^%]*%\]", text)))
    assert not references, f"translations/en.json uses key references: {references}"


def test_every_translation_key_in_the_code_is_readable() -> None:
    code = _code()
    problems = [
        f"{_at(use)}: cannot read the {use.kind} key ({use.key!r})"
        if use.kind != "unknown"
        else f"{_at(use)}: translation_key {use.key!r} of a call this test cannot place"
        for use in code.unreadable
    ]
    for use in code.uses:
        if isinstance(use.key, Pattern):
            allowed = (
                DYNAMIC_ENTITY_KEYS if use.kind == "entity" else DYNAMIC_ERROR_KEYS
            )
            pattern = (_glob_section(use), use.key.glob)
            if use.kind not in ("entity", "error") or pattern not in allowed:
                problems.append(
                    f"{_at(use)}: {use.kind} key built at run time ({use.key.glob!r}):"
                    " list the keys it stands for in this test's allow-lists"
                )
    assert not problems, _show(problems)


def test_dynamic_key_allow_lists_are_current() -> None:
    code = _code()
    found = {
        (_glob_section(use), use.key.glob)
        for use in code.uses
        if isinstance(use.key, Pattern)
    }
    problems = []
    for allowed in (DYNAMIC_ENTITY_KEYS, DYNAMIC_ERROR_KEYS):
        for (section, glob), keys in allowed.items():
            if (section, glob) not in found:
                problems.append(f"{section} {glob!r}: no longer built by the code")
            prefix, _, suffix = glob.partition("*")
            for key in sorted(keys):
                if not fnmatchcase(key, glob):
                    problems.append(f"{key!r} does not match {glob!r}")
                elif key.removeprefix(prefix).removesuffix(suffix) not in code.strings:
                    problems.append(
                        f"{key!r}: {key.removeprefix(prefix).removesuffix(suffix)!r}"
                        " appears nowhere in the code any more"
                    )
    assert not problems, _show(problems)


def _flow_sections(strings: dict[str, Any], use: Use) -> list[dict[str, Any]]:
    name = FLOW_KINDS[use.kind]
    flows = [use.section] if use.section is not None else ["config", "options"]
    return [_section(strings, flow, name) for flow in flows]


def test_flow_translation_keys_exist() -> None:
    strings = _strings()
    code = _code()
    missing = []
    for kind, name in FLOW_KINDS.items():
        for use, key in _expand(code.keys(kind), DYNAMIC_ERROR_KEYS):
            sections = _flow_sections(strings, use)
            if use.section is None:
                ok = any(key in section for section in sections)
            else:
                ok = all(key in section for section in sections)
            if not ok:
                flow = use.section or "config/options"
                missing.append(f"{flow}.{name}.{key} ({use.origin})")
    assert not missing, "flow keys the code uses are missing in strings.json" + _show(
        missing
    )


def test_entity_translation_keys_exist() -> None:
    strings = _strings()
    missing = [
        f"entity.{use.section}.{key} ({use.origin})"
        for use, key in _expand(_code().keys("entity"), DYNAMIC_ENTITY_KEYS)
        if key not in _section(strings, "entity", str(use.section))
    ]
    assert not missing, "entity keys the code uses are missing in strings.json" + _show(
        missing
    )


def test_exception_translation_keys_exist() -> None:
    strings = _strings()
    missing = [
        f"exceptions.{use.key}.message ({use.origin})"
        for use in _code().keys("exception")
        if "message" not in _section(strings, "exceptions", use.key)
    ]
    assert not missing, "exception keys the code uses are missing" + _show(missing)


def test_device_selector_and_issue_translation_keys_exist() -> None:
    strings = _strings()
    sections = {"device": "device", "selector": "selector", "issue": "issues"}
    missing = [
        f"{sections[use.kind]}.{use.key} ({use.origin})"
        for kind in sections
        for use in _code().keys(kind)
        if use.key not in _section(strings, sections[kind])
    ]
    assert not missing, "keys the code uses are missing in strings.json" + _show(
        missing
    )


def test_no_unused_flow_steps() -> None:
    strings = _strings()
    used = {
        (flow, key)
        for use in _code().keys("step")
        for flow in ([use.section] if use.section else ["config", "options"])
        for key in [use.key]
    }
    unused = [
        f"{flow}.step.{step}"
        for flow in ("config", "options")
        for step in _section(strings, flow, "step")
        if (flow, step) not in used
    ]
    assert not unused, "steps in strings.json no flow shows" + _show(unused)


def test_no_unused_entity_translation_keys() -> None:
    strings = _strings()
    used = {
        (str(use.section), key)
        for use, key in _expand(_code().keys("entity"), DYNAMIC_ENTITY_KEYS)
    }
    unused = [
        f"entity.{platform}.{key}"
        for platform, keys in _section(strings, "entity").items()
        for key in keys
        if (platform, key) not in used
    ]
    assert not unused, "entity keys in strings.json no description uses" + _show(unused)


def test_no_unused_exception_translation_keys() -> None:
    used = {use.key for use in _code().keys("exception")}
    unused = [
        f"exceptions.{key}"
        for key in _section(_strings(), "exceptions")
        if key not in used
    ]
    assert not unused, "exception keys in strings.json nothing raises" + _show(unused)


# ---------------------------------------------------------------------------
# quality_scale.yaml
# ---------------------------------------------------------------------------


def _rules(path: Path) -> dict[str, Any]:
    rules: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    return rules


def test_quality_scale_lists_every_rule_core_does() -> None:
    core = _rules(HA_ROOT / "components" / "homewizard" / "quality_scale.yaml")
    ours = _rules(INTEGRATION / "quality_scale.yaml")
    missing = sorted(set(core) - set(ours))
    unknown = sorted(set(ours) - set(core))
    assert not missing, f"quality_scale.yaml lacks the rules {missing}"
    assert not unknown, f"quality_scale.yaml has rules core does not know: {unknown}"


def test_quality_scale_rules_have_a_status() -> None:
    problems = []
    for rule, value in _rules(INTEGRATION / "quality_scale.yaml").items():
        if isinstance(value, str):
            status, comment = value, None
        elif isinstance(value, dict) and set(value) <= {"status", "comment"}:
            status, comment = value.get("status"), value.get("comment")
        else:
            problems.append(f"{rule}: a status, or a mapping of status and comment")
            continue
        if status not in ("done", "todo", "exempt"):
            problems.append(f"{rule}: status {status!r} is not done, todo or exempt")
        elif status == "exempt" and not (isinstance(comment, str) and comment.strip()):
            problems.append(f"{rule}: exempt needs a comment saying why")
    assert not problems, _show(problems)


# ---------------------------------------------------------------------------
# icons.json
# ---------------------------------------------------------------------------


def test_entities_without_device_class_have_icons() -> None:
    icons = _section(_json(INTEGRATION / "icons.json"), "entity")
    problems = []
    for use, key in _expand(_code().keys("entity"), DYNAMIC_ENTITY_KEYS):
        if use.section not in ICON_PLATFORMS:
            continue
        if use.device_class == "unknown":
            problems.append(
                f"{use.section}.{key} ({use.origin}): cannot tell its device class"
            )
        elif use.device_class == "no" and "default" not in _section(
            icons, str(use.section), key
        ):
            problems.append(f"entity.{use.section}.{key}.default ({use.origin})")
    assert not problems, "entities without a device class need an icon" + _show(
        problems
    )


def test_icons_are_mdi_icons_of_existing_entities() -> None:
    icons = _section(_json(INTEGRATION / "icons.json"), "entity")
    entities = _section(_strings(), "entity")
    problems = []
    for platform, keys in icons.items():
        for key, entry in keys.items():
            if key not in entities.get(platform, {}):
                problems.append(
                    f"entity.{platform}.{key}: no such entity in strings.json"
                )
            if not str(entry.get("default", "")).startswith("mdi:"):
                problems.append(f"entity.{platform}.{key}.default must be an mdi: icon")
            for state, icon in entry.get("state", {}).items():
                if not str(icon).startswith("mdi:"):
                    problems.append(
                        f"entity.{platform}.{key}.state.{state} must be an mdi: icon"
                    )
    assert not problems, _show(problems)
