"""image-skill feedback create end to end: every flag, design.md's defaults, secrets refused locally
(nothing sent: neither product memory nor telemetry sees the run), dedupe by key, a token required."""

from __future__ import annotations

from pathlib import Path

import pytest

from image_skill_api.constants import TOKEN_PREFIX
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import Cli
from .recorded import Recording, wait_for_runs

pytestmark = pytest.mark.e2e

#: The contract's example command line (cli.md, `image-skill feedback create`).
CONTRACT_EXAMPLE = (
    "feedback", "create", "--type", "user_feedback", "--title", "Short concrete title", "--body",
    "What happened, what was expected, and why it matters", "--command", "Command or workflow observed",
    "--expected", "Expected result", "--actual", "Actual result", "--proof-needed",
    "What would prove this is handled", "--surface", "cli,docs", "--evidence", "trace:TRACE_ID",
    "--severity", "medium", "--confidence", "high", "--next-state", "watch", "--json",
)  # fmt: skip


def test_the_contracts_example_is_accepted(cli: Cli) -> None:
    cli.signup()
    result = cli(*CONTRACT_EXAMPLE)
    assert result.exit_code == ExitCode.OK, result.envelope
    assert result.envelope["command"] == "image-skill feedback create"
    data = result.data
    assert data["feedback_id"].startswith("fb_")
    assert (data["type"], data["severity"], data["confidence"], data["next_state"]) == (
        "user_feedback",
        "medium",
        "high",
        "watch",
    )


def test_title_and_body_alone_get_design_md_defaults(cli: Cli) -> None:
    cli.signup()
    result = cli("feedback", "create", "--title", "t", "--body", "b")
    assert result.exit_code == ExitCode.OK, result.envelope
    data = result.data
    assert (data["type"], data["severity"], data["confidence"], data["next_state"]) == (
        "user_feedback",
        "medium",
        "medium",
        "watch",
    )
    assert data["status"] == "accepted"
    assert data["quality_guidance"]


def test_design_md_flags_are_accepted(cli: Cli) -> None:
    signup = cli.signup()
    trace = signup.envelope["trace_id"]
    result = cli(
        "feedback", "create", "--type", "friction", "--title", "t", "--body", "b",
        "--friction", "slow signup", "--strategic-reason", "first runs matter", "--source", "pytest-agent",
        "--trace-id", trace,
        "--evidence", f"trace:{trace}", "--evidence", "job_0123456789abcdef", "--severity", "low",
        "--confidence", "low", "--next-state", "investigate", "--allow-weak-signal",
    )  # fmt: skip
    assert result.exit_code == ExitCode.OK, result.envelope
    assert result.data["type"] == "friction"
    assert result.data["next_state"] == "investigate"


def test_a_dedupe_key_returns_the_original_feedback_id(cli: Cli) -> None:
    cli.signup()
    first = cli("feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "run-7:signup")
    again = cli("feedback", "create", "--title", "t", "--body", "said again", "--dedupe-key", "run-7:signup")
    assert again.exit_code == ExitCode.OK
    assert again.data["feedback_id"] == first.data["feedback_id"]
    assert again.data["status"] == "deduplicated"
    listed = cli("activity", "list")
    assert [e["type"] for e in listed.data["events"]] == [
        "feedback.github_queue.processed",
        "feedback.created",
    ]


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--title", TOKEN_PREFIX + "abcdefghijklmnopqrstuv"),
        ("--body", "my key is sk-" + "A1b2C3d4" * 5),
        ("--actual", "printed AKIA" + "ABCDEFGHIJKLMNOP"),
        ("--command", "curl -H 'authorization: Bearer abcdefghijklmnopqrstuvwxyz0123'"),
        ("--evidence", "-----BEGIN PRIVATE KEY-----"),
        ("--proof-needed", "no ghp_" + "a1B2" * 9),
    ],
)
def test_a_secret_is_refused_locally_naming_the_flag_and_nothing_is_sent(
    cli: Cli, tmp_path: Path, flag: str, value: str, server_db: Path
) -> None:
    run = Recording(cli)
    run.cli.signup()
    args = ["feedback", "create", flag, value]
    args += [] if flag == "--title" else ["--title", "t"]
    args += [] if flag == "--body" else ["--body", "b"]
    result = run(*args)
    assert result.exit_code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.SECRET_IN_REQUEST_REJECTED
    assert flag in result.error["message"]
    assert value not in result.stdout
    assert run.cli.follow(result.error["recovery"]["suggested_command"]).exit_code == ExitCode.OK
    assert cli("activity", "list").data["events"] == []  # nothing reached product memory
    sentinel = run("whoami")
    log = wait_for_runs(server_db, [sentinel.envelope["trace_id"]])
    assert result.envelope["trace_id"] not in log  # the refused run never talked to the service


@pytest.mark.parametrize(
    ("given", "missing"),
    [(("--title", "t"), ["--body"]), (("--body", "b"), ["--title"]), ((), ["--title", "--body"])],
)
def test_title_and_body_are_the_minimum(cli: Cli, given: tuple[str, ...], missing: list[str]) -> None:
    cli.signup()
    result = cli("feedback", "create", *given)
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert result.error["recovery"]["required_flags"] == missing


def test_feedback_needs_a_token(cli: Cli) -> None:
    result = cli("feedback", "create", "--title", "t", "--body", "b")
    assert result.exit_code == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED


@pytest.mark.parametrize(
    "argv",
    [
        ("feedback", "create"),
        ("feedback", "create", "--json"),
        ("feedback", "create", "--title", "   "),
        ("feedback", "create", "--title", "t"),
        ("feedback", "create", "--body", "b"),
        ("feedback", "create", "--title", "t", "--body", "b", "--type", "rant"),
        ("feedback", "create", "--title", "t", "--body", "b", "--severity", "urgent"),
        ("feedback", "create", "--title", "t", "--body", "b", "--surface", "CLI"),
        ("feedback", "create", "--title", "t", "--body", "b", "--surface", ","),
        ("feedback", "create", "--title", "t", "--body", "b", "--trace-id", "trace_nothex"),
        ("feedback", "create", "--title", "t", "--body", "b", "--dedupe-key", "-starts-with-dash"),
        ("feedback", "create", "--title", "x" * 201, "--body", "b"),
    ],
    ids=lambda argv: " ".join(argv[2:])[:40] or "bare",
)
def test_bad_values_are_invalid_arguments_before_any_request(cli: Cli, argv: tuple[str, ...]) -> None:
    cli.signup()
    result = cli(*argv)
    assert result.exit_code == ExitCode.INVALID_ARGUMENTS, result.envelope
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert cli.follow(result.error["recovery"]["suggested_command"]).exit_code == ExitCode.OK
    assert cli("activity", "list").data["events"] == []
