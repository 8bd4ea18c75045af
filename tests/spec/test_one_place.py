"""One fact, one place: the status -> exit code rule, the envelope and the trace id come from the spec.

The spec writes each once (``x-image-skill-status-exit-codes``, the ``Envelope`` schema, the
``TraceId`` pattern); the codegen turns them into ``image_skill_api.registry.exit_code_for_status``
and ``image_skill_api.envelope``; the CLI and the mock build nothing of their own.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from image_skill_api import envelope as generated
from image_skill_api.constants import ENVELOPE_KEYS
from image_skill_api.registry import (
    STATUS_EXIT_RULES,
    ErrorCode,
    ExitCode,
    exit_code_for_status,
    status_exit_rule,
)

from .codegen_module import ROOT, SPEC, codegen

TABLE: dict[str, Any] = SPEC["x-image-skill-status-exit-codes"]
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
TRACE_ID = re.compile(SCHEMAS["TraceId"]["pattern"])
STATUSES = range(100, 600)


def _rule_in_spec(status: int) -> dict[str, Any]:
    """The table read as the spec's comment says: the first rule covering ``status``, else otherwise."""
    rules: list[dict[str, Any]] = TABLE["rules"]
    for rule in rules:
        if status >= rule["min_status"] if "min_status" in rule else status in rule["statuses"]:
            return rule
    otherwise: dict[str, Any] = TABLE["otherwise"]
    return otherwise


# ------------------------------------------------------------ status -> exit code
@pytest.mark.parametrize("status", STATUSES)
def test_generated_exit_code_for_status_is_the_spec_table(status: int) -> None:
    rule = _rule_in_spec(status)
    assert exit_code_for_status(status) == rule["exit_code"]
    assert exit_code_for_status(status, ok=False) == rule["exit_code"]
    assert exit_code_for_status(status, ok=True) == TABLE["ok"] == ExitCode.OK
    assert status_exit_rule(status).exit_code == rule["exit_code"]
    assert status_exit_rule(status).consistent_exit_codes == frozenset(rule["consistent_exit_codes"])


def test_generated_rules_are_the_spec_rows_in_order() -> None:
    rows = [*TABLE["rules"], TABLE["otherwise"]]
    assert [(r.exit_code, set(r.consistent_exit_codes)) for r in STATUS_EXIT_RULES] == [
        (row["exit_code"], set(row["consistent_exit_codes"])) for row in rows
    ]
    assert all(isinstance(code, ExitCode) for r in STATUS_EXIT_RULES for code in r.consistent_exit_codes)


def test_the_codegen_check_reads_the_table_as_the_generated_function_does() -> None:
    table = codegen.status_exit_codes(SPEC)
    for status in STATUSES:
        rule = codegen.status_exit_rule(table, status)
        assert (rule["exit_code"], set(rule["consistent_exit_codes"])) == (
            status_exit_rule(status).exit_code,
            set(status_exit_rule(status).consistent_exit_codes),
        ), status


def test_the_error_registry_agrees_with_the_table() -> None:
    for code, row in SCHEMAS["ErrorCode"]["x-image-skill-error-codes"].items():
        if row["http_status"] is not None:
            rule = status_exit_rule(row["http_status"])
            assert ExitCode(row["exit_code"]) in rule.consistent_exit_codes, code
    codegen.check_registry(SPEC)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("AUTH_REQUIRED", 500),  # an auth failure sent as a 5xx
        ("AUTH_REQUIRED", 400),  # ... or as a plain 4xx
        ("INVALID_ARGUMENTS", 401),  # a 401 that is not an auth failure
        ("QUOTA_EXCEEDED", 403),
        ("PROVIDER_FAILED", 400),  # an upstream failure sent as a 4xx
        ("INVALID_ARGUMENTS", 502),
    ],
)
def test_the_codegen_refuses_a_registry_status_inconsistent_with_the_table(code: str, status: int) -> None:
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"][code]["http_status"] = status
    with pytest.raises(codegen.SpecError, match="inconsistent"):
        codegen.check_registry(spec)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda t: t["rules"][0].update(exit_code=4),  # derives an exit code it does not allow
        lambda t: t["rules"][0].update(min_status=400),  # both statuses and min_status
        lambda t: t["otherwise"].update(statuses=[400]),  # otherwise covers the rest by definition
        lambda t: t["rules"][1].update(statuses=[42]),  # not an HTTP status
        lambda t: t["rules"][2]["consistent_exit_codes"].append(0),  # OK is not a failure
        lambda t: t.update(ok=10),  # not an exit code
    ],
)
def test_the_codegen_refuses_a_broken_table(breakage: Any) -> None:
    spec = copy.deepcopy(SPEC)
    breakage(spec["x-image-skill-status-exit-codes"])
    with pytest.raises(codegen.SpecError, match="x-image-skill-status-exit-codes"):
        codegen.check_registry(spec)


def test_a_new_rule_in_the_spec_reaches_the_generated_function() -> None:
    spec = copy.deepcopy(SPEC)
    spec["x-image-skill-status-exit-codes"]["rules"].insert(
        0, {"statuses": [408], "exit_code": 8, "consistent_exit_codes": [8]}
    )
    module = ast.parse(codegen.render_registry(spec))
    function = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "status_exit_rule")
    first = function.body[1]  # after the docstring
    assert isinstance(first, ast.If)
    assert ast.unparse(first.test) == "status in (408,)"


# -------------------------------------------------------------------- envelope
def test_envelope_keys_are_the_schema_in_order() -> None:
    assert list(ENVELOPE_KEYS) == SCHEMAS["Envelope"]["required"]
    assert set(ENVELOPE_KEYS) == set(SCHEMAS["Envelope"]["properties"])


def test_the_generated_builder_produces_exactly_the_envelope_keys_in_order() -> None:
    built = generated.envelope(ok=True, command="image-skill whoami", trace_id=generated.new_trace_id())
    assert list(built) == list(ENVELOPE_KEYS)
    assert built["warnings"] == []
    assert built["actor"] is built["data"] is built["error"] is None
    warned = generated.envelope(
        ok=True, command="image-skill x", trace_id="t", warnings=({"code": "W", "message": "m"},)
    )
    assert warned["warnings"] == [{"code": "W", "message": "m"}]
    assert isinstance(warned["warnings"], list)


def test_a_new_envelope_key_in_the_spec_fails_the_codegen_until_the_builder_has_it() -> None:
    spec = copy.deepcopy(SPEC)
    envelope_schema = spec["components"]["schemas"]["Envelope"]
    envelope_schema["required"].append("meta")
    envelope_schema["properties"]["meta"] = {}
    with pytest.raises(codegen.SpecError, match=r"envelope\.py\.jinja"):
        codegen.render_envelope(spec)


def test_a_trace_id_pattern_without_even_hex_digits_is_a_spec_error() -> None:
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["TraceId"]["pattern"] = "^trace_[0-9a-f]{15}$"
    with pytest.raises(codegen.SpecError, match="TraceId"):
        codegen.render_envelope(spec)


def test_the_cli_builders_are_the_generated_one() -> None:
    from image_skill.envelope import CliError, failure, new_trace_id, success

    assert new_trace_id is generated.new_trace_id
    trace_id = new_trace_id()
    ok = success("image-skill whoami", {"a": 1}, trace_id=trace_id, warnings=[{"code": "W", "message": "m"}])
    error = CliError(ErrorCode.AUTH_REQUIRED, "no token")
    failed = failure("image-skill whoami", error, trace_id=trace_id)
    for built in (ok, failed):
        assert list(built) == list(ENVELOPE_KEYS)
    assert ok == generated.envelope(
        ok=True,
        command="image-skill whoami",
        trace_id=trace_id,
        data={"a": 1},
        warnings=[{"code": "W", "message": "m"}],
    )
    assert failed == generated.envelope(
        ok=False, command="image-skill whoami", trace_id=trace_id, error=error.as_error()
    )


def test_the_mock_builders_are_the_generated_one() -> None:
    from image_skill_mock import ids
    from image_skill_mock.errors import ApiError
    from image_skill_mock.http.envelope import failure, success

    assert ids.new_trace_id is generated.new_trace_id
    trace_id = ids.new_trace_id()
    ok = success("image-skill whoami", {"a": 1}, trace_id=trace_id, actor=None)
    failed = failure("image-skill whoami", ApiError(ErrorCode.AUTH_REQUIRED, "no token"), trace_id=trace_id)
    for response in (ok, failed):
        assert list(response.envelope) == list(ENVELOPE_KEYS)
        assert list(json.loads(response.body)) == list(ENVELOPE_KEYS)
    assert ok.envelope == generated.envelope(
        ok=True, command="image-skill whoami", trace_id=trace_id, data={"a": 1}
    )
    assert failed.envelope["data"] is None
    assert failed.envelope["error"]["code"] == "AUTH_REQUIRED"


def test_trace_ids_match_the_trace_id_pattern_and_do_not_repeat() -> None:
    minted = [generated.new_trace_id() for _ in range(500)]
    assert all(TRACE_ID.fullmatch(t) for t in minted)
    assert len(set(minted)) == len(minted)
    assert codegen.trace_id_bytes(SPEC) == generated.TRACE_ID_BYTES


# ----------------------------------------------------------- no second copies
def _production_modules() -> list[Path]:
    return sorted(
        [*(ROOT / "cli" / "image_skill").rglob("*.py"), *(ROOT / "mock" / "image_skill_mock").rglob("*.py")]
    )


def _builds_envelopes(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    keys = set(ENVELOPE_KEYS)
    return any(
        isinstance(node, ast.Dict)
        and keys <= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        for node in ast.walk(tree)
    )


def _mints_trace_ids(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return re.search(r"""(TRACE_ID_PREFIX|ID_PREFIXES\[["']TraceId["']\])\s*\+""", text) is not None


def test_no_production_module_builds_its_own_envelope_or_trace_id() -> None:
    offenders = {
        str(path.relative_to(ROOT))
        for path in _production_modules()
        if _builds_envelopes(path) or _mints_trace_ids(path)
    }
    assert offenders == set(), (
        "build envelopes with image_skill_api.envelope.envelope (or the CLI's / mock's success and"
        " failure) and trace ids with image_skill_api.envelope.new_trace_id"
    )
