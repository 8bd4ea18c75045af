"""The spec is valid, complete against design.md, self-consistent, and generated/ follows it."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
CONTRACT = ROOT.parent / "shared" / "contract" / "cli.md"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "post", "put", "patch", "delete")

#: design.md section 3, row by row: every operation the API has.
DESIGN_OPERATIONS = {
    ("GET", "/healthz"),
    ("POST", "/v1/agent-signups"),
    ("GET", "/v1/whoami"),
    ("GET", "/v1/quota"),
    ("GET", "/v1/payment-methods"),
    ("GET", "/v1/credit-packs"),
    ("POST", "/v1/credit-quotes"),
    ("POST", "/v1/credit-purchases/stripe-checkout-sessions"),
    ("GET", "/v1/credit-purchases/status"),
    ("GET", "/v1/models"),
    ("GET", "/v1/models/{model_id}"),
    ("GET", "/v1/capabilities"),
    ("GET", "/v1/capabilities/{capability_id}"),
    ("POST", "/v1/create"),
    ("POST", "/v1/upload"),
    ("POST", "/v1/edit"),
    ("GET", "/v1/assets/{asset_id}"),
    ("GET", "/v1/jobs/{job_id}"),
    ("GET", "/v1/activity"),
    ("GET", "/v1/activity/{ref}"),
    ("POST", "/v1/feedback"),
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_spec_is_valid_openapi_31() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_spec_covers_every_operation_of_the_design() -> None:
    assert {(m, p) for m, p, _ in operations()} == DESIGN_OPERATIONS


@pytest.mark.parametrize(
    ("method", "path", "op"), operations(), ids=lambda v: v if isinstance(v, str) else "op"
)
def test_operation_is_documented_for_agents(method: str, path: str, op: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z][A-Za-z]+", op["operationId"])
    assert op.get("summary")
    assert op.get("description")
    assert op["x-image-skill-command"].startswith("image-skill ")
    responses = op["responses"]
    success = [code for code in responses if code.startswith("2")]
    assert success, "a documented success response"
    assert "default" in responses, "a documented error response"
    for code in [*success, "default"]:
        response = deref(responses[code])
        assert "x-image-skill-exit-code" in response.get("headers", {}), f"{code} lacks the exit-code header"
        assert "application/json" in response["content"]


def test_error_code_enum_equals_the_registry_in_order() -> None:
    schema = SPEC["components"]["schemas"]["ErrorCode"]
    assert schema["enum"] == list(schema["x-image-skill-error-codes"])


def test_registry_http_status_agrees_with_exit_code() -> None:
    expected = {401: {3}, 403: {3}, 402: {5}, 429: {5}}
    for code, row in SPEC["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"].items():
        status = row["http_status"]
        assert 0 <= row["exit_code"] <= 9, code
        if status in expected:
            assert row["exit_code"] in expected[status], code
        elif status is not None and status >= 500:
            assert row["exit_code"] in {7, 8, 9}, code
        if row["exit_code"] in (3, 5) and status is not None:
            assert status in (401, 403, 402, 429), code


def test_id_schemas_have_patterns_that_accept_their_prefix() -> None:
    schemas = SPEC["components"]["schemas"]
    for name, schema in schemas.items():
        prefix = schema.get("x-id-prefix")
        if prefix:
            sample = prefix + "A1b2C3d4E5f6G7h8" * 2
            if name == "TraceId":
                sample = prefix + "0123456789abcdef"
            assert re.match(schema["pattern"], sample), name


def test_activity_event_enum_equals_the_contract_registry() -> None:
    assert CONTRACT.exists(), f"the contract is expected at {CONTRACT}"
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("### Activity Event Registry", 1)[1].split("\n### ", 1)[0]
    contract_types = re.findall(r"^\|\s*`([a-z0-9_.]+)`\s*\|", section, flags=re.MULTILINE)
    schema = SPEC["components"]["schemas"]["ActivityEventType"]
    assert contract_types, "the registry table was found"
    assert schema["enum"] == contract_types
    assert list(schema["x-image-skill-activity-events"]) == contract_types


def _codegen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codegen", ROOT / "tools" / "codegen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_codegen_is_deterministic(tmp_path: Path) -> None:
    codegen = _codegen()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = codegen.render_all(tmp_path / "a")
    second = codegen.render_all(tmp_path / "b")
    assert first == second
    assert all("DO NOT EDIT" in text for name, text in first.items() if name.endswith(".py"))


def test_generated_code_matches_the_spec() -> None:
    command = [sys.executable, str(ROOT / "tools" / "codegen.py"), "--check"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
