"""First-run foundations of the CLI (issue 5 §1, §4): honest answers and recoveries that make progress.

- the contract's command lines for upload, edit and create's reference flags parse as printed;
- every suggested command is a built command, aimed at the API this run uses;
- signup suggestions carry --runtime and placeholders, and a short signup names what is missing;
- a dry run needs no token; waiting for a planned job ends at once; doctor works offline;
- ``image-skill --help`` lists the commands and stays cheap to import.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable

import pytest

from image_skill.command_table import COMMANDS, load_usage
from image_skill.envelope import Refusal
from image_skill.main import parse
from image_skill.suggestions import SIGNUP_COMMAND, STDIN_HANDOFF_COMMAND
from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import TOKEN, Reply, Run, Script, envelope

PLACEHOLDERS = ("AGENT_NAME", "RUNTIME")


def built_command(command: str) -> bool:
    """True when ``command`` is an ``image-skill`` command line this release runs (it parses too)."""
    argv = shlex.split(command)
    assert argv[0] == "image-skill", command
    word = next(a for a in argv[1:] if not a.startswith("-"))
    if word not in COMMANDS:
        return False
    usage = load_usage(COMMANDS[word])
    if hasattr(usage, "unavailable") and usage.unavailable(argv[1:]) is not None:
        return False
    if "--help" in argv or "-h" in argv:
        return True
    assert not isinstance(parse(word, argv[1:]), Refusal), f"{command} does not parse"  # INVALID_ARGUMENTS
    return True


# ------------------------------------------------------------------ the contract's later command lines
#: Every command line the contract documents for upload, edit and create's reference flags (copied
#: from the contract as literals: the tests never read outside the repository; the `contract`-marked
#: test below checks that this list still matches the document).
CONTRACT_LINES = [
    ["create", "--model", "fal.kling-image-o3-text-to-image", "--prompt",
     "Place the same character in a clean studio campaign", "--element-frontal",
     "./character-front.png@0", "--element-reference", "./character-side.webp@0:0", "--output-count", "2",
     "--max-estimated-usd-per-image", "0.06", "--json"],
    ["create", "--model", "fal.dreamo", "--prompt",
     "Studio portrait preserving identity with a bolder editorial style", "--reference-image",
     "./identity.png@0:id", "--reference-image", "./style.webp@1:style", "--model-parameters-json",
     '{"image_size":{"width":1280,"height":720}}', "--max-estimated-usd-per-image", "0.06", "--json"],
    ["edit", "--input-asset-id", "image_...", "--prompt", "preserve the subject and make this campaign-ready",
     "--model", "fal.nano-banana-2-edit", "--model-parameters-json", '{"resolution":"4K"}',
     "--accept-unknown-cost", "--json"],
    ["upload", "./source.png", "--json"],
    ["upload", "https://example.com/source.png", "--json"],
    ["edit", "--input", "ASSET_ID_OR_PATH_OR_URL", "--mask", "MASK_ASSET_ID_OR_PATH_OR_URL", "--prompt",
     "Remove the background and keep natural object shadows", "--accept-unknown-cost", "--json"],
    ["edit", "--model", "fal.kling-image-o3-image-to-image", "--input", "./starting-frame.png",
     "--element-frontal", "./character-front.png@0", "--element-reference", "./character-side.webp@0:0",
     "--prompt", "Place the same character in a clean studio product portrait", "--accept-unknown-cost",
     "--json"],
]  # fmt: skip


def _label(argv: list[str]) -> str:
    words = [a for a in argv if not a.startswith("-")]
    return " ".join(words[:2])


@pytest.mark.parametrize("argv", CONTRACT_LINES, ids=_label)
def test_the_contracts_upload_edit_and_reference_lines_parse_as_printed(argv: list[str]) -> None:
    assert built_command(shlex.join(["image-skill", *argv]))


@pytest.mark.parametrize(
    "argv",
    [
        ["credits", "quote", "--credits", "10", "--card-number=4242424242424242", "--json"],
        ["credits", "buy", "--provider", "stripe", "--quote-id", "quote_x", "--wallet-key", "k"],
        ["credits", "packs", "list", "--stripe-secret-key=sk_x"],
    ],
    ids=_label,
)
def test_payment_credential_flags_are_still_refused_first(
    run_cli: Callable[..., Run], argv: list[str]
) -> None:
    result = run_cli(*argv)
    assert result.error["code"] == ErrorCode.PAYMENT_CREDENTIAL_FLAG_REJECTED, argv
    assert "4242" not in result.stdout


@pytest.mark.parametrize("word", ["upload", "edit"])
def test_upload_and_edit_have_their_usage(run_cli: Callable[..., Run], word: str) -> None:
    result = run_cli(word, "--help")
    assert result.code == ExitCode.OK
    assert f"image-skill {word}" in result.data["usage"]
    assert ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE not in result.data["usage"]


def test_a_word_that_is_no_command_is_not_available_and_points_at_the_list(
    run_cli: Callable[..., Run],
) -> None:
    result = run_cli("paint")
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE
    assert result.error["message"] == "This is not an image-skill command."
    assert result.error["recovery"]["suggested_command"] == "image-skill help --json"


# ------------------------------------------------------------------ recoveries point at built commands
@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_registry_recovery_is_a_built_command(code: ErrorCode) -> None:
    command = ERRORS[code].recovery.get("suggested_command")
    if command is None or not command.startswith("image-skill "):
        assert command is None or command.startswith(("export ", "pip ")), command
        return
    assert built_command(command), f"{code}: {command} is not built"


def test_external_url_rejection_points_at_a_built_command(run_cli: Callable[..., Run]) -> None:
    result = run_cli("assets", "show", "https://example.com/a/image_abc.png")
    assert result.error["code"] == ErrorCode.EXTERNAL_URL_REJECTED
    assert "upload" not in result.error["recovery"]["suggested_command"]
    assert built_command(result.error["recovery"]["suggested_command"])


# ------------------------------------------------------------------ signup suggestions
def test_the_signup_suggestion_is_one_runnable_template() -> None:
    assert ERRORS[ErrorCode.AUTH_REQUIRED].recovery["suggested_command"] == SIGNUP_COMMAND
    assert "AUTH_TOKEN_INVALID" not in ERRORS  # retired: every auth failure is AUTH_REQUIRED
    argv = shlex.split(SIGNUP_COMMAND)
    assert "--agent-contact" not in argv  # anonymous: no inbox to invent
    assert argv[argv.index("--agent-name") + 1] == "AGENT_NAME"
    assert argv[argv.index("--runtime") + 1] == "RUNTIME"
    assert {"--agent", "--json"} <= set(argv)
    assert "@" not in SIGNUP_COMMAND  # no concrete example inbox to copy
    assert built_command(SIGNUP_COMMAND)


def test_auth_required_points_at_the_signup_template_for_this_api(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    result = run_cli("whoami", "--api-base-url", base)
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert result.error["recovery"]["suggested_command"] == f"{SIGNUP_COMMAND} --api-base-url {base}"
    assert script.seen == []


def test_a_relayed_server_recovery_is_aimed_at_this_api(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    error = {
        "code": str(ErrorCode.AUTH_REQUIRED),
        "message": "The bearer token is not a valid agent token.",
        "retryable": False,
        "recovery": {**ERRORS[ErrorCode.AUTH_REQUIRED].recovery, "auth_state": "invalid"},
    }
    script.on("GET", "/v1/whoami", Reply(401, envelope(ok=False, error=error)))
    result = run_cli("whoami", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.AUTH
    assert result.error["recovery"]["suggested_command"] == f"{SIGNUP_COMMAND} --api-base-url {base}"


@pytest.mark.parametrize(
    ("argv", "missing"),
    [
        (["signup", "--agent", "--agent-contact", "a@example.com"], ["--agent-name"]),
        (["signup", "--agent-contact", "a@example.com", "--agent-name", "n"], ["--agent"]),
        (["signup"], ["--agent", "--agent-name"]),
        (["signup", "--agent", "--runtime", "codex"], ["--agent-name"]),
        (shlex.split(SIGNUP_COMMAND)[1:], ["--agent-name", "--runtime"]),
    ],
)
def test_a_short_signup_names_the_missing_flags_and_the_alias(
    http: tuple[str, Script], run_cli: Callable[..., Run], argv: list[str], missing: list[str]
) -> None:
    base, script = http
    result = run_cli(*argv, "--api-base-url", base)
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    recovery = result.error["recovery"]
    assert recovery["required_flags"] == missing
    assert recovery["accepted_aliases"] == {"--agent-contact": ["--human-email"]}
    assert built_command(recovery["suggested_command"])
    if argv[-1] == "--json":  # the template itself: the message names the placeholders to fill in
        assert all(p in result.error["message"] for p in PLACEHOLDERS)
    assert script.seen == []  # no identity is created from an incomplete signup


def test_the_alias_human_email_still_signs_up(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": None, "actor": None})))
    argv = ["signup", "--agent", "--human-email", "a@example.com", "--agent-name", "n", "--show-token"]
    result = run_cli(*argv, "--api-base-url", base)
    assert result.code == ExitCode.OK, result.envelope
    assert json.loads(script.seen[0].body)["agent_contact"] == "a@example.com"


# ------------------------------------------------------------------ anonymous dry runs
def test_a_dry_run_needs_no_token_and_sends_none(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("POST", "/v1/create", Reply(200, envelope({"job_id": None, "dry_run": True})))
    result = run_cli("create", "--dry-run", "--prompt", "a camera", "--api-base-url", base)
    assert result.code == ExitCode.OK, result.envelope
    [seen] = script.seen
    assert "authorization" not in seen.headers
    assert json.loads(seen.body)["dry_run"] is True


def test_a_dry_run_with_a_token_sends_it(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    script.on("POST", "/v1/create", Reply(200, envelope({"job_id": None, "dry_run": True})))
    result = run_cli(
        "create", "--dry-run", "--prompt", "x", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN}
    )
    assert result.code == ExitCode.OK
    assert script.seen[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_real_create_still_needs_a_token(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    result = run_cli("create", "--prompt", "a camera", "--api-base-url", base)
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert script.seen == []


# ------------------------------------------------------------------ recoveries never dead-end
PLANNED_JOB = {
    "job_id": "job_abcdefghijklmnop",
    "status": "planned",
    "plan_receipt": {"model_id": "xai.grok-imagine-image-quality", "credits_required": 12},
}


def test_waiting_for_a_planned_job_ends_at_once(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/v1/jobs/job_abcdefghijklmnop", Reply(200, envelope({"job": PLANNED_JOB})))
    argv = ["jobs", "wait", "job_abcdefghijklmnop", "--timeout-ms", "1500", "--poll-interval-ms", "50"]
    result = run_cli(*argv, "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.JOB_NOT_RUNNABLE
    assert len(script.seen) == 1  # no polling: a plan never runs
    suggested = result.error["recovery"]["suggested_command"]
    assert suggested == f"image-skill jobs show job_abcdefghijklmnop --json --api-base-url {base}"
    assert built_command(suggested)
    assert "--dry-run" in result.error["message"]


def test_an_empty_token_stdin_shows_how_to_pass_a_token(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    result = run_cli("whoami", "--token-stdin", "--api-base-url", base, stdin="\n")
    assert result.code == ExitCode.INVALID_ARGUMENTS
    suggested = result.error["recovery"]["suggested_command"]
    assert suggested == f"{STDIN_HANDOFF_COMMAND} --api-base-url {base}"
    assert suggested.startswith(
        "printf '%s\\n' \"$IMAGE_SKILL_TOKEN\" | image-skill usage quota --token-stdin"
    )
    assert built_command(suggested.split(" | ", 1)[1])
    assert script.seen == []


# ------------------------------------------------------------------ doctor offline
def test_doctor_reports_local_checks_when_the_api_is_unreachable(
    closed_port: str, run_cli: Callable[..., Run]
) -> None:
    result = run_cli("doctor", "--api-base-url", closed_port)
    assert result.code == ExitCode.OK
    data = result.data
    assert data["hosted_api"]["ok"] is False
    assert data["hosted_api"]["reachable"] is False
    assert {"config", "auth", "output", "telemetry"} <= set(data)
    assert data["auth"]["token_source"] == "none"
    assert shlex.split(data["next_command"]) == ["curl", "-sS", f"{closed_port}/healthz"]
    assert "doctor" not in data["next_command"]
    assert data["hosted_api"]["error"] == ErrorCode.HOSTED_API_REQUEST_FAILED
    [warning] = result.envelope["warnings"]  # warnings are strings
    assert warning.startswith(f"{ErrorCode.HOSTED_API_REQUEST_FAILED}: ")


def test_doctor_with_a_server_that_is_not_the_api(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/healthz", Reply(200, b"<html>not an API</html>"))
    result = run_cli("doctor", "--api-base-url", base)
    assert result.code == ExitCode.OK
    assert result.data["hosted_api"] == {**result.data["hosted_api"], "ok": False, "reachable": True}
    assert result.data["next_command"].startswith("curl -sS ")


def test_doctor_healthy_without_a_token_points_at_signup(
    http: tuple[str, Script], run_cli: Callable[..., Run]
) -> None:
    base, script = http
    script.on("GET", "/healthz", Reply(200, envelope({"status": "ok", "api_version": "v"})))
    result = run_cli("doctor", "--api-base-url", base)
    assert result.code == ExitCode.OK
    assert result.data["next_command"] == f"{SIGNUP_COMMAND} --api-base-url {base}"
    with_token = run_cli("doctor", "--api-base-url", base, env={"IMAGE_SKILL_TOKEN": TOKEN})
    assert with_token.data["next_command"] is None
    assert with_token.envelope["warnings"] == []


# ------------------------------------------------------------------ top-level help
@pytest.mark.parametrize(
    "argv", [["--help"], ["-h"], ["help"], ["help", "--json"], ["--json", "--help"], [], ["help", "-h"]]
)
def test_top_level_help_lists_the_commands(run_cli: Callable[..., Run], argv: list[str]) -> None:
    result = run_cli(*argv)
    assert result.code == ExitCode.OK
    assert result.envelope["command"] == "image-skill help"
    listed = {row["command"]: row["available"] for row in result.data["commands"]}
    for word in COMMANDS:
        assert any(command.split()[1] == word for command in listed), word
    assert listed["image-skill create"] is True
    assert listed["image-skill credits methods"] is True
    assert listed["image-skill credits quote"] is True
    assert all(listed.values())  # every command of the contract runs in this release
    assert "--api-base-url" in result.data["usage"]


def test_help_with_global_flags_still_lists_the_commands(run_cli: Callable[..., Run]) -> None:
    result = run_cli("--api-base-url", "http://127.0.0.1:9", "--help")
    assert result.code == ExitCode.OK
    assert result.data["commands"] == run_cli("--help").data["commands"]


def test_top_level_help_stays_cheap_to_import() -> None:
    probe = (
        "import io, sys\n"
        "from image_skill.main import main\n"
        "main(['--help'], env={}, stdout=io.StringIO())\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    for heavy in (
        "requests",
        "docopt",
        "typing",
        "image_skill_api.models",
        "image_skill_api.registry",
        "image_skill_api.operations",
        "image_skill.context",
        "image_skill.transport",
    ):
        assert heavy not in loaded, heavy


# ------------------------------------------------------------------ the literals above match the contract
@pytest.mark.contract
def test_the_not_built_literals_are_the_contracts_command_lines(contract_text: str) -> None:
    """CONTRACT_LINES is exactly the contract's command lines (bash blocks and inline code) for upload,
    edit and create with reference flags."""
    blocks = [block.split("```", 1)[0] for block in contract_text.split("```bash")[1:]]
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    lines += re.findall(r"`(image-skill [^`]+)`", contract_text)
    covered: tuple[str, ...] = ("upload", "edit")
    reference_flags = {"--reference-image", "--element-frontal", "--element-reference"}
    documented = set()
    for line in lines:
        if not line.startswith("image-skill "):
            continue
        argv = shlex.split(line)[1:]
        if argv[-1:] != ["--json"]:
            continue  # a command named in prose (e.g. `image-skill upload`), not a command line
        if " ".join(argv).startswith(covered) or (argv[0] == "create" and set(argv) & reference_flags):
            documented.add(tuple(argv))
    assert documented == {tuple(argv) for argv in CONTRACT_LINES}
