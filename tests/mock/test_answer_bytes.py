"""The hot GETs answered from memory (issue 19) answer the bytes the general pipeline answers.

``/healthz``, ``/v1/whoami`` and ``/v1/models`` are answered by their endpoint directly when the
pipeline has nothing to do for the request (``http.endpoint.Endpoint``), whoami's data is encoded
once per agent row and the catalog's once per install: each test here compares a byte-exact answer
(status, every header, the body) with the general path's or with a fresh encoding of its value.
The app is driven over raw ASGI so the headers are exactly the ones it sends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from image_skill_api.envelope import envelope
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import API_VERSION
from image_skill_mock.app import Settings, create_app
from image_skill_mock.clock import Clock, timestamp
from image_skill_mock.creative import listing
from image_skill_mock.http import access_log
from image_skill_mock.http.auth import actor_of
from image_skill_mock.http.endpoint import Pipeline
from image_skill_mock.http.envelope import Encoded, encode, success
from image_skill_mock.ledger import accounts
from image_skill_mock.store.agents import Agent

from .conftest import asgi_request

TRACE = "trace_0123456789abcdef"
FROZEN = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
NOW = "2026-12-01T08:30:15.123Z"
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _call(app: Any, path: str, headers: list[tuple[str, str]], method: str = "GET") -> Answer:
    """One request to ``app`` over ASGI: its status, headers (as sent) and body."""
    raw = [(k.encode(), v.encode()) for k, v in [("host", "127.0.0.1:8000"), *headers]]
    sent = asgi_request(app, method, path, raw)
    return sent[0]["status"], list(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture(params=[False, True], ids=["lax", "strict"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    apps: list[Any] = []

    def make(**settings: Any) -> Any:
        db = tmp_path / f"mock-{len(apps)}.sqlite3"
        app = create_app(Settings(db_path=db, strict=request.param, clock=Clock(FROZEN), **settings))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.jobs.stop()
        app.state.storage.close()


def _signup(app: Any) -> str:
    body = b'{"agent_name": "bytes", "return_token": true}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    sent = asgi_request(app, "POST", "/v1/agent-signups", headers, body)
    return str(json.loads(sent[1]["body"])["data"]["token"])


PATHS = ("/healthz", "/v1/whoami", "/v1/models")


@pytest.mark.parametrize("path", PATHS)
def test_the_quick_answer_is_the_general_pipelines_byte_for_byte(
    make: Callable[..., Any], path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make()
    token = _signup(app)
    headers = [("authorization", f"Bearer {token}"), ("x-image-skill-trace-id", TRACE)]
    ran: list[str] = []
    whole_way = Pipeline.run

    async def counted(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        ran.append(path)
        return await whole_way(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "run", counted)
    # A body framing header sends the request the whole way (the body is read and bounded).
    general = _call(app, path, [*headers, ("content-length", "0")])
    quick = _call(app, path, headers)
    assert ran == [path]  # the first went through the pipeline, the second did not
    assert general[0] == quick[0] == 200
    assert [h for h in general[1] if h[0] != b"content-length"] == [
        h for h in quick[1] if h[0] != b"content-length"
    ]
    assert general[2] == quick[2]
    assert dict(general[1])[b"content-length"] == dict(quick[1])[b"content-length"]


def test_a_token_answered_from_memory_answers_as_its_first_lookup(make: Callable[..., Any]) -> None:
    app = make()
    token = _signup(app)
    headers = [("authorization", f"Bearer {token}"), ("x-image-skill-trace-id", TRACE)]
    first = _call(app, "/v1/whoami", headers)  # the token is looked up in the database
    again = _call(app, "/v1/whoami", headers)  # remembered: answered on the event loop
    assert first == again


def _expected(operation_id: str, data: Any, actor: Any) -> bytes:
    command = OPERATIONS[operation_id].command
    return encode(envelope(ok=True, command=command, trace_id=TRACE, actor=actor, data=data)).encode()


def _agent(app: Any, token: str) -> Agent:
    from image_skill_mock.http.auth import authenticate

    return authenticate(app.state.storage, f"Bearer {token}")


def test_each_answer_is_a_fresh_encoding_of_its_value(make: Callable[..., Any]) -> None:
    app = make()
    token = _signup(app)
    actor = actor_of(_agent(app, token))
    headers = [("authorization", f"Bearer {token}"), ("x-image-skill-trace-id", TRACE)]
    for _ in range(2):  # the first answer builds what is remembered, the second is served from it
        health = {"status": "ok", "api_version": API_VERSION, "service": "image-skill-mock", "time": NOW}
        assert _call(app, "/healthz", headers)[2] == _expected("getHealth", health, actor=None)
        whoami = accounts.whoami(_agent(app, token))
        assert _call(app, "/v1/whoami", headers)[2] == _expected("getWhoami", whoami, actor)
        models = listing.models_data({})
        assert _call(app, "/v1/models", headers)[2] == _expected("listModels", models, None)


def test_whoami_follows_a_change_to_the_agents_row(make: Callable[..., Any]) -> None:
    # --control: tokens are looked up every time (a state import may replace an agent's row).
    app = make(control=True)
    token = _signup(app)
    headers = [("authorization", f"Bearer {token}"), ("x-image-skill-trace-id", TRACE)]
    before = json.loads(_call(app, "/v1/whoami", headers)[2])["data"]
    with app.state.storage.transaction() as conn:
        conn.execute("UPDATE agents SET agent_name = 'renamed', runtime = 'other'")
    after = json.loads(_call(app, "/v1/whoami", headers)[2])["data"]
    assert (before["agent_name"], after["agent_name"], after["runtime"]) == ("bytes", "renamed", "other")
    assert after == accounts.whoami(_agent(app, token))


AGENT = Agent(
    "agt_1", "org_1", "o (restricted agent)", "a", "unknown", "", 100, 10, "2026-12-01T00:00:00.000Z"
)


@pytest.mark.parametrize(
    "change",
    [
        {"agent_name": "b"},
        {"runtime": "codex"},
        {"organization_name": "p"},
        {"created_at": "2026-12-02T00:00:00.000Z"},
        {"preview_credits": 5},
        {"daily_job_limit": 3},
        {"contact": "x@example.com"},
    ],
)
def test_the_remembered_whoami_is_keyed_on_every_field_of_the_row(change: dict[str, Any]) -> None:
    from image_skill_mock.resources.identity_api import _whoami

    for agent in (AGENT, replace(AGENT, **change)):
        remembered = _whoami(agent)
        assert remembered.value == accounts.whoami(agent)
        assert remembered.text == encode(accounts.whoami(agent))


@given(
    trace=st.from_regex(r"\Atrace_[0-9a-f]{16}\Z"),
    command=st.text(max_size=30),
    actor=st.one_of(st.none(), st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)),
    warnings=st.lists(st.text(max_size=10), max_size=2),
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    ),
)
def test_an_encoded_answer_is_spliced_as_the_whole_envelope_would_encode(
    trace: str, command: str, actor: Any, warnings: list[str], data: Any
) -> None:
    spliced = success(command, Encoded(data, encode(data)), trace_id=trace, actor=actor, warnings=warnings)
    whole = success(command, data, trace_id=trace, actor=actor, warnings=warnings)
    assert spliced.body == whole.body
    assert spliced.raw_headers == whole.raw_headers
    assert spliced.envelope == whole.envelope


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_a_timestamp_is_strftimes_text(moment: datetime) -> None:
    expected = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert timestamp(moment) == expected


def test_the_access_log_line_is_the_json_of_its_fields(
    make: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make()
    token = _signup(app)
    log = tmp_path / "access.log"
    saved = (access_log.LOGGER.handlers[:], access_log.LOGGER.level, access_log.LOGGER.propagate)
    try:
        access_log.configure("info", str(log))  # the handler lines are written to directly
        for path, method in [("/v1/whoami", "GET"), ("/v1/whoami", "DELETE"), ("/nowhere", "GET")]:
            _call(
                app, path, [("authorization", f"Bearer {token}"), ("x-image-skill-trace-id", TRACE)], method
            )
        with caplog.at_level(logging.INFO, logger=access_log.LOGGER.name):
            access_log.LOGGER.addHandler(caplog.handler)  # two handlers: through logging
            _call(app, "/healthz", [])
    finally:
        access_log.LOGGER.handlers[:], access_log.LOGGER.level, access_log.LOGGER.propagate = saved
    lines = [*log.read_text(encoding="utf-8").splitlines(), caplog.records[-1].getMessage()]
    fields = [json.loads(text) for text in lines]
    assert [(f["operation"], f["route"], f["status"]) for f in fields] == [
        ("getWhoami", "/v1/whoami", 200),
        (None, None, 405),
        (None, None, 404),
        ("getHealth", "/healthz", 200),
        ("getHealth", "/healthz", 200),
    ]
    for text, field in zip(lines, fields, strict=True):
        assert text == json.dumps(field, separators=(",", ":"))
        assert list(field) == ["ts", "trace_id", "method", "operation", "route", "status", "exit_code", "ms"]
