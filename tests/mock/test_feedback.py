"""POST /v1/feedback: product memory that refuses secrets, dedupes by key, fails closed, and leaves
``feedback.created`` then ``feedback.github_queue.processed`` (a simulation that says so)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from image_skill_api.constants import TOKEN_PREFIX
from image_skill_api.registry import ERRORS, ErrorCode

from .conftest import Api

BASE: dict[str, Any] = {
    "type": "bug",
    "severity": "medium",
    "confidence": "high",
    "next_state": "watch",
    "surface": ["cli"],
}
SECRETS = {
    "token": TOKEN_PREFIX + "abcdefghijklmnopqrstuvwx",
    "openai": "sk-" + "A1b2C3d4" * 5,
    "stripe": "sk_live_" + "a1B2c3D4e5F6g7H8",
    "aws": "AKIA" + "ABCDEFGHIJKLMNOP",
    "github": "ghp_" + "a1B2" * 9,
    "private key": "-----BEGIN RSA PRIVATE KEY-----",
    "bearer": "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
    "jwt": "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4f",
}


def _send(api: Api, **fields: Any) -> Any:
    """Feedback with ``fields``; a title without a body gets one (title and body are the minimum)."""
    body = {"body": "what happened"} if "title" in fields else {}
    return api.request("POST", "/v1/feedback", json={**BASE, **body, **fields})


def _storage_rows(api: Api) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent = storage.agent_by_token(hashlib.sha256((api.token or "").encode()).hexdigest())
    return storage.feedback(agent.agent_id), storage.activity(agent.agent_id, limit=100)


def test_title_and_body_are_accepted_with_two_events_in_order(api: Api) -> None:
    api.signup()
    body = _send(api, title="Short concrete title", body="What happened and why it matters")
    assert body["status"] == 201
    assert body["command"] == "image-skill feedback create"
    data = body["data"]
    assert data["status"] == "accepted"
    assert data["feedback_id"].startswith("fb_")
    assert data["quality_guidance"]  # narrative feedback gets hints
    stored, events = _storage_rows(api)
    assert [row["feedback_id"] for row in stored] == [data["feedback_id"]]
    assert [e["type"] for e in events] == ["feedback.github_queue.processed", "feedback.created"]
    for event in events:
        assert event["links"] == {"feedback_id": data["feedback_id"]}
        assert event["subject"] == {"type": "feedback", "id": data["feedback_id"]}
        assert "concrete" not in str(event)  # never the feedback's text
    queue = events[0]["details"]["github_queue"]
    assert set(queue) == {"state", "reason", "issue_urls", "issue_numbers", "mode", "github_mutation"}
    assert queue["github_mutation"] is False
    assert "simulation" in queue["mode"]
    assert queue["issue_urls"] == []
    assert queue["issue_numbers"] == []
    assert (queue["state"], queue["reason"]) == ("skipped", "weak_signal")


@pytest.mark.parametrize(
    "extra",
    [
        {"command": "image-skill create"},
        {"evidence": ["trace:trace_0123456789abcdef"]},
        {"allow_weak_signal": True},
    ],
)
def test_structured_or_allowed_feedback_would_be_promoted(api: Api, extra: dict[str, Any]) -> None:
    api.signup()
    assert _send(api, title="t", **extra)["ok"]
    _, events = _storage_rows(api)
    queue = events[0]["details"]["github_queue"]
    assert queue["state"] == "promoted"
    assert queue["github_mutation"] is False


def test_a_title_and_a_body_are_required(api: Api) -> None:
    api.signup()
    for fields in ({}, {"title": "t"}, {"body": "b"}):
        body = api.request("POST", "/v1/feedback", json={**BASE, **fields})
        assert body["error"]["code"] == ErrorCode.INVALID_ARGUMENTS, fields  # the CLI's code for the same
    assert _storage_rows(api) == ([], [])


@pytest.mark.parametrize("kind", list(SECRETS))
@pytest.mark.parametrize(
    "field", ["title", "body", "command", "actual", "proof_needed", "source", "evidence"]
)
def test_a_secret_in_any_field_is_refused_naming_the_field(api: Api, field: str, kind: str) -> None:
    api.signup()
    secret = SECRETS[kind]
    value: Any = [f"see {secret}"] if field == "evidence" else f"it printed {secret} here"
    fields = {"title": "t", field: value}
    body = _send(api, **fields)
    assert body["status"] == ERRORS[ErrorCode.SECRET_IN_REQUEST_REJECTED].http_status
    assert body["error"]["code"] == ErrorCode.SECRET_IN_REQUEST_REJECTED
    assert repr(field) in body["error"]["message"]
    assert secret not in str(body)
    assert _storage_rows(api) == ([], [])


@pytest.mark.parametrize(
    "text",
    [
        "tokens start isk_r_ and are shown once",
        "the task-completion-reporting-flow-of-the-cli-is-fine-overall failed",
        "Bearer tokens are sent in a header",
        "ask-for-help",
    ],
)
def test_text_that_only_mentions_secrets_is_accepted(api: Api, text: str) -> None:
    api.signup()
    assert _send(api, title="t", body=text)["ok"]


def test_a_dedupe_key_returns_the_original_feedback(api: Api) -> None:
    api.signup()
    first = _send(api, title="first", dedupe_key="run-42:login")["data"]
    again = _send(api, title="second wording", dedupe_key="run-42:login")["data"]
    assert again["feedback_id"] == first["feedback_id"]
    assert again["status"] == "deduplicated"
    assert again["created_at"] == first["created_at"]
    stored, events = _storage_rows(api)
    assert len(stored) == 1
    assert len(events) == 2  # a repeat leaves no new events
    other = _send(api, title="other", dedupe_key="run-43")["data"]
    assert other["feedback_id"] != first["feedback_id"]


def test_dedupe_keys_are_per_agent(api: Api) -> None:
    api.signup("one")
    first = _send(api, title="t", dedupe_key="same")["data"]
    api.signup("two")
    second = _send(api, title="t", dedupe_key="same")["data"]
    assert second["status"] == "accepted"
    assert second["feedback_id"] != first["feedback_id"]


def test_feedback_needs_a_token(api: Api) -> None:
    assert _send(api, title="t")["error"]["code"] == ErrorCode.AUTH_REQUIRED


def test_a_storage_failure_fails_closed_and_keeps_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api(faults=True)
    api.signup()
    failed = api.request(
        "POST",
        "/v1/feedback",
        json={**BASE, "title": "t", "body": "b", "dedupe_key": "k"},
        headers={"x-image-skill-mock-fault": "feedback_storage_failed"},
    )
    assert failed["ok"] is False
    assert failed["error"]["code"] == ErrorCode.FEEDBACK_STORAGE_FAILED
    assert failed["status"] == 503
    assert _storage_rows(api) == ([], [])
    retried = _send(api, title="t", dedupe_key="k")
    assert retried["data"]["status"] == "accepted"  # the failed attempt did not claim the key
