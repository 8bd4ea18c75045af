"""Service telemetry end to end: the CLI describes each run in its request headers, the service
records one event per run (label, CLI name and version, exit code, duration, trace id - nothing
else), ``IMAGE_SKILL_TELEMETRY=off`` / ``DO_NOT_TRACK=1`` record nothing, telemetry never changes
stdout or the exit code, ``doctor`` says which mode is on and why, and ``image-skill-mock
telemetry --db`` prints the log as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from image_skill import __version__
from image_skill_api.registry import ExitCode

from .conftest import Cli, Result
from .recorded import OPT_OUT, Recording, telemetry_log, wait_for_runs
from .test_first_run import PROMPT

#: Each test compares the server's whole telemetry log with its own runs: a server of its own.
pytestmark = [pytest.mark.e2e, pytest.mark.fresh_server]

FIELDS = {"trace_id", "command", "cli", "exit_code", "duration_ms", "requests", "started_at", "updated_at"}


def _trace(result: Result) -> str:
    trace: str = result.envelope["trace_id"]
    return trace


def test_one_event_per_run_with_exactly_the_described_fields(
    cli: Cli, tmp_path: Path, server_db: Path
) -> None:
    run = Recording(cli)
    contact = "private-inbox@example.invalid"
    signup = run("signup", "--agent", "--agent-contact", contact, "--agent-name", "tele", "--save")
    started = time.monotonic()
    guide = run("create", "--guide", "--prompt", PROMPT)
    guide_wall_ms = (time.monotonic() - started) * 1000
    created = run("create", "--prompt", PROMPT)
    got = run("assets", "get", created.data["assets"][0]["asset_id"], "--output", str(tmp_path / "x.png"))
    missing = run("jobs", "show", "job_0123456789abcdef0123")
    assert missing.exit_code == ExitCode.GENERIC_FAILURE
    log = wait_for_runs(server_db, [_trace(r) for r in run.runs])
    assert set(log) == {_trace(r) for r in run.runs}
    for result in run.runs:
        event = log[_trace(result)]
        assert set(event) == FIELDS
        assert event["cli"] == {"name": "image-skill", "version": __version__}
        assert event["exit_code"] == result.exit_code
    assert log[_trace(signup)]["command"] == "image-skill signup --agent"
    # health, models, payment methods, quota: one run, one event; only the quota carries the token,
    # and only authenticated requests are recorded.
    assert log[_trace(guide)]["requests"] == 1
    assert 0 < log[_trace(guide)]["duration_ms"] <= guide_wall_ms + 50
    assert log[_trace(created)]["command"] == "image-skill create"
    assert log[_trace(got)]["requests"] == 1  # assets show (the media download is anonymous: not recorded)
    assert log[_trace(missing)]["exit_code"] == 1
    text = json.dumps(list(log.values()))
    token = json.loads(cli.config_path.read_text())["token"]
    for private in (token, "isk_r_", PROMPT, "private-inbox", str(tmp_path), "http://", "x.png"):
        assert private not in text


def test_a_run_refused_locally_sends_nothing_and_records_nothing(
    cli: Cli, tmp_path: Path, server_db: Path
) -> None:
    run = Recording(cli)
    refused = run("activity", "list", "--limit", "0")
    assert refused.exit_code == ExitCode.INVALID_ARGUMENTS
    signup = run("signup", "--agent", "--agent-contact", "a@example.invalid", "--agent-name", "a", "--save")
    sentinel = run("whoami")  # only authenticated requests are recorded
    log = wait_for_runs(server_db, [_trace(signup), _trace(sentinel)])
    assert set(log) == {_trace(signup), _trace(sentinel)}


@pytest.mark.parametrize("switch", OPT_OUT, ids=lambda s: next(iter(s)))
def test_the_no_telemetry_mode_records_nothing_and_changes_no_output(
    cli: Cli, tmp_path: Path, switch: dict[str, str], server_db: Path
) -> None:
    run = Recording(cli)
    run.cli.signup()
    tracked = run("whoami")
    quiet = [cli("whoami", env=switch), cli("create", "--prompt", PROMPT, "--dry-run", env=switch)]
    quiet.append(cli("jobs", "show", "job_0123456789abcdef0123", env=switch))
    sentinel = run("usage", "quota")  # authenticated: recorded (an anonymous run is not)
    log = wait_for_runs(server_db, [_trace(tracked), _trace(sentinel)])
    assert not {_trace(r) for r in quiet} & set(log)
    assert _trace(tracked) in log
    assert _same_output(tracked, quiet[0])
    assert [r.exit_code for r in quiet] == [0, 0, 1]  # telemetry never changes the exit code


def _same_output(a: Result, b: Result) -> bool:
    def without_trace(result: Result) -> dict[str, Any]:
        return {k: v for k, v in result.envelope.items() if k != "trace_id"}

    return without_trace(a) == without_trace(b) and a.exit_code == b.exit_code


def test_doctor_reports_the_mode_and_why(cli: Cli) -> None:
    for name in ("IMAGE_SKILL_TELEMETRY", "DO_NOT_TRACK"):
        cli.env.pop(name, None)
    on = cli("doctor").data["telemetry"]
    assert (on["enabled"], on["mode"]) == (True, "on")
    assert "IMAGE_SKILL_TELEMETRY=off" in on["detail"]
    assert "DO_NOT_TRACK=1" in on["detail"]
    assert "exit_code" in on["records"]
    for switch in OPT_OUT:
        off = cli("doctor", env=switch).data["telemetry"]
        assert (off["enabled"], off["mode"], off["records"]) == (False, "off", [])
        name, value = next(iter(switch.items()))
        assert f"{name}={value}" in off["detail"]


def test_the_telemetry_command_prints_json_lines_and_refuses_a_missing_db(
    cli: Cli, tmp_path: Path, server_db: Path
) -> None:
    run = Recording(cli)
    # Only authenticated requests are recorded (and a signup, for the agent it made).
    signup = run("signup", "--agent", "--agent-contact", "a@example.invalid", "--agent-name", "a", "--save")
    first = run("whoami")
    second = run("usage", "quota")
    log = wait_for_runs(server_db, [_trace(signup), _trace(first), _trace(second)])
    assert list(log) == [_trace(signup), _trace(first), _trace(second)]  # oldest run first
    assert [e["command"] for e in telemetry_log(server_db)] == [
        "image-skill signup --agent",
        "image-skill whoami",
        "image-skill usage quota",
    ]
    (tmp_path / "garbage.sqlite3").write_text("not a database")
    for name in ("nothing.sqlite3", "garbage.sqlite3"):
        done = subprocess.run(
            [sys.executable, "-m", "image_skill_mock", "telemetry", "--db", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == ExitCode.INVALID_ARGUMENTS, name
        assert json.loads(done.stdout)["error"]["code"] == "INVALID_ARGUMENTS"
    assert not (tmp_path / "nothing.sqlite3").exists()
    assert (tmp_path / "garbage.sqlite3").read_text() == "not a database"


def test_every_command_label_is_a_label_the_service_records() -> None:
    import re

    from image_skill.command_table import LABELS
    from image_skill_api.constants import OPERATION_COMMANDS, TELEMETRY_COMMAND_PATTERN, TELEMETRY_COMMANDS

    labels = [*OPERATION_COMMANDS.values(), *LABELS.values()]
    assert [label for label in labels if not re.fullmatch(TELEMETRY_COMMAND_PATTERN, label)] == []
    # The service records only the spec's labels: every label the CLI sends is one of them.
    assert set(labels) <= set(TELEMETRY_COMMANDS)
