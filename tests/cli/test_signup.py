"""signup --agent: the token is saved 0600 and never printed, or printed once and not saved; an
unwritable config fails before any signup."""

from __future__ import annotations

import errno
import json
import os
import shlex
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from image_skill_api.registry import ERRORS, ErrorCode, ExitCode

from .conftest import SIGNUP, TOKEN, Reply, Run, Script, envelope


def test_signup_saves_0600_atomically_and_never_prints_the_token(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    result = run_cli(*SIGNUP, "--api-base-url", base)
    config = home / "cfg" / "config.json"
    assert result.code == ExitCode.OK
    assert result.data["token"] is None
    assert result.data["token_saved"] is True
    assert TOKEN not in result.stdout
    assert json.loads(config.read_text())["token"] == TOKEN
    assert json.loads(config.read_text())["api_base_url"] == base
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert [p.name for p in config.parent.iterdir()] == ["config.json"]
    assert json.loads(script.seen[0].body)["return_token"] is True


def test_show_token_no_save_prints_once_and_does_not_save(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path
) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    argv = ["signup", "--agent", "--human-email", "a@example.com", "--agent-name", "n", "--show-token"]
    result = run_cli(*argv, "--no-save", "--api-base-url", base)  # 0.1.70: --show-token alone also saves
    assert result.data["token"] == TOKEN
    assert not (home / "cfg" / "config.json").exists()


def test_unwritable_config_fails_before_signup(
    http: tuple[str, Script], run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    base, script = http
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    argv = [*SIGNUP, "--api-base-url", base]
    result = run_cli(*argv, env={"IMAGE_SKILL_CONFIG_PATH": str(blocker / "config.json")})
    assert result.code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED
    export = ERRORS[ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED].recovery["suggested_command"]
    # issue 18: the recovery is whole - the registry's export, then this very signup again
    assert (
        result.error["recovery"]["suggested_command"] == f"{export} && {shlex.join(['image-skill', *argv])}"
    )
    assert script.seen == []


# ------------------------------------------------------------------ a full disk never orphans an identity
def _signup_failing(
    http: tuple[str, Script], run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, call: str
) -> tuple[Run, Script]:
    """A signup during which ``os.<call>`` fails with ENOSPC (a full disk)."""

    def enospc(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    monkeypatch.setattr(os, call, enospc)
    result = run_cli(*SIGNUP, "--api-base-url", base)
    monkeypatch.undo()
    return result, script


def test_a_full_disk_refuses_before_the_signup(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty probe file fits on a full disk; the full-size placeholder does not."""
    result, script = _signup_failing(http, run_cli, monkeypatch, "write")
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED
    assert script.seen == []
    assert list((home / "cfg").iterdir()) == []  # the placeholder is gone


def test_a_save_that_fails_after_the_signup_hands_the_token_over_once(
    http: tuple[str, Script], run_cli: Callable[..., Run], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, script = _signup_failing(http, run_cli, monkeypatch, "replace")
    assert len(script.seen) == 1
    assert result.code == ExitCode.STORAGE
    assert result.error["code"] == ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED
    recovery = result.error["recovery"]
    assert recovery["token"] == TOKEN
    assert shlex.split(recovery["suggested_command"]) == ["export", f"IMAGE_SKILL_TOKEN={TOKEN}"]
    assert "agent was created" in result.error["message"]
    assert list((home / "cfg").iterdir()) == []


# ------------------------------------------------------------------ a name the spec refuses is never sent
@pytest.mark.parametrize(
    ("flag", "value"),
    [("--agent-name", "--json"), ("--agent-name", "a" * 81), ("--agent-name", " lead"), ("--runtime", "x/y")],
)
def test_a_name_or_runtime_the_spec_refuses_is_exit_2_before_any_request(
    http: tuple[str, Script], run_cli: Callable[..., Run], flag: str, value: str
) -> None:
    base, script = http
    given = {"--agent-name": "n", flag: value}
    result = run_cli(
        "signup", "--agent", *(f"{name}={text}" for name, text in given.items()), "--api-base-url", base
    )
    assert result.code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert flag in result.error["message"]
    assert result.error["recovery"]["suggested_command"].startswith("image-skill signup --help")
    assert script.seen == []


def test_a_name_at_the_bound_is_sent(http: tuple[str, Script], run_cli: Callable[..., Run]) -> None:
    base, script = http
    script.on("POST", "/v1/agent-signups", Reply(201, envelope({"token": TOKEN, "actor": None})))
    result = run_cli(
        "signup", "--agent", "--agent-name", "A" + "b. _-" * 15 + "x" * 4, "--api-base-url", base
    )
    assert result.code == ExitCode.OK
    assert len(json.loads(script.seen[0].body)["agent_name"]) == 80
