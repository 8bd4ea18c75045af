"""GET /v1/activity and /v1/activity/{ref}: the caller's ledger, newest first, bounded, resolvable by
every id kind; unknown references answer an empty list (or NOT_FOUND for an event id), never a 500;
another agent's events are invisible; no prompt in any event."""

from __future__ import annotations

from typing import Any

import pytest

from image_skill_api.constants import ACTIVITY_LIMIT_DEFAULT, ACTIVITY_LIMIT_MAXIMUM
from image_skill_api.registry import ACTIVITY_EVENTS, ID_PATTERNS, ActivityEventType, ErrorCode

from .conftest import Api

PROMPT_WORD = "harbour"  # the conftest's create prompt is "a quiet harbour at dawn"


def _list(api: Api, **query: Any) -> Any:
    return api.request("GET", "/v1/activity", params=query)


def _show(api: Api, ref: str) -> Any:
    return api.request("GET", f"/v1/activity/{ref}")


def _types(body: Any) -> list[str]:
    return [event["type"] for event in body["data"]["events"]]


@pytest.fixture
def worked(api: Api) -> dict[str, Any]:
    """An agent that ran a dry run, a create and a feedback: what each answered."""
    api.signup()
    planned = api.create(dry_run=True)
    created = api.create()
    feedback = api.request(
        "POST",
        "/v1/feedback",
        json={
            "type": "bug",
            "title": "A title",
            "body": "A body",
            "severity": "low",
            "confidence": "high",
            "next_state": "watch",
            "surface": ["cli"],
        },
    )
    assert planned["ok"]
    assert created["ok"]
    assert feedback["ok"]
    return {"planned": planned, "created": created, "feedback": feedback}


def test_list_is_newest_first_with_the_registry_types_and_the_source(
    api: Api, worked: dict[str, Any]
) -> None:
    body = _list(api)
    assert body["ok"]
    assert body["data"]["source"] == "hosted_activity_ledger"
    assert body["command"] == "image-skill activity list"
    assert _types(body) == [
        "feedback.github_queue.processed",
        "feedback.created",
        "usage.credit_consumed",
        "asset.created",
        "job.completed",
        "job.planned",
    ]
    stamps = [event["occurred_at"] for event in body["data"]["events"]]
    assert stamps == sorted(stamps, reverse=True)
    assert body["data"]["request"] == {"limit": ACTIVITY_LIMIT_DEFAULT, "subject": None}
    for event in body["data"]["events"]:
        row = ACTIVITY_EVENTS[ActivityEventType(event["type"])]
        assert set(event["links"]) == set(row.links)
        assert PROMPT_WORD not in str(event)


def test_limit_bounds_the_list(api: Api, worked: dict[str, Any]) -> None:
    assert _types(_list(api, limit=2)) == ["feedback.github_queue.processed", "feedback.created"]
    assert len(_list(api, limit=ACTIVITY_LIMIT_MAXIMUM)["data"]["events"]) == 6


@pytest.mark.parametrize("limit", ["0", str(ACTIVITY_LIMIT_MAXIMUM + 1), "-1", "ten", "1e3", ""])
def test_a_limit_out_of_bounds_is_invalid_arguments(api: Api, limit: str) -> None:
    api.signup()
    body = _list(api, limit=limit)
    assert body["status"] == 400
    assert body["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


def test_subject_narrows_the_list_to_one_job(api: Api, worked: dict[str, Any]) -> None:
    job_id = worked["created"]["data"]["job_id"]
    body = _list(api, subject=job_id)
    assert sorted(_types(body)) == ["asset.created", "job.completed", "usage.credit_consumed"]
    assert all(event["links"]["job_id"] == job_id for event in body["data"]["events"])
    assert body["data"]["request"]["subject"] == job_id


def test_show_resolves_every_id_kind(api: Api, worked: dict[str, Any]) -> None:
    created = worked["created"]["data"]
    planned = worked["planned"]["data"]
    feedback_id = worked["feedback"]["data"]["feedback_id"]
    asset_id = created["job"]["assets"][0]["asset_id"]
    usage_id = created["quota"]["usage_event_id"]
    expected = {
        created["job_id"]: ["usage.credit_consumed", "asset.created", "job.completed"],
        planned["job_id"]: ["job.planned"],
        asset_id: ["usage.credit_consumed", "asset.created", "job.completed"][1:],
        usage_id: ["usage.credit_consumed", "asset.created", "job.completed"],
        feedback_id: ["feedback.github_queue.processed", "feedback.created"],
        worked["created"]["trace_id"]: ["usage.credit_consumed", "asset.created", "job.completed"],
    }
    for ref, types in expected.items():
        body = _show(api, ref)
        assert body["ok"], (ref, body)
        assert body["command"] == "image-skill activity show"
        assert _types(body) == types, ref
        assert body["data"]["request"]["reference"] == ref
    one = _list(api)["data"]["events"][3]
    shown = _show(api, one["event_id"])
    assert shown["data"]["events"] == [one]


@pytest.mark.parametrize(
    "ref",
    [
        "sig_0123456789abcdef",
        "job_0123456789abcdef0123",
        "image_unknown",
        "usage_0123456789abcdef",
        "fb_0123456789abcdef",
        "trace_0123456789abcdef",
        "quote_0123456789abcdef",
        "payatt_0123456789abcdef",
        "cs_test_0123456789abcdef",
        "rcpt_0123456789abcdef",
        "credevt_0123456789abcdef",
        "prev_0123456789abcdef",
    ],
)
def test_an_unknown_reference_of_any_kind_is_an_empty_list(
    api: Api, worked: dict[str, Any], ref: str
) -> None:
    body = _show(api, ref)
    assert body["ok"]
    assert body["data"]["events"] == []
    assert _list(api, subject=ref)["data"]["events"] == []


def test_an_unknown_event_id_is_not_found_with_a_runnable_recovery(api: Api) -> None:
    api.signup()
    body = _show(api, "evt_0123456789abcdef0123")
    assert body["status"] == 404
    assert body["error"]["code"] == ErrorCode.NOT_FOUND
    assert body["error"]["recovery"]["suggested_command"] == "image-skill activity list --json"


@pytest.mark.parametrize(
    "ref", ["agt_0123456789abcdef", "nope", "evt_", "job_" + "a" * 200, "job_a%20b", "job_..%2F.."]
)
def test_a_malformed_reference_is_invalid_arguments_never_a_500(api: Api, ref: str) -> None:
    api.signup()
    body = _show(api, ref)
    assert body["status"] in (400, 404), body
    assert body["error"]["code"] in (ErrorCode.INVALID_ARGUMENTS, ErrorCode.NOT_FOUND)


def test_another_agents_events_are_invisible(api: Api, worked: dict[str, Any]) -> None:
    theirs = worked["created"]["data"]
    event_id = _list(api)["data"]["events"][0]["event_id"]
    api.signup("someone-else")
    assert _list(api)["data"]["events"] == []
    assert _show(api, theirs["job_id"])["data"]["events"] == []
    assert _show(api, event_id)["error"]["code"] == ErrorCode.NOT_FOUND


def test_activity_needs_a_token(api: Api) -> None:
    body = _list(api)
    assert body["error"]["code"] == ErrorCode.AUTH_REQUIRED
    assert _show(api, "job_0123456789abcdef")["error"]["code"] == ErrorCode.AUTH_REQUIRED


def test_every_event_id_matches_the_spec(api: Api, worked: dict[str, Any]) -> None:
    import re

    for event in _list(api)["data"]["events"]:
        assert re.fullmatch(ID_PATTERNS["EventId"], event["event_id"])
        assert re.fullmatch(ID_PATTERNS["ActivityReference"], event["subject"]["id"])


def _every_stored_event(api: Api) -> list[dict[str, Any]]:
    """Every event in the database, whoever it belongs to (read around the API on purpose)."""
    import json

    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    rows = storage._conn.execute("SELECT event_json FROM activity_events ORDER BY seq").fetchall()
    return [json.loads(row[0]) for row in rows]


def _upload_png(api: Api) -> Any:
    import base64
    import hashlib
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (512, 512), (10, 120, 200)).save(buffer, "PNG")
    data = buffer.getvalue()
    body = {
        "source_kind": "local_path",
        "filename": "source.png",
        "remote_origin": None,
        "mime_type": "image/png",
        "content_length": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes_base64": base64.b64encode(data).decode(),
    }
    return api.request("POST", "/v1/upload", json=body)


def test_no_flow_emits_a_type_outside_the_registry_or_omits_a_stable_link(api: Api) -> None:
    """Every flow the mock serves (create, dry run, upload, edit, feedback, quote and checkout when
    routed), then every stored event checked against the spec's registry row for its type."""
    api.signup()
    assert api.create()["ok"]
    assert api.create(dry_run=True)["ok"]
    assert api.request("POST", "/v1/feedback", json={"type": "bug", "title": "t", "body": "b",
                       "severity": "low", "confidence": "low", "next_state": "watch",
                       "surface": ["cli"]})["ok"]  # fmt: skip
    uploaded = _upload_png(api)
    if uploaded["status"] != 404:  # routed once upload is served
        assert uploaded["ok"], uploaded
        input_id = uploaded["data"]["asset"]["asset_id"]
        edited = api.request(
            "POST",
            "/v1/edit",
            json={"input_asset_id": input_id, "prompt": "bluer", "accept_unknown_cost": True},
        )
        assert edited["ok"] or edited["status"] == 404, edited
    quote = api.request(
        "POST",
        "/v1/credit-quotes",
        json={"credits": 500, "payment_method": "stripe_checkout", "idempotency_key": "q1"},
    )
    if quote["ok"]:
        api.request(
            "POST",
            "/v1/credit-purchases/stripe-checkout-sessions",
            json={
                "quote_id": (quote["data"].get("quote") or quote["data"])["quote_id"],
                "idempotency_key": "b1",
            },
        )
    events = _every_stored_event(api)
    assert {"job.completed", "job.planned", "asset.created", "usage.credit_consumed", "feedback.created"} <= {
        e["type"] for e in events
    }
    for event in events:
        row = ACTIVITY_EVENTS[ActivityEventType(event["type"])]  # ValueError: a type outside the registry
        assert set(event["links"]) == set(row.links), event["type"]
        assert event["subject"]["type"] == row.subject, event["type"]
        assert event["operation"] in row.operation.split("/"), event["type"]
        for name in ("job_id", "feedback_id", "quote_id", "payment_attempt_id", "checkout_session_id"):
            if name in row.links and event["type"] not in ("asset.uploaded",):
                assert event["links"][name], (event["type"], name)
        if event["type"] in ("job.completed", "asset.created"):
            assert event["links"]["asset_ids"], event["type"]
            assert event["links"]["usage_event_id"], event["type"]
        assert PROMPT_WORD not in str(event)
