"""Exact flags and words (issue 18 item 2): docopt's prefix matching is refused before docopt runs;
an unknown flag or command is named, with the closest known one in `recovery.did_you_mean` and the
whole command line with it in place as `recovery.suggested_command` (which then parses)."""

from __future__ import annotations

import shlex
from collections.abc import Callable

import pytest

from image_skill.envelope import Refusal
from image_skill.main import parse
from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import Run

JOB = "job_abcdefghijklmnop"


def _parses(command: str) -> bool:
    argv = shlex.split(command)
    assert argv[0] == "image-skill"
    return not isinstance(parse(argv[1], argv[1:]), Refusal)


@pytest.mark.parametrize(
    ("argv", "given", "meant"),
    [
        (["jobs", "wait", JOB, "--timeout", "5"], "--timeout", "--timeout-ms"),
        (["jobs", "wait", JOB, "--timeout=5"], "--timeout", "--timeout-ms"),
        (["create", "--dry", "--prompt", "x"], "--dry", "--dry-run"),
        (["create", "--guid", "--prompt", "x"], "--guid", "--guide"),
        (["create", "--promt", "x", "--dry-run"], "--promt", "--prompt"),
        (["models", "list", "--executabel"], "--executabel", "--executable"),
        (["assets", "get", "image_x", "--overwrit"], "--overwrit", "--overwrite"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value,
)
def test_an_abbreviated_or_misspelt_flag_is_refused_with_the_flag_meant(
    run_cli: Callable[..., Run], argv: list[str], given: str, meant: str
) -> None:
    result = run_cli(*argv)
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert given in result.error["message"]
    recovery = result.error["recovery"]
    assert recovery["did_you_mean"] == meant
    suggested = shlex.split(recovery["suggested_command"])
    assert suggested[1:] == [
        arg.replace(given, meant, 1) if arg.split("=")[0] == given else arg for arg in argv
    ]
    assert _parses(recovery["suggested_command"])


def test_a_flag_like_nothing_known_points_at_the_usage(run_cli: Callable[..., Run]) -> None:
    result = run_cli("whoami", "--zzzzzz")
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert "--zzzzzz" in result.error["message"]
    assert "did_you_mean" not in result.error["recovery"]
    assert result.error["recovery"]["suggested_command"] == "image-skill whoami --help"


def test_a_value_that_looks_like_a_flag_is_a_value(run_cli: Callable[..., Run]) -> None:
    """A flag's value is never read as a flag: `--prompt --dry` is the prompt "--dry"."""
    result = run_cli("create", "--prompt", "--dry", "--dry-run", "--api-base-url", "http://127.0.0.1:9")
    assert result.error["code"] == ErrorCode.HOSTED_API_REQUEST_FAILED  # it parsed, and went to the API


@pytest.mark.parametrize(("word", "meant"), [("creat", "create"), ("jbos", "jobs"), ("modles", "models")])
def test_an_unknown_command_gets_the_closest_one(run_cli: Callable[..., Run], word: str, meant: str) -> None:
    result = run_cli(word, "--help")
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE
    assert result.error["recovery"]["did_you_mean"] == meant
    assert result.error["recovery"]["suggested_command"] == f"image-skill {meant} --help"


def test_the_image_modality_alias_runs_create_and_edit(run_cli: Callable[..., Run]) -> None:
    guide = run_cli("image", "create", "--help", "--json")
    assert guide.data["id"] == "create"
    assert run_cli("image", "edit", "--help").data["id"] == "edit"
    planned = run_cli("image", "create", "--prompt", "x", "--dry-run", "--api-base-url", "http://127.0.0.1:9")
    assert planned.envelope["command"] == "image-skill create"
    assert run_cli("image", "paint").error["code"] == ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE
