"""Service telemetry: one event per CLI command run, recorded from the requests themselves.

No extra round trip and no header on a later request: every API request of one CLI run carries
the run's trace id (``x-image-skill-trace-id``) and the telemetry headers of the spec's
``x-image-skill-telemetry`` (the CLI's name and version, the command label, and the CLI's elapsed
milliseconds when it sent the request). ``Recorder`` - an ASGI middleware, the one place every
request passes through, the media route and unknown paths included - lets the request through
untouched, and once the response has been sent (so the client never waits for it) folds it into
the run's event, keyed by trace id:

- ``command``, ``cli.name``, ``cli.version``: from the headers;
- ``exit_code``: the ``x-image-skill-exit-code`` the server answered (derived from the status when
  a response has none) for the run's LAST request - the one finishing latest on the CLI's clock;
- ``duration_ms``: that request's ``elapsed_ms`` plus the server's time answering it, i.e. the
  run's wall time from the CLI's start to the service's last answer;
- ``requests``: how many requests the run made; ``started_at``/``updated_at``: server clock.

Never a token, prompt, path, contact or URL: nothing is read from the body, the query or the path.
A request without a well-formed client header and trace id (curl, another client, the CLI in
no-telemetry mode) records nothing; a malformed header is ignored, never refused. A failure to
record is logged and dropped: telemetry never changes an answer.

Only a request of a known agent is recorded: one whose token the endpoint accepted (or a signup,
for the agent it made), which the endpoint marks with ``attribute``; anonymous requests (healthz
from curl, an unknown token) write nothing. A trace id belongs to the agent that first used it:
another agent's requests with the same trace id are ignored. The command must be one of the spec's
labels (``TELEMETRY_COMMANDS``), else it is dropped; every other field is bounded by its pattern,
so an event has a bounded size.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from image_skill_api.constants import (
    TELEMETRY_CLIENT_HEADER,
    TELEMETRY_CLIENT_PATTERN,
    TELEMETRY_COMMAND_HEADER,
    TELEMETRY_COMMAND_PATTERN,
    TELEMETRY_COMMANDS,
    TELEMETRY_ELAPSED_HEADER,
    TELEMETRY_ELAPSED_PATTERN,
)
from image_skill_api.registry import EXIT_CODE_HEADER, ID_PATTERNS, TRACE_ID_HEADER, exit_code_for_status
from image_skill_mock.clock import timestamp
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage
from image_skill_mock.store.telemetry_events import put_telemetry_event, telemetry_event, telemetry_owner

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_CLIENT = re.compile(TELEMETRY_CLIENT_PATTERN)
_COMMAND = re.compile(TELEMETRY_COMMAND_PATTERN)
_ELAPSED = re.compile(TELEMETRY_ELAPSED_PATTERN)
_TRACE = re.compile(ID_PATTERNS["TraceId"])
_LABELS = frozenset(TELEMETRY_COMMANDS)
_CLIENT_KEY = TELEMETRY_CLIENT_HEADER.encode("latin-1")
#: Where the endpoint leaves the agent a request was authenticated as (``scope["state"]``).
OWNER = "image_skill_telemetry_agent_id"


def describes_a_run(scope: Scope) -> bool:
    """Whether the request carries the telemetry client header (cheap: no parsing)."""
    return any(name.lower() == _CLIENT_KEY for name, _ in scope.get("headers", ()))


def attribute(scope: Scope, agent_id: str) -> None:
    """Mark the request as made by ``agent_id`` (only such requests are recorded)."""
    scope.setdefault("state", {})[OWNER] = agent_id


@dataclass(frozen=True)
class Described:
    """What one request says about the run it belongs to (from its headers only)."""

    trace_id: str
    cli_name: str
    cli_version: str
    command: str | None
    elapsed_ms: int | None


def described(headers: dict[str, str]) -> Described | None:
    """The request's telemetry description; None when it asks for none or is malformed."""
    client = headers.get(TELEMETRY_CLIENT_HEADER, "")
    trace_id = headers.get(TRACE_ID_HEADER, "")
    if not (_CLIENT.fullmatch(client) and _TRACE.fullmatch(trace_id)):
        return None
    name, _, version = client.partition("/")
    command = headers.get(TELEMETRY_COMMAND_HEADER, "")
    elapsed = headers.get(TELEMETRY_ELAPSED_HEADER, "")
    return Described(
        trace_id=trace_id,
        cli_name=name,
        cli_version=version,
        command=command if command in _LABELS and _COMMAND.fullmatch(command) else None,
        elapsed_ms=int(elapsed) if _ELAPSED.fullmatch(elapsed) else None,
    )


def fold(
    stored: dict[str, Any] | None, seen: Described, *, exit_code: int, server_ms: int, now: str
) -> dict[str, Any]:
    """The run's event after one more request (``stored``: before it, None for the first)."""
    finished_ms = (seen.elapsed_ms or 0) + server_ms
    event: dict[str, Any] = (
        dict(stored)
        if stored
        else {
            "trace_id": seen.trace_id,
            "command": seen.command,
            "cli": {"name": seen.cli_name, "version": seen.cli_version},
            "exit_code": exit_code,
            "duration_ms": finished_ms,
            "requests": 0,
            "started_at": now,
        }
    )
    event["requests"] = int(event["requests"]) + 1
    event["updated_at"] = now
    if event.get("command") is None and seen.command is not None:
        event["command"] = seen.command
    if stored is None or finished_ms >= int(event["duration_ms"]):  # the run's latest answer so far
        event["exit_code"] = exit_code
        event["duration_ms"] = finished_ms
    return event


def _exit_code(status: int, headers: list[tuple[bytes, bytes]]) -> int:
    key = EXIT_CODE_HEADER.encode()
    for name, value in headers:
        if name.lower() == key and re.fullmatch(rb"[0-9]", value.strip()):
            return int(value)
    return int(exit_code_for_status(status, ok=status < 400))


class Recorder:
    """ASGI middleware: passes every request through and records telemetry after the response."""

    def __init__(self, app: App, *, storage: Storage, settings: Settings) -> None:
        self.app = app
        self.storage = storage
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = None
        if describes_a_run(scope):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            seen = described(headers)
        if seen is None:
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        answered: dict[str, Any] = {"status": 500, "headers": []}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = int(message["status"])
                answered["headers"] = list(message.get("headers", []))
                answered["server_ms"] = int((time.monotonic() - started) * 1000)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            owner = scope.get("state", {}).get(OWNER)
            if "server_ms" in answered and owner:  # a known agent's answer was sent: record it
                exit_code = _exit_code(answered["status"], answered["headers"])
                await self._record(seen, str(owner), exit_code, int(answered["server_ms"]))

    async def _record(self, seen: Described, owner: str, exit_code: int, server_ms: int) -> None:
        now = timestamp(self.settings.clock())

        def record() -> None:
            with self.storage.telemetry_transaction() as conn:
                first = telemetry_owner(conn, seen.trace_id)
                if first is not None and first != owner:
                    return  # another agent's run: its trace id is not this agent's to fold into
                stored = telemetry_event(conn, seen.trace_id)
                event = fold(stored, seen, exit_code=exit_code, server_ms=server_ms, now=now)
                put_telemetry_event(conn, seen.trace_id, event, agent_id=owner)

        try:
            await run_in_threadpool(record)
        except Exception as exc:  # telemetry never changes an answer
            print(
                f"image-skill-mock: telemetry not recorded ({type(exc).__name__})",
                file=sys.stderr,
                flush=True,
            )
