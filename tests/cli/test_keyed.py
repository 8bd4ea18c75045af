"""Keyed spending requests: in-flight notes, safe reruns only after retryable failures or Ctrl-C,
inspection after non-retryable ones, and replays that send the very same request again."""

from __future__ import annotations

import json
import os
import shlex
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from image_skill import inflight
from image_skill.transport.api import Transport
from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER, TRACE_ID_HEADER, ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope

PROMPT = "a quiet lighthouse at dusk"
KEY = "create-safety-001"
ASSET = "asset_abcdefghijklmnop"
AUTH = {"IMAGE_SKILL_TOKEN": TOKEN}


def failure(code: str, status: int, *, retryable: bool, recovery: dict[str, Any] | None = None) -> Reply:
    error = {"code": code, "message": "scripted", "retryable": retryable}
    if recovery is not None:
        error["recovery"] = recovery
    exit_code = str(int(ERRORS[ErrorCode(code)].exit_code))
    return Reply(status, envelope(ok=False, error=error), headers={EXIT_CODE_HEADER: exit_code})


def create(run_cli: Callable[..., Run], base: str, *extra: str, key: str = KEY) -> Run:
    argv = ["create", "--prompt-file", "-", "--model", "fal.flux-dev", *extra, "--idempotency-key", key]
    return run_cli(*argv, "--api-base-url", base, env=AUTH, stdin=PROMPT)


def notes(home: Path) -> list[Path]:
    return sorted((home / "cfg" / "in-flight").glob("*.json"))


def replay(run_cli: Callable[..., Run], command: str, stdin: str = PROMPT) -> Run:
    argv = shlex.split(command)
    assert argv[0] == "image-skill"
    return run_cli(*argv[1:], env=AUTH, stdin=stdin)


# ------------------------------------------------------------------ in-flight notes
def test_a_retryable_failure_keeps_the_in_flight_note_and_doctor_can_replay_it(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/create", failure("PROVIDER_FAILED", 502, retryable=True))
    result = create(run_cli, base)
    assert result.error["code"] == ErrorCode.PROVIDER_FAILED
    [line] = result.stderr.splitlines()
    shown = json.loads(line)["in_flight"]
    assert shown["idempotency_key"] == KEY
    assert shown["command"] == "image-skill create"
    [note] = notes(home)
    assert stat.S_IMODE(note.stat().st_mode) == 0o600
    text = note.read_text()
    assert PROMPT not in text
    assert TOKEN not in text
    recovery = result.error["recovery"]
    assert recovery["idempotency_key"] == KEY
    assert recovery["suggested_command"] == shown["recover_command"]
    # doctor reports it, with the same recover command; a sweep leaves an outstanding note alone
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    doctor = run_cli("doctor", "--sweep-in-flight", "--api-base-url", base, env=AUTH)
    [entry] = doctor.data["in_flight"]["entries"]
    assert entry["idempotency_key"] == KEY
    assert entry["recover_command"] == shown["recover_command"]
    assert entry["sweep_eligible"] is False
    assert doctor.data["in_flight"]["swept"] == []
    assert notes(home) == [note]
    # the replay sends the very same body, prompt from stdin; its success clears the note
    script.on("POST", "/v1/create", Reply(200, envelope({"job_id": "job_abcdefghijklmnop"})))
    assert replay(run_cli, entry["recover_command"]).code == ExitCode.OK
    bodies = [json.loads(seen.body) for seen in script.seen if seen.path == "/v1/create"]
    assert bodies[0] == bodies[-1]
    assert bodies[0]["prompt"] == PROMPT
    assert notes(home) == []


def test_only_stale_notes_are_swept(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/create", failure("PROVIDER_FAILED", 502, retryable=True))
    create(run_cli, base, key="old-key-001")
    create(run_cli, base, key="new-key-001")
    old = home / "cfg" / "in-flight" / "old-key-001.json"
    past = time.time() - inflight.SWEEP_AFTER_SECONDS - 60
    os.utime(old, (past, past))
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    plain = run_cli("doctor", "--api-base-url", base, env=AUTH)
    eligible = {e["idempotency_key"]: e["sweep_eligible"] for e in plain.data["in_flight"]["entries"]}
    assert eligible == {"old-key-001": True, "new-key-001": False}
    assert len(notes(home)) == 2  # plain doctor never deletes
    swept = run_cli("doctor", "--sweep-in-flight", "--api-base-url", base, env=AUTH)
    assert swept.data["in_flight"]["swept"] == ["old-key-001.json"]
    assert [p.name for p in notes(home)] == ["new-key-001.json"]


def test_success_and_dry_runs_leave_no_note(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/create", Reply(200, envelope({"job_id": "job_abcdefghijklmnop"})))
    assert create(run_cli, base).stderr.count("in_flight") == 1
    assert create(run_cli, base, "--dry-run", key="dry-001").stderr == ""  # no live spend, no note
    assert notes(home) == []


# ------------------------------------------------------------------ non-retryable: inspect, never rerun
def test_artifact_storage_failure_recovers_by_inspection_never_a_rerun(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    rerun = {"suggested_command": f"image-skill create --idempotency-key {KEY} --json"}
    script.on(
        "POST", "/v1/create", failure("ARTIFACT_STORAGE_WRITE_FAILED", 507, retryable=False, recovery=rerun)
    )
    result = create(run_cli, base)
    assert result.code == ExitCode.STORAGE
    recovery = result.error["recovery"]
    assert recovery["idempotency_key"] == KEY
    assert not recovery["suggested_command"].startswith("image-skill create")
    inspect = [shlex.split(command)[1:3] for command in recovery["inspect_commands"]]
    assert inspect == [["activity", "list"], ["usage", "quota"]]
    assert script.seen[0].headers[TRACE_ID_HEADER] in recovery["inspect_commands"][0]
    assert notes(home) == []  # refused for good: nothing to recover


def test_a_failure_naming_its_job_points_at_jobs_show(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    reply = failure("JOB_FAILED", 500, retryable=False)
    assert isinstance(reply.body, dict)
    reply.body["error"]["job_id"] = "job_abcdefghijklmnop"
    script.on("POST", "/v1/create", reply)
    recovery = create(run_cli, base).error["recovery"]
    assert recovery["suggested_command"].startswith("image-skill jobs show job_abcdefghijklmnop --json")


# ------------------------------------------------------------------ replays are the same request
def test_an_edit_replay_names_every_image_by_asset_id_and_sends_the_same_body(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("POST", "/v1/edit", failure("INTERNAL_ERROR", 500, retryable=True))
    argv = [
        "edit",
        "--input-asset-id",
        ASSET,
        "--mask",
        "asset_maskmaskmaskmask",
        "--prompt-file",
        "-",
        "--reference-image",
        "asset_refrefrefrefrefr@0:style",
        "--model-parameters-json",
        '{"seed":7}',
        "--idempotency-key",
        "edit-key-001",
    ]
    result = run_cli(*argv, "--api-base-url", base, env=AUTH, stdin=PROMPT)
    recovery = result.error["recovery"]
    assert recovery["idempotency_key"] == "edit-key-001"
    replay(run_cli, recovery["suggested_command"])
    bodies = [json.loads(seen.body) for seen in script.seen]
    assert bodies[0] == bodies[-1]
    assert bodies[0]["references"] == [
        {
            "asset_id": "asset_refrefrefrefrefr",
            "role": "reference_image",
            "index": 0,
            "reference_task": "style",
        }
    ]


def test_a_create_replay_keeps_reference_suffixes_and_switches(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("POST", "/v1/create", failure("PROVIDER_FAILED", 502, retryable=True))
    extra = ["--element-frontal", ASSET, "--element-reference", f"{ASSET}@0:1", "--accept-unknown-cost"]
    result = create(run_cli, base, *extra, "--output-count", "2", "--aspect-ratio", "16:9")
    replay(run_cli, result.error["recovery"]["suggested_command"])
    bodies = [json.loads(seen.body) for seen in script.seen]
    assert bodies[0] == bodies[-1]


# ------------------------------------------------------------------ Ctrl-C during a keyed POST
def _interrupt(*_args: Any, **_kwargs: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("argv", "rerun"),
    [
        (
            ["create", "--prompt-file", "-", "--idempotency-key", KEY],
            ["image-skill", "create", "--prompt-file", "-", "--aspect-ratio", "1:1"],
        ),
        (
            ["credits", "quote", "--pack", "starter-500", "--idempotency-key", KEY],
            ["image-skill", "credits", "quote", "--pack", "starter-500", "--payment-method"],
        ),
        (
            [
                "credits",
                "buy",
                "--provider",
                "stripe",
                "--quote-id",
                "quote_abcdefghijklmnop",
                "--idempotency-key",
                KEY,
            ],
            ["image-skill", "credits", "buy", "--provider", "stripe", "--quote-id", "quote_abcdefghijklmnop"],
        ),
    ],
    ids=["create", "quote", "buy"],
)
def test_ctrl_c_during_a_keyed_post_answers_interrupted_with_a_safe_rerun(
    http: tuple[str, Script],
    run_cli: Callable[..., Run],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    rerun: list[str],
) -> None:
    base, _ = http
    monkeypatch.setattr(Transport, "_exchange", _interrupt)
    result = run_cli(*argv, "--api-base-url", base, env=AUTH, stdin=PROMPT)
    assert result.error["code"] == ErrorCode.INTERRUPTED
    recovery = result.error["recovery"]
    assert recovery["idempotency_key"] == KEY
    suggested = shlex.split(recovery["suggested_command"])
    assert suggested[: len(rerun)] == rerun
    assert suggested[suggested.index("--idempotency-key") + 1] == KEY
    assert len(notes(home)) == (1 if argv[0] == "create" else 0)  # a create's note is kept


def test_a_quote_refused_for_good_is_not_rerun_but_a_lost_one_is(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    argv = ["credits", "quote", "--pack", "starter-500", "--idempotency-key", KEY, "--api-base-url", base]
    script.on("POST", "/v1/credit-quotes", failure("CREDIT_QUOTE_CONFLICT", 409, retryable=False))
    refused = run_cli(*argv, env=AUTH)
    assert "credits quote" not in refused.error["recovery"]["suggested_command"]
    script.on("POST", "/v1/credit-quotes", failure("INTERNAL_ERROR", 500, retryable=True))
    lost = run_cli(*argv, env=AUTH)
    assert shlex.split(lost.error["recovery"]["suggested_command"])[1:3] == ["credits", "quote"]
    assert lost.error["recovery"]["idempotency_key"] == KEY
