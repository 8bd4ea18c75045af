"""The mock as a test harness, end to end (issue 16): ``image-skill-mock state|clock|faults|journal|pay``
against a real ``serve --control``, the real ``image-skill`` CLI on the other side; ``--seed-file``,
the access log, and the served documents."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ErrorCode, ExitCode
from image_skill_mock.demo import running_server

from .conftest import Cli

FROZEN = "2026-12-01T23:00:00Z"
PROMPT = "a lighthouse keeper's secret recipe"


def mock(*argv: str) -> tuple[int, dict[str, Any]]:
    """Run ``image-skill-mock ARGV``; (exit code, the JSON it printed)."""
    done = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[tuple[str, Cli]]:
    """A ``serve --control --clock=frozen:...`` (access log in a file) and a signed-up CLI."""
    args = (
        "--strict",
        "--control",
        f"--clock=frozen:{FROZEN}",
        "--daily-jobs=1",
        "--log-file",
        str(tmp_path / "access.log"),
    )
    with running_server(tmp_path / "mock.sqlite3", extra_args=args) as base_url:
        home = tmp_path / "home"
        home.mkdir()
        cli = Cli(base_url, home)
        cli.signup()
        yield base_url, cli


def test_every_control_subcommand_end_to_end(harness: tuple[str, Cli], tmp_path: Path) -> None:
    url, _ = harness
    shown = mock("clock", "show", "--url", url)
    assert shown == (0, shown[1])
    assert shown[1]["data"]["now"] == "2026-12-01T23:00:00.000Z"
    assert shown[1]["command"] == OPERATIONS["getMockClock"].command
    code, added = mock(
        "faults",
        "add",
        "--operation",
        "createImage",
        "--fault",
        "provider_failed",
        "--times",
        "1",
        "--url",
        url,
    )
    assert code == 0
    assert added["data"]["times"] == 1
    assert mock("faults", "list", "--url", url)[1]["data"]["rules"][0]["rule_id"] == added["data"]["rule_id"]
    assert mock("faults", "clear", "--url", url)[1]["data"] == {"cleared": 1}
    code, advanced = mock("clock", "advance", "--seconds", "60", "--url", url)
    assert advanced["data"]["now"] == "2026-12-01T23:01:00.000Z"
    code, journal = mock("journal", "--limit", "2", "--url", url)
    assert [e["operation"] for e in journal["data"]["entries"]] == ["clearMockFaultRules", "advanceMockClock"]
    code, exported = mock("state", "export", "--output", str(tmp_path / "state.json"), "--url", url)
    assert code == 0
    assert exported["data"]["rows"]["agents"] == 1
    assert mock("state", "reset", "--url", url)[1]["data"]["scope"] == "all"
    code, imported = mock("state", "import", str(tmp_path / "state.json"), "--url", url)
    assert code == 0
    assert imported["data"]["rows"]["agents"] == 1
    code, refused = mock("pay", "payatt_" + "0" * 24, "--url", url)
    assert (code, refused["error"]["code"]) == (ExitCode.GENERIC_FAILURE, ErrorCode.NOT_FOUND)


def test_a_fault_rule_of_times_2_fails_two_requests_then_the_cli_succeeds(harness: tuple[str, Cli]) -> None:
    url, cli = harness
    mock("faults", "add", "--fault", "provider_failed", "--times", "2", "--url", url)
    runs = [cli("create", "--prompt", PROMPT)]
    while runs[-1].exit_code != ExitCode.OK and len(runs) < 3:  # the CLI may retry a 5xx create itself
        runs.append(cli("create", "--prompt", PROMPT))
    journal = mock("journal", "--url", url)[1]["data"]["entries"]
    statuses = [e["status"] for e in journal if e["operation"] == "createImage"]
    assert statuses[:2] == [502, 502]
    assert statuses[2:] == [200]
    assert runs[-1].exit_code == ExitCode.OK
    assert {r.exit_code for r in runs[:-1]} <= {ExitCode.PROVIDER, ExitCode.OK}


def test_export_reset_import_reproduces_the_cli_answers(harness: tuple[str, Cli], tmp_path: Path) -> None:
    url, cli = harness
    created = cli("create", "--prompt", PROMPT)
    assert created.exit_code == 0, created.envelope
    job_id = created.data["job_id"]
    out = tmp_path / "image.png"

    def answers() -> list[Any]:
        got = cli("assets", "get", created.data["assets"][0]["asset_id"], "--output", str(out), "--overwrite")
        assert got.exit_code == 0, got.envelope
        return [
            cli("usage", "quota").data,
            cli("activity", "list").data,
            cli("jobs", "show", job_id).data,
            out.read_bytes(),
        ]

    before = answers()
    state = tmp_path / "state.json"
    assert mock("state", "export", "--output", str(state), "--url", url)[0] == 0
    assert mock("state", "reset", "--url", url)[0] == 0
    assert cli("usage", "quota").exit_code == ExitCode.AUTH
    assert mock("state", "import", str(state), "--url", url)[0] == 0
    assert answers() == before


def test_the_journal_deltas_agree_with_usage_quota(harness: tuple[str, Cli]) -> None:
    url, cli = harness
    before = cli("usage", "quota").data
    created = cli("create", "--prompt", PROMPT)
    after = cli("usage", "quota").data
    agent_id = created.envelope["actor"]["actor_id"]
    [entry] = [
        e
        for e in mock("journal", "--trace-id", created.envelope["trace_id"], "--url", url)[1]["data"][
            "entries"
        ]
        if e["operation"] == "createImage"
    ]
    delta = entry["delta"][agent_id]
    assert (
        delta["credits"]
        == after["limits"]["total_remaining_credits"] - before["limits"]["total_remaining_credits"]
    )
    assert delta["jobs"] == after["daily_jobs"]["used"] - before["daily_jobs"]["used"] == 1
    assert delta["assets"] == 1
    assert delta["activity_events"] >= 1


def test_the_access_log_is_one_json_line_per_request_without_secrets(
    harness: tuple[str, Cli], tmp_path: Path
) -> None:
    _, cli = harness
    created = cli("create", "--prompt", PROMPT)
    log = (tmp_path / "access.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines()]
    mine = [line for line in lines if line["trace_id"] == created.envelope["trace_id"]]
    assert mine
    assert mine[0]["operation"] == "createImage"
    assert mine[0]["status"] == 200
    assert mine[0]["exit_code"] == 0
    assert set(mine[0]) == {"ts", "trace_id", "method", "operation", "route", "status", "exit_code", "ms"}
    assert PROMPT not in log
    assert "isk_r_" not in log
    assert "Bearer" not in log


def test_a_seed_file_is_the_state_at_start(harness: tuple[str, Cli], tmp_path: Path) -> None:
    url, cli = harness
    state = tmp_path / "seed.json"
    assert mock("state", "export", "--output", str(state), "--url", url)[0] == 0
    quota = cli("usage", "quota").data
    with running_server(
        tmp_path / "other.sqlite3", extra_args=("--seed-file", str(state), f"--clock=frozen:{FROZEN}")
    ) as other:
        token = json.loads(cli.config_path.read_text(encoding="utf-8"))["token"]
        seeded = cli("usage", "quota", env={"IMAGE_SKILL_API_BASE_URL": other, "IMAGE_SKILL_TOKEN": token})
        assert seeded.data == quota


def test_a_seed_file_that_is_not_a_document_stops_serve(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--seed-file", str(bad)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "seed-file" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_documents_are_served(server: str) -> None:
    spec = requests.get(server + "/openapi.json", timeout=10).json()
    assert spec["paths"].keys() >= {op.path for op in OPERATIONS.values()}
    llms = requests.get(server + "/llms.txt", timeout=10)
    assert llms.headers["content-type"].startswith("text/plain")
    cli_md = requests.get(server + "/cli.md", timeout=10).text
    for op in OPERATIONS.values():
        assert op.operation_id in llms.text
        assert op.command in cli_md
    docs = requests.get(server + "/docs", timeout=10)
    assert docs.headers["content-type"].startswith("text/html")
    assert "<script" not in docs.text
    assert "src=" not in docs.text


def test_control_commands_without_a_server_are_an_envelope(tmp_path: Path) -> None:
    code, answer = mock("journal", "--url", "http://127.0.0.1:9")
    assert (code, answer["error"]["code"]) == (ExitCode.PROVIDER, ErrorCode.HOSTED_API_REQUEST_FAILED)
    code, answer = mock("state", "import", str(tmp_path / "missing.json"), "--url", "http://127.0.0.1:9")
    assert (code, answer["error"]["code"]) == (ExitCode.INVALID_ARGUMENTS, ErrorCode.INVALID_ARGUMENTS)


def test_a_killed_server_loses_nothing_it_answered(tmp_path: Path) -> None:
    """Durability (README): with --db, what was answered survives a SIGKILL and a restart."""
    db = tmp_path / "durable.sqlite3"
    argv = [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--db", str(db)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        base_url = json.loads(proc.stdout.readline())["base_url"]
        signup = {"agent_contact": "kill@example.invalid", "agent_name": "kill", "return_token": True}
        token = requests.post(base_url + "/v1/agent-signups", json=signup, timeout=30).json()["data"]["token"]
        auth = {"authorization": f"Bearer {token}"}
        job = requests.post(base_url + "/v1/create", json={"prompt": PROMPT}, headers=auth, timeout=60).json()
        assert job["ok"], job
    finally:
        proc.kill()  # no shutdown, no cleanup
        proc.wait(timeout=30)
    with running_server(db) as again:
        shown = requests.get(f"{again}/v1/jobs/{job['data']['job_id']}", headers=auth, timeout=30).json()
        assert shown["data"]["job"] == job["data"]["job"]


def test_the_ci_example_runs_commands_and_options_that_exist() -> None:
    import shlex

    import yaml
    from docopt import docopt

    from image_skill_mock import main

    workflow = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "ci-example.yml").read_text())
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    lines = [line.strip() for run in runs for line in run.replace("\\\n", " ").splitlines()]
    commands = [shlex.split(line.split(">")[0]) for line in lines if line.startswith("image-skill-mock ")]
    assert len(commands) >= 3
    for argv in commands:
        docopt(main.USAGE, argv=argv[1:])  # a usage error would exit
    assert any("--image-skill-mock-url=" in line for line in lines)
    assert any("--image-skill-mock-args=" in line for line in lines)


def test_stripe_trigger_signs_with_the_mocks_own_clock(tmp_path: Path) -> None:
    """A frozen clock far from this machine's: `stripe trigger` still lands (its events are signed at
    the mock's now, read from /healthz, inside the tolerance the webhook checks)."""
    secret = "whsec_" + "ab" * 16
    args = ("--control", "--clock=frozen:2031-06-01T00:00:00Z", "--webhook-secret", secret)
    with running_server(tmp_path / "frozen.sqlite3", extra_args=args) as url:
        home = tmp_path / "home"
        home.mkdir()
        cli = Cli(url, home)
        cli.signup()
        quote = cli("credits", "quote", "--credits", "500")
        bought = cli(
            "credits",
            "buy",
            "--provider",
            "stripe",
            "--quote-id",
            quote.data["quote_id"],
            "--idempotency-key",
            "b1",
        )
        attempt = bought.data["payment_attempt_id"]
        trigger = ("stripe", "trigger", "checkout.session.completed", "--payment-attempt-id", attempt)
        code, report = mock(*trigger, "--api-base-url", url, "--webhook-secret", secret)
        assert code == 0, report
        assert cli("credits", "status", "--payment-attempt-id", attempt).data["state"] == "succeeded"
