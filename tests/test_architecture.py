"""The import graph of cli/ and mock/: no cycles, the two never import each other, and the mock's
layers import only downward.

Static: every ``import`` statement in the source counts, module-level and function-level alike,
so a cycle hidden inside a function (imported lazily to keep start-up fast) is still a cycle. So
does an import by name: ``importlib.import_module("pkg.mod")`` and ``__import__("pkg.mod")`` with a
literal name (or a name assigned a literal in the same file); an f-string counts as depending on
the module its literal prefix names (``f"pkg.commands.{name}"`` depends on ``pkg.commands``).

The mock's layers, top down: ``main`` -> ``app`` (the composition root) -> ``resources`` (one module
per spec tag) -> the features (``creative``, ``payments``, ``ledger``, ``control``, ``documents``) ->
``http`` (the wire) ->
``store`` (SQLite) -> the kernel (``ids``, ``clock``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator, Mapping, Set
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "image_skill": ROOT / "cli" / "image_skill",
    "image_skill_mock": ROOT / "mock" / "image_skill_mock",
}
MOCK = "image_skill_mock"
FEATURES = ("creative", "payments", "ledger", "control", "documents")


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(packages: dict[str, Path]) -> dict[str, Path]:
    return {
        _module_name(package, root, path): path
        for package, root in packages.items()
        for path in sorted(root.rglob("*.py"))
    }


def _literal(node: ast.expr, names: dict[str, str]) -> str | None:
    """The module name a string expression spells: a literal, an f-string's literal prefix up to its
    last dot (the package it names), or a name assigned one of those in the same file."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value.rpartition(".")[0] or None
        return None
    if isinstance(node, ast.Name):
        return names.get(node.id)
    return None


def _dynamic_targets(tree: ast.AST) -> Iterator[str]:
    """The modules imported by name: ``importlib.import_module(...)``, ``import_module(...)`` and
    ``__import__(...)`` whose first argument names a module statically."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            spelled = _literal(node.value, {})
            if spelled:
                names[node.targets[0].id] = spelled
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = (
            func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        )
        if called in ("import_module", "__import__"):
            spelled = _literal(node.args[0], names)
            if spelled and not spelled.startswith("."):
                yield spelled


def _imported(module: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every first-party module ``module`` imports (``from pkg import name`` counts name if a module)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: list[str] = list(_dynamic_targets(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            targets += [f"{base}.{alias.name}" for alias in node.names] + [base]
    for target in targets:
        found = target
        while found and found not in known:
            found = found.rpartition(".")[0]
        if found and found != module:
            yield found


def _graph(packages: dict[str, Path]) -> dict[str, set[str]]:
    modules = _modules(packages)
    known = set(modules)
    return {name: set(_imported(name, path, known)) for name, path in modules.items()}


@functools.cache
def _repo_graph() -> dict[str, frozenset[str]]:
    """The repository's import graph, parsed once for every test that reads it."""
    return {module: frozenset(targets) for module, targets in _graph(PACKAGES).items()}


def _cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


# --------------------------------------------------------------------------- the mock's layers
def _layer(module: str) -> str:
    """The mock's layer of ``module``: its first name below the package (``store``, ``http``,
    ``payments``, ..., or a top-level module's own name such as ``app`` or ``ids``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _mock_edges() -> Iterator[tuple[str, str]]:
    for module, targets in _repo_graph().items():
        if module.split(".")[0] == MOCK:
            for target in targets:
                if target.split(".")[0] == MOCK and target != MOCK:
                    yield module, target


def _crossing(
    importers: set[str], *, allowed: set[str] | None = None, forbidden: set[str] | None = None
) -> list[str]:
    """The imports from a module of the ``importers`` layers into another layer that is not in
    ``allowed`` (when given) or is in ``forbidden`` (when given)."""
    return sorted(
        f"{module} -> {target}"
        for module, target in _mock_edges()
        if _layer(module) in importers
        and _layer(target) not in importers
        and (allowed is None or _layer(target) not in allowed)
        and (forbidden is None or _layer(target) in forbidden)
    )


def test_the_store_imports_nothing_above_it() -> None:
    assert _crossing({"store"}, allowed={"ids", "clock"}) == []


def test_the_wire_imports_no_feature() -> None:
    assert _crossing({"http"}, forbidden={*FEATURES, "resources", "app", "main"}) == []


@pytest.mark.parametrize("feature", FEATURES)
def test_features_import_neither_resources_nor_the_app(feature: str) -> None:
    assert _crossing({feature}, forbidden={"resources", "app", "main"}) == []


def test_only_the_app_imports_resources() -> None:
    offenders = sorted(
        f"{module} -> {target}"
        for module, target in _mock_edges()
        if _layer(target) == "resources" and _layer(module) not in ("resources", "app")
    )
    assert offenders == []


def test_the_mock_layers_form_no_cycle() -> None:
    layers: dict[str, set[str]] = {}
    for module, target in _mock_edges():
        layers.setdefault(_layer(module), set()).add(_layer(target))
        layers.setdefault(_layer(target), set())
    for layer, targets in layers.items():
        targets.discard(layer)
    assert _cycles(layers) == []


# ------------------------------------------------------------------------------ the whole graph
def test_the_graph_sees_every_module_and_lazy_imports() -> None:
    graph = _repo_graph()
    assert "image_skill.main" in graph
    assert "image_skill_mock.app" in graph
    # main imports its command modules lazily (inside functions): those edges must be seen.
    assert "image_skill.envelope" in graph["image_skill.main"]


def test_no_import_cycles() -> None:
    assert _cycles(_repo_graph()) == []


@pytest.mark.parametrize(
    ("importer", "forbidden"), [("image_skill", "image_skill_mock"), ("image_skill_mock", "image_skill")]
)
def test_cli_and_mock_never_import_each_other(importer: str, forbidden: str) -> None:
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in _repo_graph().items()
        if module.split(".")[0] == importer
        for target in targets
        if target.split(".")[0] == forbidden
    )
    assert offenders == []


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(planted) == [["a", "b", "c"]]


# ------------------------------------------------------------------ imports made by name, planted
def _plant(root: Path, files: dict[str, str]) -> dict[str, Path]:
    """A package ``fakepkg`` under ``root`` with ``files`` (and an empty ``__init__.py``)."""
    for name, text in {"__init__.py": "", **files}.items():
        path = root / "fakepkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"fakepkg": root / "fakepkg"}


#: Modules importing ``fakepkg.target`` by name, each in another way.
BY_NAME = {
    "loader.py": "import importlib\n\ndef load():\n    importlib.import_module('fakepkg.target')\n",
    "bare.py": "from importlib import import_module\nimport_module('fakepkg.target')\n",
    "dunder.py": "def load():\n    return __import__('fakepkg.target')\n",
    "named.py": "NAME = 'fakepkg.target'\n\ndef load():\n    __import__(NAME)\n",
    "target.py": "",
}
#: A command loader, as the CLI's: the module name is an f-string under a package.
LOADER = {
    "index.py": "import importlib\nimportlib.import_module(f'fakepkg.commands.{NAME}')\n",
    "commands/__init__.py": "",
    "commands/run.py": "",
}
#: a -> b by importlib, b -> c by an import statement, c -> a by __import__ inside a function.
CYCLE = {
    "a.py": "import importlib\n\ndef load():\n    return importlib.import_module('fakepkg.b')\n",
    "b.py": "from fakepkg import c\n",
    "c.py": "def later():\n    __import__('fakepkg.a')\n",
}


def test_an_importlib_import_is_an_edge(tmp_path: Path) -> None:
    graph = _graph(_plant(tmp_path, BY_NAME))
    for importer in ("loader", "bare", "dunder", "named"):
        assert "fakepkg.target" in graph[f"fakepkg.{importer}"], importer


def test_an_f_string_import_depends_on_its_literal_prefix(tmp_path: Path) -> None:
    assert _graph(_plant(tmp_path, LOADER))["fakepkg.index"] == {"fakepkg.commands"}


def test_a_cycle_through_importlib_is_found(tmp_path: Path) -> None:
    assert _cycles(_graph(_plant(tmp_path, CYCLE))) == [["fakepkg.a", "fakepkg.b", "fakepkg.c"]]


def test_the_conformance_kit_imports_neither_the_cli_nor_the_mock() -> None:
    """The kit talks HTTP to servers and runs clients as subprocesses: only ``image_skill_api`` facts."""
    kit = ROOT / "conformance" / "image_skill_conformance"
    offenders = []
    for path in sorted(kit.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("image_skill", "image_skill_mock")
            ]
    assert len(list(kit.rglob("*.py"))) > 5
    assert offenders == []
