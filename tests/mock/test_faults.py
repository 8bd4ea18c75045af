"""Faults on demand (``serve --faults`` + ``x-image-skill-mock-fault``): each answers its documented
error and exit code, nothing is debited or half-written, and without ``--faults`` the header is
ignored."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER, ErrorCode
from image_skill_mock.http import faults

from .conftest import Api, LiveServer, ledger_check

HEADER = faults.HEADER


def _counts(api: Api) -> dict[str, int]:
    """Rows in every table a job writes (read straight from the database file)."""
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    path = storage._conn.execute("PRAGMA database_list").fetchone()[2]
    with sqlite3.connect(path) as conn:
        tables = ("jobs", "assets", "usage_events", "activity_events", "activity_refs", "feedback")
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables}


def _remaining(api: Api) -> int:
    credits: int = api.request("GET", "/v1/quota")["data"]["limits"]["remaining_credits"]
    return credits


@pytest.fixture
def faulty(make_api: Callable[..., Api]) -> Api:
    api = make_api(faults=True)
    api.signup()
    return api


@pytest.mark.parametrize(
    ("fault", "code", "exit_code"),
    [
        (faults.PROVIDER_FAILED, ErrorCode.PROVIDER_FAILED, 7),
        (faults.PROVIDER_TIMEOUT, ErrorCode.TIMEOUT, 8),
        (faults.STORAGE_FAILED, ErrorCode.ARTIFACT_STORAGE_WRITE_FAILED, 9),
    ],
)
def test_a_create_fault_answers_its_exit_code_and_writes_nothing(
    faulty: Api, fault: str, code: ErrorCode, exit_code: int
) -> None:
    before, credits = _counts(faulty), _remaining(faulty)
    response = faulty.client.post(
        "/v1/create",
        json={"prompt": "a quiet harbour at dawn"},
        headers={"authorization": f"Bearer {faulty.token}", HEADER: fault},
    )
    body = response.json()
    assert body["error"]["code"] == code
    assert int(response.headers[EXIT_CODE_HEADER]) == exit_code == ERRORS[code].exit_code
    assert response.status_code == ERRORS[code].http_status
    assert body["error"]["retryable"] is ERRORS[code].retryable
    assert "harbour" not in response.text
    assert _counts(faulty) == before  # no job, asset, debit or event: nothing half-written
    assert _remaining(faulty) == credits  # nothing debited
    assert faulty.create()["ok"]  # the next request, without the fault, runs
    assert ledger_check(faulty.client.app.state.storage.path)["differences"] == []  # type: ignore[attr-defined]


def test_artifact_storage_failure_is_not_retryable(faulty: Api) -> None:
    body = faulty.request(
        "POST", "/v1/create", json={"prompt": "a harbour"}, headers={HEADER: faults.STORAGE_FAILED}
    )
    assert body["error"]["code"] == ErrorCode.ARTIFACT_STORAGE_WRITE_FAILED
    assert body["error"]["retryable"] is False


def test_a_dry_run_never_reaches_the_provider_so_provider_faults_do_not_fire(faulty: Api) -> None:
    body = faulty.request(
        "POST",
        "/v1/create",
        json={"prompt": "a harbour", "dry_run": True},
        headers={HEADER: faults.PROVIDER_FAILED},
    )
    assert body["ok"] is True


def test_server_error_is_a_500_envelope_with_exit_7(faulty: Api) -> None:
    body = faulty.request("GET", "/v1/quota", headers={HEADER: faults.SERVER_ERROR})
    assert body["status"] == 500
    assert body["error"]["code"] == ErrorCode.INTERNAL_ERROR


def test_feedback_storage_failure_is_exit_9_and_stores_nothing(faulty: Api) -> None:
    before = _counts(faulty)
    body = faulty.request(
        "POST",
        "/v1/feedback",
        json={"type": "bug", "title": "t", "body": "b", "severity": "low", "confidence": "low",
              "next_state": "watch", "surface": ["cli"]},
        headers={HEADER: faults.FEEDBACK_STORAGE_FAILED},
    )  # fmt: skip
    assert body["error"]["code"] == ErrorCode.FEEDBACK_STORAGE_FAILED
    assert ERRORS[ErrorCode.FEEDBACK_STORAGE_FAILED].exit_code == 9
    assert _counts(faulty) == before


def test_slow_waits_then_answers_as_usual(faulty: Api) -> None:
    started = time.monotonic()
    body = faulty.request("GET", "/v1/quota", headers={HEADER: "slow:300"})
    assert body["ok"] is True
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("value", ["explode", "slow:abc", "slow:999999", "provider_failed:1", ""])
def test_an_unknown_fault_is_invalid_arguments(faulty: Api, value: str) -> None:
    body = faulty.request("GET", "/v1/quota", headers={HEADER: value})
    assert body["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


@pytest.mark.parametrize(
    "value", [faults.PROVIDER_FAILED, faults.STORAGE_FAILED, faults.SERVER_ERROR, "explode"]
)
def test_without_faults_the_header_is_ignored(api: Api, value: str) -> None:
    api.signup()
    body = api.request("POST", "/v1/create", json={"prompt": "a harbour"}, headers={HEADER: value})
    assert body["ok"] is True


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers[EXIT_CODE_HEADER]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers[EXIT_CODE_HEADER]


def test_serve_faults_flag_turns_the_header_on(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    plain = live_server()
    with_faults = live_server("--faults")
    header = {HEADER: faults.SERVER_ERROR}
    status, body, exit_code = _get(plain.base_url + "/healthz", header)
    assert (status, body["ok"], exit_code) == (200, True, "0")
    status, body, exit_code = _get(with_faults.base_url + "/healthz", header)
    assert (status, body["error"]["code"], exit_code) == (500, ErrorCode.INTERNAL_ERROR, "7")
