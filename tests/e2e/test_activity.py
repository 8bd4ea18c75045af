"""The service's memory end to end (issue 9's "done when"): from a bare clone, the first-run flow,
a dry run, an upload and edit (when this release builds them), a purchase (when built) and a
feedback; then ``activity list`` holds exactly the expected event types with their stable links,
``activity show`` resolves each id kind, and the telemetry log holds one event per command run and
none in the no-telemetry mode. Plus the activity commands' own rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ACTIVITY_EVENTS, ActivityEventType, ErrorCode, ExitCode

from .conftest import Cli, Result
from .recorded import OPT_OUT, Recording, wait_for_runs
from .test_first_run import PROMPT, fill_signup_placeholders

pytestmark = pytest.mark.e2e

NOT_AVAILABLE = ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE


def _built(result: Result) -> bool:
    """False when this release answers the command with PUBLIC_CLI_COMMAND_NOT_AVAILABLE."""
    return not (result.exit_code != 0 and result.error["code"] == NOT_AVAILABLE)


def _check_links(event: dict[str, Any]) -> None:
    """Exactly the registry's stable links; the ids a type always has are present."""
    row = ACTIVITY_EVENTS[ActivityEventType(event["type"])]
    assert set(event["links"]) == set(row.links), event["type"]
    assert event["subject"]["type"] == row.subject
    assert event["operation"] in row.operation.split("/")
    for link, value in event["links"].items():
        if link == "asset_ids":
            assert isinstance(value, list)
        elif link in ("feedback_id", "quote_id", "payment_attempt_id", "checkout_session_id"):
            assert value, (event["type"], link)


def _source_png(path: Path) -> Path:
    Image.new("RGB", (512, 512), (40, 90, 160)).save(path, "PNG")
    return path


@pytest.mark.fresh_server  # the whole telemetry log is compared with this test's runs
def test_the_ledger_and_the_telemetry_log_after_every_flow(cli: Cli, tmp_path: Path, server_db: Path) -> None:
    run = Recording(cli)
    expected: Counter[str] = Counter()
    refs: dict[str, str] = {}

    # First run: guide -> signup -> guide -> create -> jobs wait -> assets get.
    guide = run("create", "--guide", "--prompt", PROMPT)
    anonymous = guide.envelope["trace_id"]  # before the signup: no request of it is recorded
    run.follow(fill_signup_placeholders(guide.data["next_command"]))
    guide = run("create", "--guide", "--prompt", PROMPT)
    created = run.follow(guide.data["next_command"])
    assert created.exit_code == ExitCode.OK, created.envelope
    job_id, asset_id = created.data["job_id"], created.data["assets"][0]["asset_id"]
    refs.update(job=job_id, asset=asset_id, usage=created.data["quota"]["usage_event_id"])
    refs["trace"] = created.envelope["trace_id"]
    expected.update(["job.completed", "asset.created", "usage.credit_consumed"])
    assert run("jobs", "wait", job_id, "--timeout-ms", "20000").exit_code == ExitCode.OK
    assert run("assets", "get", asset_id, "--output", str(tmp_path / "out.png")).exit_code == ExitCode.OK

    # A dry run keeps a plan receipt.
    planned = run("create", "--prompt", PROMPT, "--dry-run")
    assert planned.exit_code == ExitCode.OK
    refs["planned_job"] = planned.data["job_id"]
    expected.update(["job.planned"])

    # Upload and edit, when built.
    uploaded = run("upload", str(_source_png(tmp_path / "source.png")))
    if _built(uploaded):
        assert uploaded.exit_code == ExitCode.OK, uploaded.envelope
        expected.update(["asset.uploaded"])
        input_id = uploaded.data["asset"]["asset_id"]
        edited = run(
            "edit", "--input-asset-id", input_id, "--prompt", "make it blue", "--accept-unknown-cost"
        )
        if _built(edited):
            assert edited.exit_code == ExitCode.OK, edited.envelope
            expected.update(["job.completed", "usage.credit_consumed"])
            expected.update(["asset.created"] * len(edited.data["assets"]))

    # A purchase (its checkout session), when built.
    quote = run("credits", "quote", "--credits", "500", "--payment-method", "stripe_checkout")
    if _built(quote) and quote.exit_code == ExitCode.OK:
        quote_id = (quote.data.get("quote") or quote.data)["quote_id"]
        bought = run(
            "credits", "buy", "--provider", "stripe", "--quote-id", quote_id, "--idempotency-key", "e2e-buy-1"
        )
        if _built(bought) and bought.exit_code == ExitCode.OK:
            expected.update(["payment.checkout_session.created"])
            refs["quote"] = quote_id

    # Feedback.
    feedback = run(
        "feedback", "create", "--title", "Ledger check", "--body", "The ledger reads back.",
        "--evidence", f"trace:{refs['trace']}", "--command", "image-skill activity list",
    )  # fmt: skip
    assert feedback.exit_code == ExitCode.OK, feedback.envelope
    refs["feedback"] = feedback.data["feedback_id"]
    expected.update(["feedback.created", "feedback.github_queue.processed"])

    # The ledger: exactly the expected types, each with exactly its stable links.
    listed = run("activity", "list", "--limit", "100")
    assert listed.exit_code == ExitCode.OK
    assert listed.data["source"] == "hosted_activity_ledger"
    events = listed.data["events"]
    assert Counter(event["type"] for event in events) == expected
    for event in events:
        _check_links(event)
        assert PROMPT not in str(event)
        assert str(tmp_path) not in str(event)
    queue = next(e for e in events if e["type"] == "feedback.github_queue.processed")["details"][
        "github_queue"
    ]
    assert queue["github_mutation"] is False
    assert "simulation" in queue["mode"]

    # activity show resolves each id kind.
    refs["event"] = events[-1]["event_id"]
    for event in events:
        if event["type"] == "asset.uploaded":
            refs["uploaded_asset"] = event["subject"]["id"]
        if event["type"] == "payment.checkout_session.created":
            refs["payment_attempt"] = event["links"]["payment_attempt_id"]
            refs["checkout_session"] = event["links"]["checkout_session_id"]
    for kind, ref in refs.items():
        shown = run("activity", "show", ref)
        assert shown.exit_code == ExitCode.OK, (kind, shown.envelope)
        assert shown.envelope["command"] == "image-skill activity show"
        found = shown.data["events"]
        assert found, kind
        assert all(ref == e["event_id"] or ref in _ids(e).split() for e in found), kind
    assert run("activity", "show", "sig_0123456789abcdef").data["events"] == []
    subject = run("activity", "list", "--subject", job_id)
    assert {e["type"] for e in subject.data["events"]} == {
        "job.completed",
        "asset.created",
        "usage.credit_consumed",
    }

    # Telemetry: exactly one event per command run, with its label, CLI, exit code and duration.
    db = server_db
    recorded = [r for r in run.runs if r.envelope["trace_id"] != anonymous]
    log = wait_for_runs(db, [r.envelope["trace_id"] for r in recorded])
    assert set(log) == {r.envelope["trace_id"] for r in recorded}
    for result in recorded:
        event = log[result.envelope["trace_id"]]
        assert event["exit_code"] == result.exit_code, (result.envelope["command"], event)
        assert event["command"].startswith(result.envelope["command"].split(" --")[0])
        assert event["cli"]["name"] == "image-skill"
        assert event["duration_ms"] >= 0
        assert event["requests"] >= 1

    # ... and none in the no-telemetry mode.
    before = set(log)
    quiet = [cli("activity", "list", env=switch) for switch in OPT_OUT]
    quiet += [cli("feedback", "create", "--title", "quiet", "--body", "b", env=switch) for switch in OPT_OUT]
    sentinel = run("whoami")
    log = wait_for_runs(db, [sentinel.envelope["trace_id"]])
    assert set(log) == before | {sentinel.envelope["trace_id"]}
    assert not {r.envelope["trace_id"] for r in quiet} & set(log)


def _ids(event: dict[str, Any]) -> str:
    """Every id an event names, space-separated (subject, links, trace)."""
    values = [event["subject"]["id"], event.get("trace_id", "")]
    for value in event["links"].values():
        values += value if isinstance(value, list) else [value or ""]
    return " ".join(v for v in values if v)


@pytest.mark.parametrize(
    "argv",
    [
        ("activity", "show", "nope"),
        ("activity", "show", "agt_0123456789abcdef"),
        ("activity", "list", "--subject", "job_a b"),
        ("activity", "list", "--limit", "0"),
        ("activity", "list", "--limit", "101"),
        ("activity", "list", "--limit", "ten"),
    ],
    ids=" ".join,
)
def test_a_bad_reference_or_limit_is_refused_locally(cli: Cli, argv: tuple[str, ...]) -> None:
    cli.signup()
    result = cli(*argv)
    assert result.exit_code == ExitCode.INVALID_ARGUMENTS
    assert result.error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert cli.follow(result.error["recovery"]["suggested_command"]).exit_code == ExitCode.OK


def test_activity_without_a_token_suggests_signup(cli: Cli) -> None:
    result = cli("activity", "list")
    assert result.exit_code == ExitCode.AUTH
    assert result.error["code"] == ErrorCode.AUTH_REQUIRED
    assert "signup" in result.error["recovery"]["suggested_command"]


def test_an_unknown_event_is_not_found_and_its_recovery_runs(cli: Cli) -> None:
    cli.signup()
    result = cli("activity", "show", "evt_0123456789abcdef0123")
    assert result.exit_code == ExitCode.GENERIC_FAILURE
    assert result.error["code"] == ErrorCode.NOT_FOUND
    assert cli.follow(result.error["recovery"]["suggested_command"]).exit_code == ExitCode.OK


@pytest.mark.parametrize(
    "argv",
    [
        ("activity", "list", "--limit", "20", "--json"),
        ("activity", "list", "--subject", "job_...", "--json"),
        ("activity", "show", "evt_...", "--json"),
        ("activity", "show", "job_...", "--json"),
        ("activity", "show", "image_...", "--json"),
        ("activity", "show", "sig_...", "--json"),
    ],
    ids=" ".join,
)
def test_the_contracts_activity_command_lines_run(cli: Cli, argv: tuple[str, ...]) -> None:
    cli.signup()
    result = cli(*argv)
    if argv[2] == "evt_...":
        assert result.error["code"] == ErrorCode.NOT_FOUND
    else:
        assert result.exit_code == ExitCode.OK, result.envelope
        assert result.data["events"] == []
