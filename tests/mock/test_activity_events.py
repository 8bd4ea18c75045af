"""The activity builder keeps every event inside the registry, and a create job leaves exactly the
registry's events with their stable links, in the transaction that records the job."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from image_skill_api.registry import ACTIVITY_EVENTS, ID_PATTERNS, ActivityEventType
from image_skill_mock.ledger import activity

from .conftest import Api

STAMP = "2026-11-24T12:00:00.000Z"


def _event(type_: str, links: dict[str, Any], **kw: Any) -> activity.Event:
    args: dict[str, Any] = {
        "agent_id": "agt_0123456789abcdef",
        "subject_id": "job_0123456789abcdef",
        "summary": "s",
        "status": "completed",
        "occurred_at": STAMP,
        "trace_id": None,
        "links": links,
        **kw,
    }
    return activity.event(type_, **args)


def test_a_type_outside_the_registry_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a valid ActivityEventType"):
        _event("job.exploded", {})


def test_a_link_outside_the_types_registry_row_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the registry"):
        _event("job.planned", {"job_id": "job_0123456789abcdef", "feedback_id": None})


def test_a_missing_stable_link_is_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        _event("job.completed", {"job_id": "job_0123456789abcdef", "asset_ids": []})


@pytest.mark.parametrize("operation", [None, "upload"])
def test_an_ambiguous_or_foreign_operation_is_refused(operation: str | None) -> None:
    links = {"job_id": "job_0123456789abcdef", "asset_ids": [], "usage_event_id": None}
    with pytest.raises(ValueError, match="operation must be one of"):
        _event("job.completed", links, operation=operation)


def test_an_event_can_be_found_by_every_id_it_names() -> None:
    links = {"job_id": "job_0123456789abcdef", "asset_ids": ["image_aa", "image_bb"], "usage_event_id": None}
    made = _event("job.completed", links, operation="edit", trace_id="trace_0123456789abcdef")
    assert made.body["operation"] == "edit"
    assert made.body["subject"] == {"type": "job", "id": "job_0123456789abcdef"}
    assert set(made.refs) == {"job_0123456789abcdef", "image_aa", "image_bb", "trace_0123456789abcdef"}


def _events(api: Api) -> list[dict[str, Any]]:
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent = storage.agent_by_token(hashlib.sha256((api.token or "").encode()).hexdigest())
    events: list[dict[str, Any]] = storage.activity(agent.agent_id, limit=100)
    return events


def _check_registry_row(event: dict[str, Any]) -> None:
    spec = ACTIVITY_EVENTS[ActivityEventType(event["type"])]
    assert set(event["links"]) == set(spec.links)
    assert event["subject"]["type"] == spec.subject
    assert event["operation"] in spec.operation.split("/")
    assert re.fullmatch(ID_PATTERNS["EventId"], event["event_id"])


def test_a_create_leaves_job_asset_and_usage_events_with_their_links(api: Api) -> None:
    api.signup()
    body = api.create(output_count=2)
    data = body["data"]
    events = _events(api)
    assert sorted(e["type"] for e in events) == [
        "asset.created",
        "asset.created",
        "job.completed",
        "usage.credit_consumed",
    ]
    asset_ids = [asset["asset_id"] for asset in data["job"]["assets"]]
    usage_event_id = data["quota"]["usage_event_id"]
    for event in events:
        _check_registry_row(event)
        assert event["trace_id"] == body["trace_id"]
        assert event["links"]["job_id"] == data["job_id"]
        assert "harbour" not in str(event)  # never the prompt
    completed = next(e for e in events if e["type"] == "job.completed")
    assert completed["links"] == {
        "job_id": data["job_id"],
        "asset_ids": asset_ids,
        "usage_event_id": usage_event_id,
    }
    assert sorted(e["subject"]["id"] for e in events if e["type"] == "asset.created") == sorted(asset_ids)


def test_a_dry_run_leaves_one_planned_event_with_its_receipt(api: Api) -> None:
    api.signup()
    data = api.create(dry_run=True)["data"]
    [planned] = _events(api)
    _check_registry_row(planned)
    assert planned["type"] == "job.planned"
    assert planned["links"] == {"job_id": data["job_id"]}
    assert planned["details"]["plan_receipt"] == data["job"]["plan_receipt"]


def test_a_refused_create_leaves_no_event(api: Api) -> None:
    api.signup()
    refused = api.create(prompt="[policy-test:deny] a harbour")
    assert refused["error"]["code"] == "CONTENT_POLICY_DENIED"
    assert _events(api) == []
