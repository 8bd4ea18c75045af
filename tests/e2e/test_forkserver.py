"""The fork server the end-to-end tests run the CLI from (``forkserver``) answers as a fresh process:
the same exit codes and envelopes for the same commands, stdin and environment reaching the run,
a run past its timeout killed, and a run that changes what an interpreter reads at start-up spawned."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli.output_rules import check_output

from image_skill_api.constants import CREATE_REQUEST_PROMPT_MAX_LENGTH
from image_skill_api.registry import ErrorCode

from .conftest import cli_command
from .forkserver import ForkServer, needs_spawn

#: A first-run sequence that touches stdin, the config file, the network and local refusals.
SEQUENCE: list[tuple[list[str], str | None]] = [
    (["--version"], None),
    (["whoami", "--json"], None),
    (["signup", "--agent", "--agent-contact", "f@example.invalid", "--agent-name", "fork", "--json"], None),
    (["whoami", "--json"], None),
    (["quota", "--json"], None),
    (["create", "--prompt-file", "-", "--json"], "a lighthouse at dusk"),
    (["jobs", "show", "no-such-job", "--json"], None),
    (["create", "--prompt", "x", "--count", "0", "--json"], None),
    (["no-such-command"], None),
    (["--help"], None),
]


@pytest.fixture(scope="module")
def forks() -> Iterator[ForkServer]:
    (script,) = cli_command()  # the installed console script (the suite runs in the nox venv)
    server = ForkServer(script)
    yield server
    server.close()


def _shape(value: Any) -> Any:
    """An envelope with what differs between two runs (ids, times, tokens, trace ids) left out: its
    keys, and every value that is a bool, a number or a code-like string."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Z][A-Z0-9_]*|image-skill|", value) else "<text>"
    return value


def _env(server: str, home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "IMAGE_SKILL_API_BASE_URL": server,
        "IMAGE_SKILL_CONFIG_PATH": str(home / "config.json"),
    }


def test_a_forked_run_answers_as_a_spawned_one(forks: ForkServer, server: str, tmp_path: Path) -> None:
    answers: dict[str, list[tuple[int, Any]]] = {"forked": [], "spawned": []}
    for way, runs in answers.items():
        home = tmp_path / way
        home.mkdir()
        env = _env(server, home)
        for argv, stdin in SEQUENCE:
            if way == "forked":
                done = forks.run(argv, env=env, cwd=home, stdin=stdin, timeout=60)
            else:
                done = subprocess.run(
                    [*cli_command(), *argv], input=stdin, env=env, cwd=home, capture_output=True, text=True,
                    timeout=60, check=False,
                )  # fmt: skip
            envelope = check_output(argv, done.returncode, done.stdout, done.stderr)
            runs.append((done.returncode, _shape(envelope)))
    assert answers["forked"] == answers["spawned"]
    codes = [code for code, _ in answers["forked"]]
    assert 0 in codes
    assert len(set(codes)) > 2  # the sequence reaches several exit codes, not only success


def test_stdin_and_the_environment_reach_the_run(forks: ForkServer, server: str, tmp_path: Path) -> None:
    env = _env(server, tmp_path)
    signup = ["signup", "--agent", "--agent-contact", "f@example.invalid", "--agent-name", "fork", "--json"]
    assert forks.run(signup, env=env, cwd=tmp_path, stdin=None, timeout=60).returncode == 0
    assert (tmp_path / "config.json").is_file()  # the run's IMAGE_SKILL_CONFIG_PATH, not the server's
    create = ["create", "--prompt-file", "-", "--json"]
    done = forks.run(create, env=env, cwd=tmp_path, stdin="a lighthouse at dusk", timeout=60)
    envelope = check_output(create, done.returncode, done.stdout, done.stderr)
    assert envelope["ok"], envelope  # (with no stdin, the prompt would be empty: INVALID_ARGUMENTS)
    long = "x" * (CREATE_REQUEST_PROMPT_MAX_LENGTH + 70_000)  # more than a pipe holds before it is read
    done = forks.run(create, env=env, cwd=tmp_path, stdin=long, timeout=60)
    envelope = check_output(create, done.returncode, done.stdout, done.stderr)
    assert envelope["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert str(CREATE_REQUEST_PROMPT_MAX_LENGTH) in envelope["error"]["message"]


def test_a_run_past_its_timeout_is_killed(forks: ForkServer, tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        env = _env(f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path)
        env["IMAGE_SKILL_TOKEN"] = "isk_" + "a" * 40
        with pytest.raises(subprocess.TimeoutExpired):
            forks.run(["whoami", "--json"], env=env, cwd=tmp_path, stdin=None, timeout=1)


def test_a_run_changing_what_python_reads_at_start_up_is_spawned(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [*os.environ]:
        if name.startswith(("PYTHON", "LC_", "LANG", "IMAGE_SKILL_TEST_SPAWN")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert not needs_spawn({"LANG": "C.UTF-8", "IMAGE_SKILL_TOKEN": "x"})
    assert needs_spawn({"LANG": "C.UTF-8", "PYTHONIOENCODING": "ascii"})
    assert needs_spawn({})  # LANG unset for the run
    assert needs_spawn({"LANG": "C.UTF-8", "LC_ALL": "C"})
    monkeypatch.setenv("IMAGE_SKILL_TEST_SPAWN", "1")
    assert needs_spawn({"LANG": "C.UTF-8"})
