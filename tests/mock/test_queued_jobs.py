"""Issue 15 item 12 over plain HTTP: with ``serve --job-latency-ms``, create and edit answer a
``queued`` job at once (debit and daily cap taken at admission), the job runs, then completes or
fails after the latency by the server's clock, its activity appears when it ends, and work a crash
interrupted is ended by the next server on the same database without a second debit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from image_skill_api.registry import ErrorCode, JobStatus
from mock.conftest import Api

LATENCY_MS = 1000
START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += timedelta(milliseconds=ms)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _run_due(api: Api) -> int:
    runs: int = api.client.app.state.jobs.run_due()  # type: ignore[attr-defined]
    return runs


@pytest.fixture
def slow(make_api: Callable[..., Api], clock: Clock) -> Api:
    api = make_api(job_latency_ms=LATENCY_MS, clock=clock, faults=True)
    api.signup()
    return api


def job(api: Api, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.request("GET", f"/v1/jobs/{job_id}")["data"]
    assert data["status"] == data["state"] == data["job"]["status"]
    assert data["assets"] == data["job"]["assets"]
    assert data["cost"] == data["job"]["cost"]
    return data


def consumed(api: Api) -> int:
    return int(api.request("GET", "/v1/quota")["data"]["limits"]["consumed_credits"])


def test_a_queued_create_runs_then_completes(slow: Api, clock: Clock) -> None:
    answer = slow.create()["data"]
    job_id, debit = answer["job_id"], answer["quota"]["consumed_credits"]
    assert answer["status"] == JobStatus.QUEUED
    assert answer["assets"] == []
    assert debit > 0
    assert consumed(slow) == debit  # taken at admission
    assert slow.request("GET", f"/v1/activity?subject={job_id}")["data"]["events"] == []
    clock.advance(LATENCY_MS // 2)
    _run_due(slow)
    assert job(slow, job_id)["status"] == JobStatus.RUNNING
    clock.advance(LATENCY_MS // 2)
    _run_due(slow)
    done = job(slow, job_id)
    assert done["status"] == JobStatus.COMPLETED
    assert len(done["assets"]) == 1
    assert slow.client.get(done["assets"][0]["url"].removeprefix("http://testserver")).status_code == 200
    types = {e["type"] for e in slow.request("GET", "/v1/activity")["data"]["events"]}
    assert {"job.completed", "asset.created", "usage.credit_consumed"} <= types
    assert consumed(slow) == debit  # once


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("provider_failed", ErrorCode.PROVIDER_FAILED),
        ("provider_timeout", ErrorCode.TIMEOUT),
        ("storage_failed", ErrorCode.ARTIFACT_STORAGE_WRITE_FAILED),
    ],
)
def test_a_queued_job_that_fails_returns_its_debit(slow: Api, clock: Clock, fault: str, code: str) -> None:
    prompt = {"prompt": "a quiet harbour at dawn"}
    answer = slow.request("POST", "/v1/create", json=prompt, headers={"x-image-skill-mock-fault": fault})
    assert answer["data"]["status"] == JobStatus.QUEUED
    clock.advance(LATENCY_MS)
    _run_due(slow)
    failed = job(slow, answer["data"]["job_id"])
    assert failed["status"] == JobStatus.FAILED
    assert failed["job"]["error"]["code"] == code
    assert failed["assets"] == []
    assert consumed(slow) == 0
    events = slow.request("GET", f"/v1/activity?subject={answer['data']['job_id']}")["data"]["events"]
    assert [(e["type"], e["status"]) for e in events] == [("job.completed", "failed")]


def test_a_dry_run_is_never_queued(slow: Api) -> None:
    assert slow.create(dry_run=True)["data"]["status"] == JobStatus.PLANNED


def test_a_crash_leaves_work_the_next_server_ends_once(
    make_api: Callable[..., Api], clock: Clock, tmp_path: Path
) -> None:
    db_path = tmp_path / "crashed.sqlite3"
    first = make_api(job_latency_ms=LATENCY_MS, clock=clock, db_path=db_path)
    token = first.signup()
    job_id = first.create()["data"]["job_id"]
    clock.advance(LATENCY_MS // 2)
    _run_due(first)
    debit = consumed(first)
    assert job(first, job_id)["status"] == JobStatus.RUNNING
    first.client.app.state.jobs.stop()  # type: ignore[attr-defined]  # the crash: nothing more runs here
    again = make_api(db_path=db_path, clock=clock)  # the next server: no job latency of its own
    again.token = token
    assert again.client.app.state.jobs.pending() == 1  # type: ignore[attr-defined]
    clock.advance(LATENCY_MS)
    _run_due(again)  # (its own runner, started for the left-over work, may end it first)
    assert job(again, job_id)["status"] == JobStatus.COMPLETED
    assert consumed(again) == debit
    assert _run_due(again) == 0
    assert again.client.app.state.jobs.pending() == 0
