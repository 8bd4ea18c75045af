"""What every response carries and what every request leaves in the log: one ASGI middleware.

- The ``x-image-skill-mock-version`` header (the spec's ``x-image-skill-mock-control``) on every
  response: the mock's release, so a test log says which mock answered.
- A request without a trace id gets one here (``x-image-skill-trace-id`` added to its headers), so
  the envelope, the access log and the journal (``control.journal``) all name the same trace.
- One JSON line per request on the logger ``image_skill_mock.access`` at INFO (``serve
  --log-level``, ``--log-file``): ``ts``, ``trace_id``, ``method``, ``operation`` (the operationId,
  or null), ``route`` (the path template matched: never the path itself, which may be a capability
  URL), ``status``, ``exit_code``, ``ms``. Never a token, a prompt, a query, a header value or a body.
  The line is written before the answer's last byte is sent, so a client that has read the whole
  answer finds it in the log.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from starlette.routing import Match, Route

from image_skill_api.constants import MOCK_CONTROL_VERSION_HEADER
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ID_PATTERNS, TRACE_ID_HEADER
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.http.telemetry import App, Message, Receive, Scope, Send, _exit_code

LOGGER = logging.getLogger("image_skill_mock.access")
_TRACE = re.compile(ID_PATTERNS["TraceId"])
_BY_ROUTE = {(op.path, op.method): op.operation_id for op in OPERATIONS.values()}


def mock_version() -> str:
    """The mock's release (the installed distribution's version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("image-skill")
    except PackageNotFoundError:
        return "unknown"


def trace_id(scope: Scope) -> str | None:
    """The request's trace id: its own when well-formed; one added to its headers when it sent none;
    None when it sent a malformed one (the endpoint then answers under a trace id of its own)."""
    key = TRACE_ID_HEADER.encode()
    for name, value in scope.get("headers", []):
        if name.lower() == key:
            text = value.decode("latin-1")
            return text if _TRACE.fullmatch(text) else None
    made = ids.new_trace_id()
    scope["headers"] = [*scope.get("headers", []), (key, made.encode())]
    return made


def route_of(scope: Scope) -> tuple[str | None, str | None]:
    """(operationId, path template) of the route the request reaches; None for what it cannot reach."""
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            path = getattr(route, "path", None)
            operation = _BY_ROUTE.get((path, scope.get("method", ""))) if isinstance(path, str) else None
            return operation, path
    return None, None


def _reached(scope: Scope) -> tuple[str | None, str | None]:
    """``route_of`` without the walk: the router leaves the route it chose in ``scope["route"]`` (the
    first full match, else the first partial one: a 405, which reaches nothing)."""
    route = scope.get("route")
    if not isinstance(route, Route):  # no route was chosen (a 404): the walk finds none either
        return route_of(scope)
    method = scope.get("method", "")
    if route.methods and method not in route.methods:
        return None, None
    return _BY_ROUTE.get((route.path, method)), route.path


@lru_cache(maxsize=512)
def _middle(method: Any, operation: str | None, route: str | None) -> str:
    """The log line's ``"method":..,"operation":..,"route":..`` (as ``json.dumps`` writes them)."""
    return json.dumps({"method": method, "operation": operation, "route": route}, separators=(",", ":"))[1:-1]


def line(ts: str, trace: str | None, scope: Scope, status: int, *, exit_code: int, ms: int) -> str:
    """The access-log line: the JSON object ``json.dumps`` makes of its fields, written directly
    (``ts`` is a ``Timestamp`` and ``trace`` a well-formed trace id: nothing in them is escaped)."""
    operation, route = _reached(scope)
    shown = "null" if trace is None else f'"{trace}"'
    middle = _middle(scope.get("method"), operation, route)
    return f'{{"ts":"{ts}","trace_id":{shown},{middle},"status":{status},"exit_code":{exit_code},"ms":{ms}}}'


def exit_code_of(status: int, headers: list[tuple[bytes, bytes]]) -> int:
    """The response's exit code (its header, else derived from the status)."""
    return _exit_code(status, headers)


class AccessLog:
    """ASGI middleware: the version header on every response, a trace id on every request, a log line."""

    def __init__(self, app: App, *, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.clock = clock
        self.version = mock_version().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = trace_id(scope)
        started = time.perf_counter()
        answered: dict[str, Any] = {}

        def log() -> None:
            """The request's line, once: before its last byte leaves (a client that has the whole
            answer finds the line written), or when the app stops without sending it."""
            if answered.pop("pending", False) and LOGGER.isEnabledFor(logging.INFO):
                status = answered["status"]
                ms = round((time.perf_counter() - started) * 1000)
                exit_code = exit_code_of(status, answered["headers"])
                write(line(timestamp(self.clock()), trace, scope, status, exit_code=exit_code, ms=ms))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (MOCK_CONTROL_VERSION_HEADER.encode(), self.version)]
                message = {**message, "headers": headers}
                answered.update(status=int(message["status"]), headers=headers, pending=True)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                log()
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        finally:
            log()


#: The handler ``configure`` installed (its format is the message alone).
_CONFIGURED: list[logging.StreamHandler] = []  # type: ignore[type-arg]


def write(text: str) -> None:
    """One line on the access log. With only the handler ``configure`` installs (a message-only
    format, no filter) the line goes to its stream directly, as ``emit`` would write it; otherwise
    (a test's capture, another handler) through ``LOGGER.info``."""
    handlers = LOGGER.handlers
    handler = handlers[0] if len(handlers) == 1 and handlers[0] in _CONFIGURED else None
    if (
        handler is not None
        and handler.stream is not None
        and handler.level <= logging.INFO
        and not (LOGGER.filters or handler.filters)
    ):
        try:
            with handler.lock:  # type: ignore[union-attr]
                handler.stream.write(text + handler.terminator)
                handler.stream.flush()
            return
        except Exception:  # noqa: S110 - logging's own path reports it (handleError)
            pass
    LOGGER.info(text)


def configure(level: str, log_file: str | None) -> None:
    """Where ``serve`` writes the access log: JSON lines at ``level`` (INFO and below shows them), to
    stderr or ``log_file`` (appended to)."""
    handler: logging.StreamHandler = (  # type: ignore[type-arg]
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    _CONFIGURED[:] = [handler]
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False
