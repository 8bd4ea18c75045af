"""Issue 5 end to end: every suggestion the real CLI and the real mock hand out runs and makes progress."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from cli.output_rules import check_output

from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import Cli

pytestmark = pytest.mark.e2e

PROMPT = "a compact field camera on a stainless workbench"
SIGNUP_TEMPLATE = ERRORS[ErrorCode.AUTH_REQUIRED].recovery["suggested_command"]
VALUES = {
    "AGENT_CONTACT_EMAIL": "agent-inbox@example.invalid",
    "AGENT_NAME": "foundation",
    "RUNTIME": "pytest",
}


def fill(command: str) -> str:
    return " ".join(VALUES.get(word, word) for word in command.split(" "))


def test_the_guides_pre_signup_dry_run_runs_without_a_token(cli: Cli, server: str) -> None:
    guide = cli("create", "--guide", "--prompt", PROMPT)
    assert guide.data["stage"] == "auth_required"
    dry_run = guide.data["escape_hatches"]["dry_run"]
    assert shlex.split(dry_run) == [
        "image-skill", "create", "--prompt", PROMPT, "--dry-run", "--json", "--api-base-url", server,
    ]  # fmt: skip
    planned = cli.follow(dry_run)
    assert planned.exit_code == ExitCode.OK, planned.envelope
    assert planned.data["dry_run"] is True
    assert planned.data["quota"]["consumed_credits"] == 0
    assert not cli.config_path.exists()  # nothing was signed up or saved


def test_the_contracts_anonymous_dry_run(cli: Cli) -> None:
    planned = cli("create", "--dry-run", "--prompt", PROMPT)
    assert planned.exit_code == ExitCode.OK, planned.envelope
    assert planned.data["cost"]["credit_pricing"]["credits_required"] > 0
    assert (
        cli("create", "--prompt", PROMPT).error["code"] == ErrorCode.AUTH_REQUIRED
    )  # a real one needs a token


def test_the_mock_hands_out_the_same_signup_template(server: str) -> None:
    request = urllib.request.Request(f"{server}/v1/whoami")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(caught.value.read())
    assert body["error"]["code"] == ErrorCode.AUTH_REQUIRED
    assert body["error"]["recovery"]["suggested_command"] == SIGNUP_TEMPLATE


@pytest.mark.parametrize("token", [None, "isk_r_NotAKnownTokenAtAll_0123456789"])
def test_auth_recoveries_are_the_template_for_this_api_and_run_once_filled(
    cli: Cli, server: str, token: str | None
) -> None:
    env = {"IMAGE_SKILL_TOKEN": token} if token else None
    refused = cli("whoami", env=env)
    assert refused.exit_code == ExitCode.AUTH
    assert refused.error["code"] == ErrorCode.AUTH_REQUIRED  # a bad token too (AUTH_TOKEN_INVALID is retired)
    assert refused.error["recovery"]["auth_state"] == ("invalid" if token else "missing")
    suggested = refused.error["recovery"]["suggested_command"]
    assert suggested == f"{SIGNUP_TEMPLATE} --api-base-url {server}"
    verbatim = cli.follow(suggested)  # pasted without filling in: refused, nothing created
    assert verbatim.exit_code == ExitCode.INVALID_ARGUMENTS
    assert verbatim.error["recovery"]["required_flags"] == ["--agent-name", "--runtime"]
    assert not cli.config_path.exists()
    signed_up = cli.follow(fill(suggested))
    assert signed_up.exit_code == ExitCode.OK, signed_up.envelope
    assert signed_up.data["runtime"] == "pytest"
    assert cli("whoami").exit_code == ExitCode.OK


def test_a_short_signup_answers_what_is_missing(cli: Cli) -> None:
    result = cli("signup", "--agent", "--runtime", "codex")  # a contact is optional (anonymous signup)
    assert result.exit_code == ExitCode.INVALID_ARGUMENTS
    assert result.error["recovery"]["required_flags"] == ["--agent-name"]
    assert result.error["recovery"]["accepted_aliases"] == {"--agent-contact": ["--human-email"]}


def test_waiting_for_a_dry_run_job_ends_at_once_and_its_recovery_runs(cli: Cli) -> None:
    cli.signup()
    planned = cli("create", "--prompt", PROMPT, "--dry-run")
    job_id = planned.data["job_id"]
    started = time.monotonic()
    waited = cli("jobs", "wait", job_id, "--timeout-ms", "60000", "--poll-interval-ms", "100")
    assert time.monotonic() - started < 30  # it did not poll toward the 60 s timeout
    assert waited.exit_code == ExitCode.INVALID_ARGUMENTS
    assert waited.error["code"] == ErrorCode.JOB_NOT_RUNNABLE
    shown = cli.follow(waited.error["recovery"]["suggested_command"])
    assert shown.exit_code == ExitCode.OK
    assert shown.data["job"]["status"] == "planned"
    assert shown.data["job"]["plan_receipt"]["credits_required"] > 0


def test_the_contracts_quote_command_line_runs_end_to_end(cli: Cli) -> None:
    """Once a contract command this foundation answered as not available yet (issue 7 built it)."""
    cli.signup()
    result = cli("credits", "quote", "--credits", "10", "--payment-method", "stripe_checkout", "--json")
    assert result.exit_code == ExitCode.OK, result.envelope
    assert result.data["credits"] == 10
    assert result.data["state"] == "created"


def test_doctor_offline_reports_and_its_next_command_runs(cli: Cli, closed_port_url: str) -> None:
    result = cli("doctor", "--api-base-url", closed_port_url)
    assert result.exit_code == ExitCode.OK
    assert result.data["hosted_api"]["reachable"] is False
    assert result.data["config"]["ok"] is True
    argv = shlex.split(result.data["next_command"])
    assert argv[0] == "curl"
    assert "doctor" not in argv


def test_doctor_online_without_a_token_points_at_signup(cli: Cli, server: str) -> None:
    result = cli("doctor")
    assert result.exit_code == ExitCode.OK
    assert result.data["hosted_api"]["reachable"] is True
    assert result.data["next_command"] == f"{SIGNUP_TEMPLATE} --api-base-url {server}"


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_top_level_help_lists_commands(cli: Cli, flag: str) -> None:
    result = cli(flag)
    assert result.exit_code == ExitCode.OK
    commands = {row["command"] for row in result.data["commands"]}
    assert {
        "image-skill create",
        "image-skill doctor",
        "image-skill jobs show",
        "image-skill upload",
    } <= commands


def test_the_empty_token_stdin_recovery_runs(cli: Cli) -> None:
    signup = cli(
        "signup", "--agent", "--agent-contact", "a@example.invalid", "--agent-name", "t", "--show-token"
    )
    token = signup.data["token"]
    empty = cli("whoami", "--token-stdin", stdin="")
    assert empty.exit_code == ExitCode.INVALID_ARGUMENTS
    suggested = empty.error["recovery"]["suggested_command"]
    done = subprocess.run(
        ["sh", "-c", suggested.replace("image-skill ", f"{shlex.quote(sys.executable)} -m image_skill ", 1)],
        env={**cli.env, "IMAGE_SKILL_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    printed = check_output(shlex.split(suggested), done.returncode, done.stdout, done.stderr)
    assert printed["command"] == "image-skill usage quota"
