"""Today's clients' first steps from the real CLI against the real mock (issue 15): anonymous
signup (saved by default, --show-token --no-save, a discovery source), claim request, an upload
typed by its bytes, edit answers that name their inputs, and one code for one refusal on both
sides (the CLI's local refusal and the mock's answer to the same request)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ExitCode

from .conftest import Cli


def _signup(cli: Cli, *extra: str, env: dict[str, str] | None = None) -> Any:
    result = cli("signup", "--agent", "--agent-name", "anon", "--runtime", "pytest", *extra, env=env)
    assert result.exit_code == ExitCode.OK, result.envelope
    return result


def test_an_anonymous_signup_is_saved_and_works(cli: Cli) -> None:
    result = _signup(cli, env={"IMAGE_SKILL_DISCOVERY_SOURCE": "clawhub"})
    assert result.data["token"] is None
    assert result.data["token_saved"] is True
    assert result.data["agent_contact"] is None
    assert result.data["discovery_source"] == "clawhub"  # from the environment
    assert json.loads(cli.config_path.read_text())["token"].startswith("isk_r_")
    assert cli("whoami").data["claim_state"] == "unclaimed"


def test_the_flag_wins_over_the_environment_and_a_bad_slug_is_refused(cli: Cli) -> None:
    flagged = _signup(cli, "--discovery-source", "npm", env={"IMAGE_SKILL_DISCOVERY_SOURCE": "clawhub"})
    assert flagged.data["discovery_source"] == "npm"
    bad = cli("signup", "--agent", "--agent-name", "anon", env={"IMAGE_SKILL_DISCOVERY_SOURCE": "Not A Slug"})
    assert bad.exit_code == ExitCode.INVALID_ARGUMENTS
    assert "IMAGE_SKILL_DISCOVERY_SOURCE" in bad.error["message"]


def test_show_token_saves_too_and_no_save_needs_it(cli: Cli) -> None:
    shown = _signup(cli, "--show-token")
    assert shown.data["token"].startswith("isk_r_")
    assert json.loads(cli.config_path.read_text())["token"] == shown.data["token"]
    lost = cli("signup", "--agent", "--agent-name", "anon", "--no-save")
    assert lost.exit_code == ExitCode.INVALID_ARGUMENTS
    assert lost.error["recovery"]["required_flags"] == ["--show-token"]
    both = cli("signup", "--agent", "--agent-name", "anon", "--save", "--no-save", "--show-token")
    assert both.exit_code == ExitCode.INVALID_ARGUMENTS


def test_claim_request_attaches_once(cli: Cli) -> None:
    _signup(cli)
    attached = cli("claim", "request", "--contact", "agent-inbox@example.com")
    assert attached.exit_code == ExitCode.OK, attached.envelope
    assert attached.envelope["command"] == "image-skill claim request"
    assert (attached.data["state"], attached.data["claim_request_state"]) == ("attached", "requested")
    assert attached.data["activity"]["recorded"] is False
    assert cli("claim", "request", "--contact", "agent-inbox@example.com").data["state"] == "unchanged"
    assert cli("claim", "request", "--contact", "ops@example.org").data["state"] == "attached"


def test_png_bytes_named_jpg_upload_and_edit_names_its_input(cli: Cli, tmp_path: Path) -> None:
    _signup(cli)
    Image.new("RGB", (640, 480), (40, 120, 200)).save(tmp_path / "home" / "photo.jpg", "PNG")
    uploaded = cli("upload", "photo.jpg")
    assert uploaded.exit_code == ExitCode.OK, uploaded.envelope
    asset = uploaded.data["asset"]
    assert asset["mime_type"] == "image/png"
    edited = cli("edit", "--input", asset["asset_id"], "--prompt", "dusk", "--model", "fal.flux-pro-kontext")
    assert edited.exit_code == ExitCode.OK, edited.envelope
    assert edited.data["input_assets"] == [
        {
            "role": "input",
            "asset_id": asset["asset_id"],
            "mime_type": "image/png",
            "width": 640,
            "height": 480,
        }
    ]
    assert all(isinstance(output["seed_used"], int) for output in edited.data["assets"])
    created = cli(
        "create", "--prompt", "a harbour", "--model", "fal.flux-dev", "--model-parameters-json", '{"seed": 9}'
    )
    assert created.data["input_assets"] == []
    assert created.data["assets"][0]["seed_used"] == 9


# ------------------------------------------------------------------ one refusal, one code
def _http(server: str, method: str, path: str, token: str | None, body: Any = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as refused:
        answer = json.loads(refused.read())
    return answer


FEEDBACK = {
    "type": "user_feedback",
    "severity": "medium",
    "confidence": "medium",
    "next_state": "watch",
    "surface": ["cli"],
}
QUOTE, RECEIPT = "quote_" + "a" * 32, "rcpt_" + "b" * 32

#: Every CLI-side refusal of a request the mock also validates: (CLI argv, the same request over HTTP).
PARITY: list[tuple[list[str], tuple[str, str, Any]]] = [
    (["feedback", "create", "--title", "t"], ("POST", "/v1/feedback", {**FEEDBACK, "title": "t"})),
    (["feedback", "create", "--body", "b"], ("POST", "/v1/feedback", {**FEEDBACK, "body": "b"})),
    (
        ["credits", "status", "--quote-id", QUOTE, "--receipt-id", RECEIPT],
        ("GET", f"/v1/credit-purchases/status?quote_id={QUOTE}&receipt_id={RECEIPT}", None),
    ),
    (["claim", "request", "--contact", "nobody"], ("POST", "/v1/agent-claims", {"contact": "nobody"})),
    (["create", "--prompt", "   "], ("POST", "/v1/create", {"prompt": "   "})),
    (["create", "--prompt", "x", "--output-count", "11"],
     ("POST", "/v1/create", {"prompt": "x", "output_count": 11})),
    (["jobs", "show", "not-a-job"], ("GET", "/v1/jobs/not-a-job", None)),
    (
        ["feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "-bad"],
        ("POST", "/v1/feedback", {**FEEDBACK, "title": "t", "body": "b", "dedupe_key": "-bad"}),
    ),
    (
        ["signup", "--agent", "--agent-name", "anon", "--discovery-source", "Not A Slug"],
        ("POST", "/v1/agent-signups", {"agent_name": "anon", "discovery_source": "Not A Slug"}),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "request_"), PARITY, ids=[" ".join(argv) for argv, _ in PARITY])
def test_a_cli_refusal_has_the_code_the_mock_answers(
    cli: Cli, server: str, argv: list[str], request_: tuple[str, str, Any]
) -> None:
    assert _signup(cli).data["token"] is None  # saved: the HTTP request reads the token back from the config
    raw = json.loads(cli.config_path.read_text())["token"]
    refused = cli(*argv)
    assert refused.exit_code != ExitCode.OK, refused.envelope
    method, path, body = request_
    answered = _http(server, method, path, raw, body)
    assert answered["ok"] is False, answered
    assert refused.error["code"] == answered["error"]["code"], (refused.error, answered["error"])
