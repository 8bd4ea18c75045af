"""Every command the CLI prints for someone to run next is whole and runnable as printed (issue 18
item 7): flows that end in a suggestion (the guide, doctor, a misspelt flag or command, a usage
error, an existing output file, an unwritable config, no token, a missing payment flag) are run, and
each `*_command` they print is run again as a shell would run it, with no base URL in the
environment, so that only what is printed points it at the mock."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from image_skill_api.registry import ErrorCode, ExitCode

from .conftest import Cli, Result, cli_command

pytestmark = pytest.mark.e2e

FILLED = {"AGENT_CONTACT_EMAIL": "agent@example.invalid", "AGENT_NAME": "next-agent", "RUNTIME": "pytest"}
COMMAND_KEY = re.compile(r"(^|_)command$")


def harvest(value: Any) -> Iterator[str]:
    """Every printed command line in an envelope (any ``*_command`` field, at any depth)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and COMMAND_KEY.search(key) and key != "command":
                if item.startswith(("image-skill ", "export ")):
                    yield item
            else:
                yield from harvest(item)
    elif isinstance(value, list):
        for item in value:
            yield from harvest(item)


def run_as_printed(cli: Cli, command: str, cwd: Path) -> dict[str, Any]:
    """``command`` through a POSIX shell, ``image-skill`` being this CLI; no base URL in the env."""
    for placeholder, value in FILLED.items():
        command = command.replace(placeholder, value)
    env = {k: v for k, v in cli.env.items() if k != "IMAGE_SKILL_API_BASE_URL"}
    shim = cwd / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "image-skill").write_text("#!/bin/sh\nexec " + " ".join(map(repr, cli_command())) + ' "$@"\n')
    (shim / "image-skill").chmod(0o755)
    env["PATH"] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["sh", "-c", command], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    import json

    envelope: dict[str, Any] = json.loads(done.stdout)
    return envelope


def assert_runnable(envelope: dict[str, Any], command: str) -> None:
    """It ran as a command of this CLI: no unknown command or flag, no usage error."""
    error = envelope.get("error") or {}
    assert error.get("code") != ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE, command
    assert "do not match any usage" not in error.get("message", ""), command
    assert "is not a flag of" not in error.get("message", ""), command


@pytest.fixture
def flows(cli: Cli, tmp_path: Path) -> list[Result]:
    """Runs that end in suggestions; the last ones are made with a token."""
    results = [
        cli("create", "--guide", "--prompt", "a red cube"),
        cli("doctor"),
        cli("whoami"),
        cli("jobs", "wait", "job_abcdefghijklmnop", "--timeout", "5"),
        cli("creat", "--guide", "--prompt", "a red cube"),
        cli("edit", "--prompt", "x"),
        cli(
            "signup", "--agent", "--agent-name", "n", env={"IMAGE_SKILL_CONFIG_PATH": "/dev/null/config.json"}
        ),
    ]
    cli.signup()
    results.append(cli("create", "--guide", "--prompt", "a red cube"))
    created = cli(
        "create", "--prompt", "a red cube", "--max-estimated-usd-per-image", "0.5", "--accept-unknown-cost"
    )
    asset_id = created.data["assets"][0]["asset_id"]
    results += [created, cli("assets", "get", asset_id, "--output", "cube.png")]
    results.append(cli("assets", "get", asset_id, "--output", "cube.png"))  # OUTPUT_EXISTS
    results.append(cli("credits", "buy", "--provider", "stripe", "--quote-id", "quote_0123456789abcdef"))
    return results


def test_every_printed_command_runs_as_printed(cli: Cli, flows: list[Result], tmp_path: Path) -> None:
    commands = list(dict.fromkeys(command for result in flows for command in harvest(result.envelope)))
    assert len(commands) >= 8, commands
    for command in commands:
        assert_runnable(run_as_printed(cli, command, cli.cwd), command)


def test_output_exists_suggests_the_same_download_with_overwrite(cli: Cli, flows: list[Result]) -> None:
    refused = flows[-2]
    assert refused.error["code"] == ErrorCode.OUTPUT_EXISTS
    command = refused.error["recovery"]["suggested_command"]
    assert "--overwrite" in command
    assert "assets get" in command
    again = run_as_printed(cli, command, cli.cwd)
    assert again["ok"] is True, again


def test_an_unwritable_config_suggests_a_path_and_the_signup_again(cli: Cli, tmp_path: Path) -> None:
    refused = cli(
        "signup",
        "--agent",
        "--agent-contact",
        "a@example.invalid",
        "--agent-name",
        "n",
        env={"IMAGE_SKILL_CONFIG_PATH": "/dev/null/config.json"},
    )
    assert refused.exit_code == ExitCode.STORAGE
    command = refused.error["recovery"]["suggested_command"]
    assert command.startswith("export IMAGE_SKILL_CONFIG_PATH=")
    assert "&& image-skill signup" in command
    work = tmp_path / "work"
    work.mkdir()
    again = run_as_printed(cli, command, work)
    assert again["ok"] is True, again
    assert (work / ".image-skill" / "config.json").is_file()
