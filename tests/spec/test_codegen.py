"""The codegen templates: spec strings reach the generated Python only as safe literals."""

from __future__ import annotations

import ast
import copy
import datetime
from pathlib import Path
from typing import Any

import pytest

from .codegen_module import SPEC, codegen

NASTY = 'It\'s "quoted", \'\'\' and """ with a \\ backslash, a \\n that is not a newline\nand a real one'


def _nasty_spec() -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    error = schemas["ErrorCode"]["x-image-skill-error-codes"]["INVALID_ARGUMENTS"]
    error["description"] = NASTY
    error["recovery"] = {"suggested_command": NASTY, "retry_after_seconds": 3}
    spec["x-image-skill-exit-codes"][1]["meaning"] = NASTY
    events = schemas["ActivityEventType"]["x-image-skill-activity-events"]
    next(iter(events.values()))["emitted_when"] = NASTY
    health = spec["paths"]["/healthz"]["get"]
    health["summary"] = NASTY
    health["x-image-skill-command"] = NASTY
    return spec


def _call_args(tree: ast.Module, target: str, key: str) -> list[Any]:
    """The literal arguments of the call stored under ``key`` in the module-level dict ``target``."""
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == target:
            assert isinstance(node.value, ast.Dict)
            for k, v in zip(node.value.keys, node.value.values, strict=True):
                if k is not None and ast.unparse(k) == key:
                    assert isinstance(v, ast.Call)
                    return [ast.literal_eval(arg) for arg in v.args if not isinstance(arg, ast.Attribute)]
    raise AssertionError(f"{target}[{key}] not found")


def test_quotes_and_backslashes_in_spec_strings_render_as_valid_python(tmp_path: Path) -> None:
    spec = _nasty_spec()
    rendered = {
        "registry.py": codegen.render_registry(spec),
        "operations.py": codegen.render_operations(spec),
        "constants.py": codegen.render_constants(spec),
    }
    for files in (rendered, codegen.format_python(rendered, tmp_path)):
        trees = {name: ast.parse(text, name) for name, text in files.items()}
        registry, operations = trees["registry.py"], trees["operations.py"]

        # Literals read back as exactly the spec's strings.
        error = _call_args(registry, "ERRORS", "ErrorCode.INVALID_ARGUMENTS")
        assert error[-2:] == [{"suggested_command": NASTY, "retry_after_seconds": 3}, NASTY]
        event = _call_args(registry, "ACTIVITY_EVENTS", "ActivityEventType.JOB_COMPLETED")
        assert event[-1] == NASTY
        assert _call_args(operations, "OPERATIONS", "'getHealth'")[3] == NASTY
        # One-line docstrings and comments hold the same text on one line.
        health = next(n for n in operations.body if isinstance(n, ast.FunctionDef) and n.name == "get_health")
        one_line = " ".join(NASTY.splitlines())
        assert ast.get_docstring(health) == f"GET /healthz - {one_line} (`{one_line}`)."
        assert f"  # {one_line}\n" in files["registry.py"]  # GENERIC_FAILURE's meaning


def test_a_template_cannot_print_a_value_raw() -> None:
    with pytest.raises(TypeError, match="raw"):
        codegen.TEMPLATES.from_string("x = {{ value }}").render(value="a'b")
    assert codegen.TEMPLATES.from_string("x = {{ value | py }}").render(value="a'b") == 'x = "a\'b"'


def test_a_spec_name_that_is_not_an_identifier_is_a_spec_error() -> None:
    spec = copy.deepcopy(SPEC)
    spec["paths"]["/healthz"]["get"]["operationId"] = "get-health"
    with pytest.raises(codegen.SpecError, match="identifier"):
        codegen.render_operations(spec)


def test_a_spec_value_without_a_python_literal_is_a_spec_error() -> None:
    spec = copy.deepcopy(SPEC)
    error = spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]["INVALID_ARGUMENTS"]
    error["description"] = datetime.date(2026, 11, 1)  # what YAML makes of an unquoted date
    with pytest.raises(codegen.SpecError, match="literal"):
        codegen.render_registry(spec)
