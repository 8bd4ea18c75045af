"""Dispatch and output rules: one envelope for every outcome, usage errors are exit 2."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import image_skill
from image_skill.command_table import COMMANDS
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import Run

BAD_USAGE = [
    ["jobs"],
    ["jobs", "wait"],
    ["jobs", "show", "job_abcdefghijklmnop", "--nope"],
    ["assets", "get"],
    ["models", "show"],
    ["signup", "--agent-name", "x"],
    ["usage"],
    ["capabilities", "show"],
    ["whoami", "extra"],
]


@pytest.mark.parametrize("argv", BAD_USAGE, ids=" ".join)
def test_usage_errors_are_invalid_arguments_exit_2(run_cli: Callable[..., Run], argv: list[str]) -> None:
    result = run_cli(*argv)
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert result.error["recovery"]["suggested_command"].endswith("--help")


def test_unknown_command_is_not_available(run_cli: Callable[..., Run]) -> None:
    result = run_cli("paint", "--json")
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_every_command_has_help_as_an_envelope(run_cli: Callable[..., Run], word: str) -> None:
    result = run_cli(word, "--help")
    assert result.code == ExitCode.OK
    assert "Usage:" in result.data["usage"]
    assert "--api-base-url" in result.data["usage"]


def test_version_is_cheap_and_enveloped(run_cli: Callable[..., Run]) -> None:
    result = run_cli("--version")
    assert result.code == ExitCode.OK
    assert result.envelope["command"] == "image-skill version"
    assert result.data["version"] == image_skill.__version__


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "--prompt", "x", "--output-count", "zero"],
        ["create", "--prompt", "x", "--max-estimated-usd-per-image", "-1"],
        ["create", "--prompt", "x", "--model-parameters-json", "[1]"],
        ["create", "--prompt", "x", "--aspect-ratio", "wide"],
        ["create", "--prompt", "   "],
        ["create", "--prompt", "x", "--prompt-file", "f"],
        ["create", "--prompt-file", "/nonexistent/prompt.txt"],
        ["jobs", "wait", "job_abcdefghijklmnop", "--timeout-ms", "0"],
        ["jobs", "show", "not-a-job"],
        ["models", "list", "--operation", "video.generate"],
        ["assets", "show", "not an id"],
    ],
    ids=" ".join,
)
def test_bad_option_values_fail_before_any_request(run_cli: Callable[..., Run], argv: list[str]) -> None:
    nowhere = ["--api-base-url", "http://127.0.0.1:9"]  # nothing listens: a request would be exit 7
    result = run_cli(*argv, *nowhere)
    assert result.code == ExitCode.INVALID_ARGUMENTS, argv
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS, argv


def test_external_urls_are_rejected(run_cli: Callable[..., Run]) -> None:
    result = run_cli("assets", "get", "https://example.com/a.png", "--api-base-url", "http://127.0.0.1:9")
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.EXTERNAL_URL_REJECTED


@pytest.mark.parametrize(
    "flag", ["--card-number=4242424242424242", "--wallet-key", "--seed-phrase=a b c", "--stripe-secret-key=x"]
)
def test_payment_credentials_are_refused_whatever_the_rest(run_cli: Callable[..., Run], flag: str) -> None:
    result = run_cli("credits", "buy", flag)
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.PAYMENT_CREDENTIAL_FLAG_REJECTED
    assert "4242" not in result.stdout


def _interrupted(ctx: object, opts: object) -> None:
    raise KeyboardInterrupt


def _broken(ctx: object, opts: object) -> None:
    raise ZeroDivisionError


@pytest.mark.parametrize(
    ("run", "exit_code", "code"),
    [
        (_interrupted, ExitCode.GENERIC_FAILURE, ErrorCode.INTERRUPTED),
        (_broken, ExitCode.PROVIDER, ErrorCode.INTERNAL_ERROR),
    ],
    ids=["interrupt", "unexpected"],
)
def test_interrupt_and_unexpected_errors_are_envelopes_not_tracebacks(
    run_cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[[object, object], None],
    exit_code: ExitCode,
    code: ErrorCode,
) -> None:
    from image_skill.commands import whoami

    monkeypatch.setattr(whoami, "run", run)
    result = run_cli("whoami")
    assert result.code == exit_code
    assert result.error["code"] == code
    assert "Traceback" not in result.stdout + result.stderr


def test_the_console_entry_sets_the_collector_for_a_short_run_and_freezes_before_exit() -> None:
    import json
    import subprocess
    import sys

    # Seen from an atexit handler: after ``run`` has ended the process, before the shutdown collections.
    probe = """
import atexit, gc, sys
from image_skill.main import GC_THRESHOLD, run
default, frozen = gc.get_threshold(), gc.get_freeze_count()
def seen():
    print(gc.get_threshold() == (GC_THRESHOLD, *default[1:]), gc.get_freeze_count() > frozen, file=sys.stderr)
atexit.register(seen)
sys.argv = ["image-skill", "--version"]
run()
"""
    ran = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0
    assert json.loads(ran.stdout)["ok"] is True
    assert ran.stderr.split() == ["True", "True"]  # the threshold set; what the run made frozen


def test_main_leaves_the_collector_as_it_finds_it(run_cli: Callable[..., Run]) -> None:
    import gc

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert run_cli("--version").code == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen)
