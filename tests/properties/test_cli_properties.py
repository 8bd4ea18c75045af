"""Hypothesis properties of the client: what it prints, what it sends, what it never leaks.

Random argv (real command words and flags mixed with arbitrary text) run in-process against a
recording server. Whatever the input, the CLI must print exactly one envelope that validates
against the spec, exit with the registry's exit code, stay silent on a non-TTY stderr, send only
requests the spec describes, send the token only to authenticated operations of the base URL it
belongs to, and never print the token.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import output_rules
from image_skill.main import main
from image_skill_api.registry import ID_PATTERNS, TOKEN_PREFIX

from .conftest import Recorder
from .spec_support import match_operation, validate_envelope, validate_request

TOKEN = TOKEN_PREFIX + "PropertyTestToken_0123456789abcdefABCDEF"
SAVED_TOKEN = TOKEN_PREFIX + "SavedForAnotherBaseUrl_0123456789abcdef"

COMMANDS = [
    [], ["help"], ["version"], ["doctor"], ["whoami"], ["usage", "quota"], ["quota"], ["credits", "methods"],
    ["models"], ["models", "list"], ["models", "show"], ["capabilities"], ["capabilities", "list"],
    ["capabilities", "show"], ["create"], ["create", "--guide"], ["jobs", "show"], ["jobs", "wait"],
    ["assets", "show"], ["assets", "get"], ["signup", "--agent"], ["signup"],
]  # fmt: skip
FLAGS = [
    "--json", "--prompt", "--prompt-file", "--model", "--provider", "--intent", "--aspect-ratio",
    "--output-count", "--max-estimated-usd-per-image", "--model-parameters-json", "--dry-run",
    "--accept-unknown-cost", "--guide", "--available", "--executable", "--catalog-only", "--operation",
    "--agent", "--agent-contact", "--human-email", "--agent-name", "--runtime", "--save", "--show-token",
    "--timeout-ms", "--poll-interval-ms", "--output", "--overwrite", "--token-stdin", "--help", "-h",
    "--version", "--card-number",
]  # fmt: skip
VALUES = [
    "image.generate", "image.edit", "fal", "openai", "1:1", "16:9", "auto", "0.05", "0.07", "2", "0", "-1",
    "1e9", "{}", '{"seed": 1}', "[1]", "job_0123456789abcdef0123", "image_0123456789abcdef", "-",
    "agent@example.invalid", "xai.grok-imagine-image-quality", "https://example.com/a/image_x.png",
]  # fmt: skip

tokens = st.one_of(st.sampled_from(FLAGS), st.sampled_from(VALUES), st.text(max_size=24))
argvs = st.builds(lambda cmd, rest: [*cmd, *rest], st.sampled_from(COMMANDS), st.lists(tokens, max_size=8))

TRACE = re.compile(ID_PATTERNS["TraceId"])


def run_cli(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, env=env, stdin=io.StringIO(TOKEN + "\n"), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def check_output(argv: list[str], code: int, out: str, err: str) -> dict[str, object]:
    """The output rules every run obeys (``output_rules``), and an envelope the spec validates."""
    envelope = output_rules.check_output(argv, code, out, err)
    validate_envelope(envelope)
    return envelope


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=argvs)
def test_any_argv_prints_one_valid_envelope_and_sends_only_spec_requests(
    recorder: Recorder, argv: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "IMAGE_SKILL_API_BASE_URL": recorder.base_url,
            "IMAGE_SKILL_CONFIG_PATH": f"{tmp}/cfg/config.json",
            "IMAGE_SKILL_TOKEN": TOKEN,
            "IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "5",
        }
        seen = len(recorder.requests)
        code, out, err = run_cli(argv, env)
        sent = recorder.requests[seen:]
    check_output(argv, code, out, err)
    if "--show-token" not in argv:
        assert TOKEN not in out
    assert TOKEN not in err
    for request in sent:
        found = match_operation(request.method, request.path)
        assert found is not None, f"{request.method} {request.path} is not an operation of the spec"
        op, path_params = found
        validate_request(op, path_params, request.query, request.body)
        if op.auth:
            assert request.headers.get("authorization") == f"Bearer {TOKEN}"
        else:
            assert "authorization" not in request.headers, f"token sent to public {op.operation_id}"
        trace = request.headers.get("x-image-skill-trace-id")
        assert trace is None or TRACE.match(trace)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=argvs)
def test_a_saved_token_never_reaches_another_base_url(recorder: Recorder, argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "cfg" / "config.json"
        config.parent.mkdir(mode=0o700)
        config.write_text(json.dumps({"api_base_url": "http://127.0.0.1:9", "token": SAVED_TOKEN}))
        config.chmod(0o600)
        env = {"IMAGE_SKILL_API_BASE_URL": recorder.base_url, "IMAGE_SKILL_CONFIG_PATH": str(config)}
        seen = len(recorder.requests)
        argv = [a for a in argv if a != "--token-stdin"]
        code, out, err = run_cli(argv, env)
        sent = recorder.requests[seen:]
    check_output(argv, code, out, err)
    assert SAVED_TOKEN not in out + err
    for request in sent:
        assert SAVED_TOKEN not in json.dumps(request.headers) + request.body.decode("utf-8", "replace")
