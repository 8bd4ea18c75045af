"""The spec is valid, complete against design.md, self-consistent, and generated/ follows it.

Tests marked ``contract`` compare with the contract document and run only with ``--contract=PATH``
(tests/conftest.py); nothing here reads outside the repository.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from .codegen_module import ROOT, SPEC, codegen

METHODS = ("get", "post", "put", "patch", "delete")

#: design.md section 3, row by row: every operation the API has.
DESIGN_OPERATIONS = {
    ("GET", "/healthz"),
    ("POST", "/v1/agent-signups"),
    ("POST", "/v1/agent-claims"),  # design.md section 7: claim request
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


#: The tag of the mock's control API (issue 16): served by `image-skill-mock serve --control` only,
#: never part of the hosted API of the design, and all of it under one path prefix.
MOCK_CONTROL_TAG = "mock-control"


def test_spec_covers_every_operation_of_the_design() -> None:
    hosted = {(m, p) for m, p, op in operations() if MOCK_CONTROL_TAG not in op["tags"]}
    assert hosted == DESIGN_OPERATIONS


def test_the_mock_control_operations_live_under_their_own_prefix_and_tag() -> None:
    prefix = SPEC["x-image-skill-mock-control"]["path_prefix"]
    controlled = [(p, op) for _, p, op in operations() if MOCK_CONTROL_TAG in op["tags"]]
    assert controlled
    for path, op in controlled:
        assert path.startswith(prefix), path
        assert op["tags"] == [MOCK_CONTROL_TAG]
        assert op["x-image-skill-command"].startswith("image-skill-mock ")
        assert op["security"] == []
    assert all(not p.startswith(prefix) for _, p, op in operations() if MOCK_CONTROL_TAG not in op["tags"])


@pytest.mark.parametrize(
    ("method", "path", "op"), operations(), ids=lambda v: v if isinstance(v, str) else "op"
)
def test_operation_is_documented_for_agents(method: str, path: str, op: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z][A-Za-z]+", op["operationId"])
    assert op.get("summary")
    assert op.get("description")
    cli = "image-skill-mock " if MOCK_CONTROL_TAG in op["tags"] else "image-skill "
    assert op["x-image-skill-command"].startswith(cli)
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
    # The status <-> exit code rule lives in the spec (x-image-skill-status-exit-codes) and reaches
    # code through generated/; tests/spec/test_one_place.py checks the generated rule against the table.
    from image_skill_api.registry import ExitCode, status_exit_rule

    for code, row in SPEC["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"].items():
        status, exit_code = row["http_status"], ExitCode(row["exit_code"])
        assert exit_code != ExitCode.OK, code
        if status is not None:
            assert exit_code in status_exit_rule(status).consistent_exit_codes, (code, status, exit_code)


def test_id_schemas_have_patterns_that_accept_their_prefix() -> None:
    schemas = SPEC["components"]["schemas"]
    for name, schema in schemas.items():
        prefix = schema.get("x-id-prefix")
        if prefix:
            sample = prefix + "A1b2C3d4E5f6G7h8" * 2
            if name == "TraceId":
                sample = prefix + "0123456789abcdef"
            assert re.match(schema["pattern"], sample), name


@pytest.mark.contract
def test_activity_event_enum_equals_the_contract_registry(contract_text: str) -> None:
    text = contract_text
    section = text.split("### Activity Event Registry", 1)[1].split("\n### ", 1)[0]
    contract_types = re.findall(r"^\|\s*`([a-z0-9_.]+)`\s*\|", section, flags=re.MULTILINE)
    schema = SPEC["components"]["schemas"]["ActivityEventType"]
    assert contract_types, "the registry table was found"
    assert schema["enum"] == contract_types
    assert list(schema["x-image-skill-activity-events"]) == contract_types


#: The seed of the other process that renders the generated code (``test_generated_code_matches_the_spec``):
#: never this process's, so the two renders differ in every set and dict ordering a seed can change.
OTHER_HASH_SEED = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"


def test_codegen_is_deterministic(tmp_path: Path) -> None:
    """A render in this process is byte for byte the committed one, which the test below reproduces in
    another process with another hash seed: two renders, not three, for one fact."""
    rendered = codegen.render_all(tmp_path)
    assert codegen.drift(rendered) == [], "a render differs from the committed one; see the test below"
    assert all("DO NOT EDIT" in text for name, text in rendered.items() if name.endswith(".py"))


def test_generated_code_matches_the_spec() -> None:
    command = [sys.executable, str(ROOT / "tools" / "codegen.py"), "--check"]
    env = {**os.environ, "PYTHONHASHSEED": OTHER_HASH_SEED}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def _registry() -> dict[str, Any]:
    registry: dict[str, Any] = SPEC["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]
    return registry


def test_every_auth_recovery_is_the_one_signup_template() -> None:
    registry = _registry()
    template = registry["AUTH_REQUIRED"]["recovery"]["suggested_command"]
    assert "AUTH_TOKEN_INVALID" not in registry  # retired (design.md section 7)
    argv = template.split()
    assert argv[:3] == ["image-skill", "signup", "--agent"]
    assert "--agent-contact" not in argv  # signup is anonymous by default
    for flag, placeholder in (
        ("--agent-name", "AGENT_NAME"),
        ("--runtime", "RUNTIME"),
    ):
        assert argv[argv.index(flag) + 1] == placeholder
    assert "@" not in template, "no concrete inbox an agent could copy"


def test_every_registry_recovery_command_is_a_command_line_the_cli_parses() -> None:
    from image_skill.command_table import COMMANDS
    from image_skill.envelope import Refusal
    from image_skill.main import parse

    checked = 0
    for code, row in _registry().items():
        command = (row.get("recovery") or {}).get("suggested_command", "")
        if not command.startswith("image-skill "):
            continue
        argv = shlex.split(command)[1:]
        assert argv[0] in COMMANDS, code
        assert not isinstance(parse(argv[0], argv), Refusal), (code, command)
        checked += 1
    assert checked > 0


def test_recovery_schema_describes_required_flags_and_accepted_aliases() -> None:
    recovery = SPEC["components"]["schemas"]["Recovery"]["properties"]
    assert recovery["required_flags"]["type"] == "array"
    aliases = recovery["accepted_aliases"]
    assert aliases["type"] == "object"
    assert aliases["additionalProperties"]["type"] == "array"


def test_waiting_for_a_plan_has_its_own_invalid_arguments_code() -> None:
    row = _registry()["JOB_NOT_RUNNABLE"]
    assert row["exit_code"] == 2
    assert row["http_status"] is None  # only the CLI decides it (jobs wait)
    assert row["retryable"] is False


@pytest.mark.contract
def test_the_signup_template_has_the_flags_of_the_contracts_signup(contract_text: str) -> None:
    section = contract_text.split("### `image-skill signup --agent`", 1)[1].split("\n### ", 1)[0]
    example = section.split("```bash", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    contract_flags = {word for word in example.split() if word.startswith("--")}
    template = _registry()["AUTH_REQUIRED"]["recovery"]["suggested_command"]
    # Every flag of the (anonymous) template is in the contract's example; the 0.1.13 example also
    # names --agent-contact and --save, the 0.1.70 one exactly these.
    assert {word for word in template.split() if word.startswith("--")} <= contract_flags
