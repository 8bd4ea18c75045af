"""The telemetry recorder: one event per trace id folded from request headers after each response;
malformed headers are ignored (never refused); nothing but the described fields is kept."""

from __future__ import annotations

from typing import Any

import pytest

from image_skill_api.constants import (
    TELEMETRY_CLIENT_HEADER,
    TELEMETRY_COMMAND_HEADER,
    TELEMETRY_ELAPSED_HEADER,
)
from image_skill_api.registry import TRACE_ID_HEADER
from image_skill_mock.http import telemetry

from .conftest import Api

TRACE = "trace_0123456789abcdef"


def _headers(**overrides: str) -> dict[str, str]:
    headers = {
        TELEMETRY_CLIENT_HEADER: "image-skill/9.9.9",
        TELEMETRY_COMMAND_HEADER: "image-skill models list",
        TELEMETRY_ELAPSED_HEADER: "120",
        TRACE_ID_HEADER: TRACE,
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v != "-"}


def _log(api: Api) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = api.client.app.state.storage.telemetry()  # type: ignore[attr-defined]
    return events


def test_a_described_request_is_one_event(api: Api) -> None:
    api.signup()
    assert api.request("GET", "/v1/models", headers=_headers())["ok"]
    [event] = _log(api)
    assert event["trace_id"] == TRACE
    assert event["command"] == "image-skill models list"
    assert event["cli"] == {"name": "image-skill", "version": "9.9.9"}
    assert event["exit_code"] == 0
    assert event["requests"] == 1
    assert event["duration_ms"] >= 120


def test_requests_of_one_run_fold_into_one_event_with_the_last_answer(api: Api) -> None:
    api.signup()
    api.request("GET", "/v1/models", headers=_headers(**{TELEMETRY_ELAPSED_HEADER: "100"}))
    api.request(
        "GET", "/v1/jobs/job_0123456789abcdef0123", headers=_headers(**{TELEMETRY_ELAPSED_HEADER: "300"})
    )
    [event] = _log(api)
    assert event["requests"] == 2
    assert event["exit_code"] == 1  # the later request answered NOT_FOUND
    assert event["duration_ms"] >= 300


def test_a_late_record_of_an_earlier_request_does_not_win() -> None:
    seen = telemetry.described(_headers())
    assert seen is not None
    later = telemetry.fold(None, seen, exit_code=1, server_ms=5, now="t1")
    early = telemetry.Described(TRACE, "image-skill", "1", "image-skill x", 10)
    folded = telemetry.fold(later, early, exit_code=0, server_ms=1, now="t2")
    assert folded["exit_code"] == 1
    assert folded["requests"] == 2


@pytest.mark.parametrize(
    "headers",
    [
        {TELEMETRY_CLIENT_HEADER: "-"},
        {TELEMETRY_CLIENT_HEADER: "curl/8.0"},
        {TELEMETRY_CLIENT_HEADER: "image-skill/" + "9" * 200},
        {TELEMETRY_CLIENT_HEADER: "image-skill/1 isk_r_abcdefghijklmnopqrst"},
        {TRACE_ID_HEADER: "-"},
        {TRACE_ID_HEADER: "trace_NOTHEX"},
    ],
)
def test_a_request_that_does_not_describe_a_run_records_nothing(api: Api, headers: dict[str, str]) -> None:
    api.signup()
    assert api.request("GET", "/v1/models", headers=_headers(**headers))["ok"]
    assert _log(api) == []


@pytest.mark.parametrize(
    ("headers", "command"),
    [
        ({TELEMETRY_COMMAND_HEADER: "rm -rf /"}, None),
        ({TELEMETRY_COMMAND_HEADER: "image-skill create --prompt secret"}, None),
        ({TELEMETRY_ELAPSED_HEADER: "-5"}, "image-skill models list"),
        ({TELEMETRY_ELAPSED_HEADER: "9" * 40}, "image-skill models list"),
        # Well-formed by the pattern, but no label of the CLI: dropped (a label is one of a known few).
        ({TELEMETRY_COMMAND_HEADER: "image-skill " + "a" * 60_000}, None),
        ({TELEMETRY_COMMAND_HEADER: "image-skill frobnicate"}, None),
    ],
)
def test_malformed_values_are_dropped_never_refused(
    api: Api, headers: dict[str, str], command: str | None
) -> None:
    api.signup()
    assert api.request("GET", "/v1/models", headers=_headers(**headers))["ok"]
    [event] = _log(api)
    assert event["command"] == command
    assert "secret" not in str(event)
    assert event["duration_ms"] < 10**9


def test_nothing_but_the_described_fields_is_kept(api: Api) -> None:
    token = api.signup()
    api.request(
        "GET",
        "/v1/activity?limit=5",
        headers=_headers(**{TELEMETRY_COMMAND_HEADER: "image-skill activity list"}),
    )
    text = str(_log(api))
    assert token not in text
    assert "limit" not in text
    assert "/v1/" not in text


def test_anonymous_requests_record_nothing(api: Api) -> None:
    for _ in range(5):
        assert api.request("GET", "/healthz", headers=_headers())["ok"]
        assert api.request("GET", "/v1/models", headers=_headers())["ok"]
    assert api.request("GET", "/v1/whoami", headers=_headers())["status"] == 401
    assert api.request("GET", "/v1/models", token="isk_r_" + "x" * 40, headers=_headers())["ok"]
    assert _log(api) == []


def test_a_signup_is_recorded_for_the_agent_it_made(api: Api) -> None:
    command = {TELEMETRY_COMMAND_HEADER: "image-skill signup --agent"}
    body = {"agent_contact": "t@example.com", "agent_name": "t", "return_token": True}
    made = api.request("POST", "/v1/agent-signups", json=body, headers=_headers(**command))
    assert made["status"] == 201
    [event] = _log(api)
    assert event["command"] == "image-skill signup --agent"


def test_a_trace_id_belongs_to_the_agent_that_first_used_it(api: Api) -> None:
    first = api.signup("first")
    second = api.signup("second")
    assert api.request("GET", "/v1/quota", token=first, headers=_headers())["ok"]
    for _ in range(3):  # another agent reusing the trace id: ignored, not folded into the first's run
        assert api.request("GET", "/v1/jobs/job_0123456789abcdef0123", token=second, headers=_headers())
    [event] = _log(api)
    assert event["requests"] == 1
    assert event["exit_code"] == 0
    assert api.request("GET", "/v1/quota", token=first, headers=_headers())["ok"]
    assert _log(api)[0]["requests"] == 2
