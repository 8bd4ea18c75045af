"""The request journal (``serve --control``): what a test asserts on.

``Recorder`` (ASGI middleware, inside ``http.access_log.AccessLog`` so every request has its trace id)
writes one entry per answered request, before the answer's last byte is sent (a test that has read
the whole answer finds its entry): ``at`` (the mock's clock), ``trace_id``, ``method``,
``operation``, ``route``, ``agent_id``, ``status``, ``exit_code``, ``ms`` and ``delta``, the ledger
delta the request caused per agent (``credits`` granted minus debited, ``jobs``, ``assets`` and
``activity_events`` added), measured from the ledger tables' rows added while it ran
(``store.harness.watermarks``). The agent is the bearer token's; for a request without one (a
signup, a webhook delivery) it is the one agent the request's rows belong to, if exactly one. A
request with a bearer token counts only its agent's rows, so agents working side by side never see
each other's; two overlapping requests of one agent (or anonymous ones) may each count the other's
rows. The control API's own requests are journaled with no delta. Nothing of a body, a query or a
token is kept.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from starlette.concurrency import run_in_threadpool

from image_skill_api.constants import MOCK_CONTROL_PATH_PREFIX
from image_skill_mock.clock import timestamp
from image_skill_mock.http.access_log import exit_code_of, route_of, trace_id
from image_skill_mock.http.auth import token_hash
from image_skill_mock.http.telemetry import App, Message, Receive, Scope, Send
from image_skill_mock.settings import Settings
from image_skill_mock.store import harness
from image_skill_mock.store.database import Storage

DEFAULT_LIMIT = 100


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class Recorder:
    """ASGI middleware: journals every answered request with the ledger delta it caused."""

    def __init__(self, app: App, *, storage: Storage, settings: Settings) -> None:
        self.app = app
        self.storage = storage
        self.settings = settings

    def _before(self, token: str | None) -> tuple[str | None, dict[str, int]]:
        agent = self.storage.agent_by_token(token_hash(token)) if token else None
        with self.storage.reading() as conn:
            return (agent.agent_id if agent else None), harness.watermarks(conn)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = trace_id(scope)
        agent_id, marks = await run_in_threadpool(self._before, _bearer(scope))
        started = time.perf_counter()
        answered: dict[str, Any] = {}

        async def journal() -> None:
            """The request's entry, once: before its last byte leaves (a test that has the whole
            answer finds it journaled), or when the app stops without sending it."""
            if not answered.pop("pending", False):
                return
            ms = round((time.perf_counter() - started) * 1000)
            entry = {"trace_id": trace, "method": scope.get("method"), "ms": ms, **answered}
            try:
                await run_in_threadpool(self._record, scope, entry, agent_id, marks)
            except Exception as exc:  # the journal never changes an answer
                print(f"image-skill-mock: journal not written ({type(exc).__name__})", file=sys.stderr)

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                answered.update(status=int(message["status"]), headers=headers, pending=True)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await journal()
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await journal()

    def _record(
        self, scope: Scope, seen: dict[str, Any], agent_id: str | None, marks: dict[str, int]
    ) -> None:
        operation, route = route_of(scope)
        control = str(scope.get("path", "")).startswith(MOCK_CONTROL_PATH_PREFIX)
        with self.storage.transaction() as conn:
            delta = {} if control else harness.ledger_since(conn, marks, agent_id)
            if agent_id is None and len(delta) == 1:
                (agent_id,) = delta
            entry = {
                "at": timestamp(self.settings.clock()),
                "trace_id": seen["trace_id"],
                "method": seen["method"],
                "operation": operation,
                "route": route,
                "agent_id": agent_id,
                "status": seen["status"],
                "exit_code": exit_code_of(seen["status"], seen["headers"]),
                "ms": seen["ms"],
                "delta": delta,
            }
            harness.insert_journal(conn, trace_id=seen["trace_id"], agent_id=agent_id, entry=entry)


def entries(storage: Storage, query: dict[str, Any]) -> dict[str, Any]:
    """``GET /_mock/journal``: the newest ``limit`` entries (of ``trace_id``/``agent_id``), oldest first."""
    with storage.reading() as conn:
        found = harness.journal(
            conn,
            trace_id=query.get("trace_id"),
            agent_id=query.get("agent_id"),
            limit=int(query.get("limit", DEFAULT_LIMIT)),
        )
    return {"entries": found}
