"""The import graph of cli/ and mock/: no cycles, and the two never import each other.

Static: every ``import`` statement in the source counts, module-level and function-level alike,
so a cycle hidden inside a function (imported lazily to keep start-up fast) is still a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "image_skill": ROOT / "cli" / "image_skill",
    "image_skill_mock": ROOT / "mock" / "image_skill_mock",
}


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(package, root, path): path
        for package, root in PACKAGES.items()
        for path in sorted(root.rglob("*.py"))
    }


def _imported(module: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every first-party module ``module`` imports (``from pkg import name`` counts name if a module)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            found = target
            while found and found not in known:
                found = found.rpartition(".")[0]
            if found and found != module:
                yield found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: set(_imported(name, path, known)) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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


def test_the_graph_sees_every_module_and_lazy_imports() -> None:
    graph = _graph()
    assert "image_skill.main" in graph
    assert "image_skill_mock.app" in graph
    # main imports its command modules lazily (inside functions): those edges must be seen.
    assert "image_skill.envelope" in graph["image_skill.main"]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    ("importer", "forbidden"), [("image_skill", "image_skill_mock"), ("image_skill_mock", "image_skill")]
)
def test_cli_and_mock_never_import_each_other(importer: str, forbidden: str) -> None:
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == importer
        for target in targets
        if target.split(".")[0] == forbidden
    )
    assert offenders == []


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(planted) == [["a", "b", "c"]]


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
