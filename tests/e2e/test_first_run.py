"""The contract's First Run Sequence, end to end, and its failure paths."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from PIL import Image

from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import Cli

pytestmark = pytest.mark.e2e

PROMPT = "a compact field camera on a stainless workbench"


def exit_of(code: ErrorCode) -> int:
    return int(ERRORS[code].exit_code)


def fill_signup_placeholders(command: str) -> str:
    """What an agent does with the suggested signup: its own values in place of the placeholders."""
    values = {
        "AGENT_CONTACT_EMAIL": "agent-inbox@example.invalid",
        "AGENT_NAME": "e2e-agent",
        "RUNTIME": "pytest",
    }
    return " ".join(values.get(word, word) for word in command.split(" "))


def test_first_run_flow_guide_signup_create_wait_download(cli: Cli, tmp_path: Path) -> None:
    guide = cli("create", "--guide", "--prompt", PROMPT)
    assert guide.exit_code == ExitCode.OK
    assert guide.data["schema"] == "image-skill.create-guide.v1"
    assert guide.data["stage"] == "auth_required"
    assert not any(guide.data["mutation"].values())
    assert guide.data["next_command"].startswith("image-skill signup --agent")

    signup = cli.follow(fill_signup_placeholders(guide.data["next_command"]))
    assert signup.exit_code == ExitCode.OK
    assert signup.data["token"] is None
    assert stat.S_IMODE(cli.config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config_path.parent.stat().st_mode) == 0o700
    assert "isk_r_" in cli.config_path.read_text()

    guide = cli("create", "--guide", "--prompt", PROMPT)
    assert guide.data["stage"] == "ready_to_create"
    assert guide.data["ready"] is True
    assert guide.data["next_command"].startswith("image-skill create ")

    created = cli.follow(guide.data["next_command"])
    assert created.exit_code == ExitCode.OK, created.envelope
    job_id = created.data["job_id"]
    asset = created.data["assets"][0]
    assert created.data["request"]["selection"]["policy"] == "hosted_default_create_v1"
    assert (
        created.data["quota"]["consumed_credits"]
        == created.data["cost"]["credit_pricing"]["credits_required"]
    )

    waited = cli("jobs", "wait", job_id, "--timeout-ms", "20000", "--poll-interval-ms", "100")
    assert waited.exit_code == ExitCode.OK
    assert waited.data["job"]["status"] == "completed"

    target = tmp_path / "result.png"
    got = cli("assets", "get", asset["asset_id"], "--output", str(target))
    assert got.exit_code == ExitCode.OK, got.envelope
    raw = target.read_bytes()
    assert len(raw) == asset["content_length"]
    assert hashlib.sha256(raw).hexdigest() == got.data["output"]["sha256"]
    with Image.open(target) as image:
        assert image.format == "PNG"
        assert image.size == (asset["width"], asset["height"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left

    quota = cli("usage", "quota")
    assert quota.data["limits"]["consumed_credits"] == created.data["quota"]["consumed_credits"]
    assert quota.data["daily_jobs"]["used"] == 1


def test_assets_show_accepts_owned_url_and_rejects_external(cli: Cli) -> None:
    cli.signup()
    created = cli("create", "--prompt", PROMPT, "--max-estimated-usd-per-image", "0.05")
    assert created.exit_code == ExitCode.OK, created.envelope
    url = created.data["assets"][0]["url"]
    shown = cli("assets", "show", url)
    assert shown.exit_code == ExitCode.OK
    assert shown.data["request"]["reference_type"] == "owned_url"
    assert shown.data["asset"]["asset_id"] == created.data["assets"][0]["asset_id"]
    external = cli("assets", "show", "https://example.com/a/image_abc.png")
    assert external.exit_code == exit_of(ErrorCode.EXTERNAL_URL_REJECTED)


def test_dry_run_plans_a_job_and_debits_nothing(cli: Cli) -> None:
    cli.signup()
    before = cli("usage", "quota").data["limits"]["remaining_credits"]
    planned = cli("create", "--prompt", PROMPT, "--dry-run")
    assert planned.exit_code == ExitCode.OK, planned.envelope
    assert planned.data["quota"]["consumed_credits"] == 0
    assert planned.data["assets"] == []
    job = cli("jobs", "show", planned.data["job_id"])
    assert job.data["job"]["status"] == "planned"
    assert job.data["job"]["plan_receipt"]["credits_required"] > 0
    assert cli("usage", "quota").data["limits"]["remaining_credits"] == before
    waited = cli("jobs", "wait", planned.data["job_id"], "--timeout-ms", "300", "--poll-interval-ms", "100")
    assert waited.exit_code == exit_of(ErrorCode.JOB_NOT_RUNNABLE)  # a plan never runs: no waiting
    assert waited.error["code"] == ErrorCode.JOB_NOT_RUNNABLE


def test_no_token_is_auth_required(cli: Cli) -> None:
    result = cli("whoami")
    assert result.exit_code == exit_of(ErrorCode.AUTH_REQUIRED) == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert result.error["recovery"]["suggested_command"].startswith("image-skill signup")


def test_token_from_stdin_and_env(cli: Cli) -> None:
    token = cli(
        "signup", "--agent", "--agent-contact", "a@example.invalid", "--agent-name", "t", "--show-token",
        "--no-save",
    )  # fmt: skip
    raw = token.data["token"]
    assert raw.startswith("isk_r_")
    assert not cli.config_path.exists()  # --no-save: nothing saved
    assert cli("whoami", "--token-stdin", stdin=raw + "\n").exit_code == ExitCode.OK
    assert cli("whoami", env={"IMAGE_SKILL_TOKEN": raw}).exit_code == ExitCode.OK


def test_saved_token_is_not_sent_to_another_base_url(cli: Cli, start_server: object) -> None:
    cli.signup()
    other = start_server()  # type: ignore[operator]
    result = cli("whoami", "--api-base-url", other)
    assert result.exit_code == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("create",), ErrorCode.INVALID_ARGUMENTS),
        (("create", "--prompt", PROMPT, "--output-count", "zero"), ErrorCode.INVALID_ARGUMENTS),
        (("create", "--prompt", PROMPT, "--model-parameters-json", "{not json"), ErrorCode.INVALID_ARGUMENTS),
        (("models", "list", "--bogus"), ErrorCode.INVALID_ARGUMENTS),
        (("jobs", "wait", "job_x", "--timeout-ms", "soon"), ErrorCode.INVALID_ARGUMENTS),
        (("signup", "--agent"), ErrorCode.INVALID_ARGUMENTS),
        (("no-such-command",), ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE),
    ],
)
def test_bad_arguments_exit_2(cli: Cli, argv: tuple[str, ...], code: ErrorCode) -> None:
    result = cli(*argv)
    assert result.exit_code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == code


def test_server_down_exit_7(cli: Cli, closed_port_url: str) -> None:
    result = cli("models", "list", "--api-base-url", closed_port_url)
    assert result.exit_code == ExitCode.PROVIDER
    assert result.error["code"] == ErrorCode.HOSTED_API_REQUEST_FAILED
    assert result.error["retryable"] is True
    assert (
        result.error["recovery"]["suggested_command"]
        == f"image-skill doctor --json --api-base-url {closed_port_url}"
    )


def test_timeout_exit_8(cli: Cli, hanging_server: str) -> None:
    result = cli(
        "models", "list", "--api-base-url", hanging_server, env={"IMAGE_SKILL_HTTP_TIMEOUT_SECONDS": "1"}
    )
    assert result.exit_code == ExitCode.TIMEOUT
    assert result.error["code"] == ErrorCode.TIMEOUT


def test_existing_output_exit_9_and_file_unchanged(cli: Cli, tmp_path: Path) -> None:
    cli.signup()
    created = cli("create", "--prompt", PROMPT, "--max-estimated-usd-per-image", "0.05")
    asset_id = created.data["assets"][0]["asset_id"]
    target = tmp_path / "keep.png"
    target.write_bytes(b"precious")
    result = cli("assets", "get", asset_id, "--output", str(target))
    assert result.exit_code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.OUTPUT_EXISTS
    assert result.error["recovery"]["required_flag"] == "--overwrite"
    assert target.read_bytes() == b"precious"
    replaced = cli("assets", "get", asset_id, "--output", str(target), "--overwrite")
    assert replaced.exit_code == ExitCode.OK
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def signed_up_on(start_server: object, home: Path, *flags: str) -> Cli:
    """A signed-up agent (config under ``home``) on a mock started with ``flags``."""
    home.mkdir()
    cli = Cli(start_server(*flags), home)  # type: ignore[operator]
    cli.signup()
    return cli


def test_insufficient_credits_exit_5_and_nothing_debited(start_server: object, tmp_path: Path) -> None:
    cli = signed_up_on(start_server, tmp_path / "poor", "--free-credits", "5")
    result = cli("create", "--prompt", PROMPT)
    assert result.exit_code == ExitCode.QUOTA
    assert result.error["code"] == ErrorCode.QUOTA_EXCEEDED
    assert "credits" in result.error["recovery"]["suggested_command"]
    quota = cli("usage", "quota").data
    assert quota["limits"]["remaining_credits"] == 5
    assert quota["daily_jobs"]["used"] == 0


def test_daily_job_cap_exit_5(start_server: object, tmp_path: Path) -> None:
    cli = signed_up_on(start_server, tmp_path / "capped", "--daily-jobs", "1")
    assert cli("create", "--prompt", PROMPT, "--max-estimated-usd-per-image", "0.05").exit_code == ExitCode.OK
    second = cli("create", "--prompt", PROMPT, "--max-estimated-usd-per-image", "0.05")
    assert second.exit_code == ExitCode.QUOTA
    assert second.error["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    guide = cli("create", "--guide", "--prompt", PROMPT)
    assert guide.data["stage"] == "quota_required"


def test_guide_commands_survive_a_shell_round_trip(cli: Cli) -> None:
    import shlex
    import subprocess

    cli.signup()
    nasty = 'it\'s a "test" with $HOME, `backticks`; and\na newline'
    guide = cli("create", "--guide", "--prompt", nasty)
    assert guide.data["stage"] == "ready_to_create"
    echoed = subprocess.run(
        ["sh", "-c", "printf '%s\\0' " + guide.data["next_command"].removeprefix("image-skill ")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")[:-1]
    assert echoed == shlex.split(guide.data["next_command"])[1:]
    assert nasty in echoed


FLUX = ("--model", "fal.flux-dev")
GPT = ("--model", "openai.gpt-image-2")


@pytest.mark.parametrize(
    ("argv", "code", "flag"),
    [
        (("--model", "fal.nano-banana-pro-edit"), ErrorCode.CAPABILITY_DENIED, None),
        ((*FLUX, "--output-count", "3"), ErrorCode.CAPABILITY_DENIED, None),
        ((*FLUX, "--model-parameters-json", '{"steps": 4}'), ErrorCode.MODEL_PARAMETERS_INVALID, None),
        ((*GPT, "--model-parameters-json", '{"quality": "auto"}'), ErrorCode.BUDGET_REQUIRES_CONFIRMATION,
         "--accept-unknown-cost"),
        ((*FLUX, "--max-estimated-usd-per-image", "0.001"), ErrorCode.BUDGET_EXCEEDED, None),
    ],
)  # fmt: skip
def test_refusals_map_to_their_exit_codes_and_debit_nothing(
    cli: Cli, argv: tuple[str, ...], code: ErrorCode, flag: str | None
) -> None:
    cli.signup()
    refused = cli("create", "--prompt", PROMPT, *argv)
    assert refused.exit_code == exit_of(code)
    assert refused.error["code"] == code
    if flag:
        assert refused.error["recovery"]["required_flag"] == flag
    quota = cli("usage", "quota")
    assert quota.data["limits"]["consumed_credits"] == 0
    assert quota.data["daily_jobs"]["used"] == 0


def test_content_policy_is_exit_6_without_echoing_the_prompt(cli: Cli) -> None:
    cli.signup()
    refused = cli("create", "--prompt", "a private brief [policy-test:deny]")
    assert refused.exit_code == exit_of(ErrorCode.CONTENT_POLICY_DENIED) == ExitCode.POLICY
    assert "private brief" not in refused.stdout
