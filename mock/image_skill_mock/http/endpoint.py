"""One operation's request pipeline, and the answers to what no operation serves.

Every request is validated against the spec before its handler runs; every response is an
envelope with the exit-code header; in strict mode every response is also validated against
the spec and a mismatch becomes an ``INTERNAL_ERROR`` envelope (and a line on stderr).

In order: injected faults (``faults``: the header, else ``Settings.fault_rule``) -> the parameters,
checked on the event loop (an undeclared query parameter is refused; the checks of a repeated set
are remembered) -> the operation's guard if it has one (the control API's access check) and the
bearer token, from the headers alone, before a byte of the body is read (``auth.Authenticator``;
operations whose ``security`` also lists ``{}`` authenticate a request that carries a token and let
the handler decide what an anonymous call may do) -> the body, read with its bound
(``limits.read_body``: the operation's own for an authenticated or guarded request,
``LIMIT_MAX_ANONYMOUS_BODY_BYTES`` at most for an anonymous one; a refusal is a 413 envelope that
closes the connection) -> the body's validation (a large base64 value lifted out before parsing:
``lifted``) and the handler, together in ONE worker thread (no request can stall the event loop)
under the fair, bounded ``admission`` when there is a body (``SERVER_BUSY`` at once when it is
full) -> the envelope -> the strict check.
``INLINE`` handlers (no storage, no heavy work: health, whoami, the catalog) run on the event loop
without a worker thread; a GET of one that leaves every step above nothing to do (no body, no query
string, no fault, a remembered token) is answered by ``Endpoint`` itself, the steps skipped. A
handler that must wait for another request (an idempotency key still in use) raises
``waits.Pending`` and waits here, on the event loop, not in a thread. A client that disconnects
mid-body is dropped quietly.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import Receive, Scope, Send

from image_skill_api.operations import Operation
from image_skill_api.registry import ID_PATTERNS, LIMIT_MAX_ANONYMOUS_BODY_BYTES, TRACE_ID_HEADER, ErrorCode
from image_skill_mock import ids
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults, limits, telemetry, validation, waits
from image_skill_mock.http.admission import Admission
from image_skill_mock.http.auth import Authenticator, actor_of
from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import ROOT_COMMAND, EnvelopeResponse, failure, success
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

_TRACE = re.compile(ID_PATTERNS["TraceId"])
Handler = Callable[[Call], Any]
#: Refusals answered before the body is read (the size bound, the control API's access check).
_BODY_UNREAD = frozenset({ErrorCode.REQUEST_TOO_LARGE, ErrorCode.MOCK_CONTROL_FORBIDDEN})
#: A check of who is asking, from the headers alone (raises an ``ApiError``).
Guard = Callable[[Call], None]


def trace_id_of(request: Request) -> str:
    """The request's trace id when it is a well-formed one, else a new one."""
    return _trace_id(request.headers)


def _trace_id(headers: Headers) -> str:
    incoming = headers.get(TRACE_ID_HEADER, "")
    return incoming if _TRACE.match(incoming) else ids.new_trace_id()


def _log(message: str) -> None:
    print(f"image-skill-mock: {message}", file=sys.stderr, flush=True)


@lru_cache(maxsize=4096)
def _checked_params(operation_id: str, given: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> Any:
    sources = {location: dict(values) for location, values in given}
    return validation.validate_params(operation_id, sources["path"], sources["query"], sources["header"])


def _params(operation_id: str, path: Mapping[str, str], request: Request, headers: Headers) -> dict[str, Any]:
    """The validated query parameters: only the values the spec names are looked at (and remembered);
    a query parameter the operation does not declare is refused."""
    names = _param_names(operation_id)
    query = request.query_params if names["query"] or request.scope.get("query_string") else {}
    validation.refuse_unknown_query(operation_id, query)
    sources: dict[str, Mapping[str, str]] = {"path": path, "query": query, "header": headers}
    given = tuple(
        (where, tuple((name, sources[where][name]) for name in wanted if name in sources[where]))
        for where, wanted in names.items()
    )
    return dict(_checked_params(operation_id, given))


@cache
def _param_names(operation_id: str) -> dict[str, tuple[str, ...]]:
    params = validation.schemas_for(operation_id).params
    return {
        where: tuple(p.name for p in params if p.location == where) for where in ("path", "query", "header")
    }


def _work(call: Call, handler: Handler, raw: bytearray | None, content_type: str) -> Any:
    """In a worker thread: the body's validation (on the first attempt) and the handler."""
    if raw is not None:
        call.body = validation.validate_body(call.operation.operation_id, raw, content_type)
    return handler(call)


class Pipeline:
    """What every endpoint of one app shares: its settings, storage, token memory and admission."""

    def __init__(self, settings: Settings, storage: Storage, admission: Admission) -> None:
        self.settings = settings
        self.storage = storage
        # With --control a state reset or import may remove or replace agents: no token memory.
        self.auth = Authenticator(storage, remember=not settings.control)
        self.admission = admission

    async def _agent(self, op: Operation, request: Request, headers: Headers) -> Any:
        """The authenticated agent (None for an anonymous call the operation allows)."""
        authorization = headers.get("authorization")
        if op.auth and (authorization or not op.auth_optional):
            return await self.auth.authenticate(authorization)
        if authorization and not op.auth and telemetry.describes_a_run(request.scope):
            try:  # an anonymous operation: the token only tells telemetry whose run this is
                return await self.auth.authenticate(authorization)
            except ApiError:
                return None
        return None

    async def _attempt(self, call: Call, handler: Handler, body: _Body) -> Any:
        """One run of the validation and the handler in a worker thread; with a body, the body is
        read and the work done under the admission (waiting there costs no thread and no memory)."""
        content_type = call.request.headers.get("content-type", "")
        if not body.present:
            return await run_in_threadpool(_work, call, handler, body.take(), content_type)
        async with self.admission.admit(body.key):
            if body.raw is None:
                body.raw = await limits.read_body(call.request, body.bound)
            return await run_in_threadpool(_work, call, handler, body.take(), content_type)

    async def run(
        self,
        op: Operation,
        handler: Handler,
        call: Call,
        headers: Headers,
        *,
        inline: bool,
        guard: Guard | None,
    ) -> Any:
        """The handler's data for one request (``call`` is filled in on the way)."""
        request = call.request
        settings = self.settings
        if settings.faults or settings.fault_rule is not None:
            call.fault = await faults.before_handler(
                settings.faults, headers.get(faults.HEADER), settings.fault_rule, op.operation_id
            )
        call.query = _params(op.operation_id, call.path, request, headers)
        if guard is not None:
            guard(call)  # from the headers, before a byte of the body is read
        agent = await self._agent(op, request, headers)
        if agent is not None:
            telemetry.attribute(request.scope, agent.agent_id)
            if op.auth:
                call.agent, call.actor = agent, actor_of(agent)
        body = _Body(headers, op, call, trusted=guard is not None)
        if inline:
            await limits.read_body(request, body.bound)
            return handler(call)
        began = time.monotonic()
        while True:
            try:
                data = await self._attempt(call, handler, body)
            except waits.Pending as pending:
                left = pending.wait_seconds - (time.monotonic() - began)
                if left <= 0 or waits.stopping():
                    raise pending.give_up from None
                await waits.until_moved(pending.topic, min(left, waits.POLL_SECONDS))
                continue
            if call.agent is not None and not op.auth:
                telemetry.attribute(request.scope, call.agent.agent_id)  # signup: the agent it made
            return data


class _Body:
    """A request's body: its bound (the operation's own when authenticated or past the operation's
    guard, at most the anonymous limit otherwise), the admission key (the agent, else the peer
    address) and, once read, its bytes, validated on the first attempt only."""

    def __init__(self, headers: Headers, op: Operation, call: Call, *, trusted: bool) -> None:
        bound = validation.schemas_for(op.operation_id).max_body_bytes
        self.bound = bound if call.agent or trusted else min(bound, LIMIT_MAX_ANONYMOUS_BODY_BYTES)
        self.present = limits.has_body(headers)
        client = call.request.client.host if call.request.client else "unknown"
        self.key = call.agent.agent_id if call.agent else f"anonymous {client}"
        self.raw: bytearray | None = None if self.present else bytearray()
        self._taken = False

    def take(self) -> bytearray | None:
        """The bytes to validate: the body the first time, None (already validated) after."""
        if self._taken:
            return None
        self._taken = True
        return self.raw


def endpoint(
    op: Operation, handler: Handler, pipeline: Pipeline, *, inline: bool = False, guard: Guard | None = None
) -> Endpoint:
    """``op``'s route: ``handler`` run through ``pipeline``. ``guard`` (the control API's access
    check) runs from the headers before the body; a request it lets through may send the operation's
    whole body (an anonymous one otherwise at most ``LIMIT_MAX_ANONYMOUS_BODY_BYTES``)."""
    return Endpoint(op, handler, pipeline, inline=inline, guard=guard)


class Endpoint:
    """One operation's route as an ASGI app (Starlette runs it as it is: no request/response wrapper).

    A request of an ``INLINE`` operation that the pipeline would pass straight through - a GET with
    no body, no query string and no parameter to check but the (any-string) trace-id header, no
    fault to inject, a token already remembered - is answered here on the event loop (``_quick``):
    the same steps as ``Pipeline.run`` with nothing left to do skipped, so the same answer. Anything
    else goes the whole way (``_serve``, wrapped as Starlette wraps an endpoint function).
    """

    def __init__(
        self, op: Operation, handler: Handler, pipeline: Pipeline, *, inline: bool, guard: Guard | None
    ) -> None:
        self.op, self.handler, self.pipeline, self.guard, self.inline = op, handler, pipeline, guard, inline
        settings = pipeline.settings
        faults_possible = settings.faults or settings.fault_rule is not None
        self.quick = inline and guard is None and not faults_possible and _plain_params(op.operation_id)
        self.general = request_response(self._serve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._quick(scope, receive, send) if self.quick else None
        if response is None:
            await self.general(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _quick(self, scope: Scope, receive: Receive, send: Send) -> Response | None:
        """The answer without the general pipeline, or None when the request needs it."""
        if scope["method"] != "GET" or scope.get("query_string") or scope.get("path_params"):
            return None
        headers = _first_values(scope)
        if b"content-length" in headers or b"transfer-encoding" in headers:
            return None
        op, auth = self.op, self.pipeline.auth
        raw = headers.get(b"authorization")
        authorization = raw.decode("latin-1") if raw is not None else None
        agent = None
        if op.auth and (authorization or not op.auth_optional):
            agent = auth.remembered(authorization)
            if agent is None:
                return None  # a token not seen yet (a lookup in a thread), or none: the general path
        elif authorization and not op.auth and telemetry.describes_a_run(scope):
            agent = auth.remembered(authorization)
            if agent is None:
                return None
        trace = headers.get(_TRACE_KEY, b"").decode("latin-1")
        trace_id = trace if _TRACE.match(trace) else ids.new_trace_id()
        pipeline = self.pipeline
        request = Request(scope, receive, send)
        call = Call(request, op, pipeline.settings, pipeline.storage, trace_id, {}, {}, None)
        if agent is not None:
            telemetry.attribute(scope, agent.agent_id)
            if op.auth:
                call.agent, call.actor = agent, actor_of(agent)
        try:
            response = _succeeded(call, self.handler(call))
        except Exception as exc:  # every failure is an envelope, as on the general path
            response = _failed(call, exc)
        if pipeline.settings.strict:
            response = await run_in_threadpool(_strict, op, response, trace_id)
        return response

    async def _serve(self, request: Request) -> Response:
        op, pipeline = self.op, self.pipeline
        headers = request.headers
        trace_id = _trace_id(headers)
        path = {k: str(v) for k, v in request.path_params.items()}
        call = Call(request, op, pipeline.settings, pipeline.storage, trace_id, path, {}, None)
        try:
            data = await pipeline.run(op, self.handler, call, headers, inline=self.inline, guard=self.guard)
            response = _succeeded(call, data)
        except ClientDisconnect:
            # The client went away mid-body: nobody will read an answer, and nothing went wrong here.
            error = ApiError(ErrorCode.INVALID_ARGUMENTS, "The client closed the connection mid-request.")
            return failure(op.command, error, trace_id=trace_id)
        except Exception as exc:  # every failure is an envelope
            response = _failed(call, exc)
        if pipeline.settings.strict:
            response = await run_in_threadpool(_strict, op, response, trace_id)
        return response


_TRACE_KEY = TRACE_ID_HEADER.encode("latin-1")


def _first_values(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by name, the first value of each, as ``Headers.get`` finds them (it
    compares the raw names, which the server sends in lower case, with a lower-case key)."""
    return dict(reversed(scope["headers"]))


@cache
def _plain_params(operation_id: str) -> bool:
    """Whether a request with no query string and no path parameters has nothing to check: no
    parameter is required and the only header parameters take any string (the trace id)."""
    for param in validation.schemas_for(operation_id).params:
        if param.required or param.location == "path":
            return False
        if param.location == "header" and param.schema != {"type": "string"}:
            return False
    return True


def _succeeded(call: Call, data: Any) -> EnvelopeResponse:
    op = call.operation
    return success(
        op.command,
        data,
        trace_id=call.trace_id,
        actor=call.actor,
        status=op.success_status,
        warnings=call.warnings,
    )


def _failed(call: Call, exc: Exception) -> EnvelopeResponse:
    """The envelope of a request whose validation or handler raised ``exc``."""
    op, trace_id = call.operation, call.trace_id
    if isinstance(exc, validation.RequestInvalid):
        return failure(op.command, ApiError(ErrorCode.INVALID_ARGUMENTS, str(exc)), trace_id=trace_id)
    if isinstance(exc, ApiError):
        response = failure(op.command, exc, trace_id=trace_id, actor=call.actor)
        if exc.code in _BODY_UNREAD or (call.agent is None and op.auth and not op.auth_optional):
            # The rest of the body is never read: close rather than drain it for keep-alive.
            response.headers["connection"] = "close"
        return response
    _log(f"{op.operation_id} failed:\n{traceback.format_exc()}")  # (called in the except block)
    error = ApiError(ErrorCode.INTERNAL_ERROR, "The server failed to handle the request.")
    return failure(op.command, error, trace_id=trace_id)


def _strict(op: Operation, response: EnvelopeResponse, trace_id: str) -> EnvelopeResponse:
    problem = validation.response_problem(op.operation_id, response.status_code, response.envelope)
    if problem is None:
        return response
    _log(f"strict: {op.operation_id} {problem}")
    error = ApiError(ErrorCode.INTERNAL_ERROR, f"strict mode: the response broke the spec ({problem[:160]})")
    return failure(op.command, error, trace_id=trace_id)


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        error = ApiError(ErrorCode.METHOD_NOT_ALLOWED, f"{request.method} is not allowed on this path.")
    elif status == 404:
        error = ApiError(ErrorCode.NOT_FOUND, "No such endpoint.")
    else:
        _log(f"{request.method} {request.url.path} failed: {type(exc).__name__}")
        error = ApiError(ErrorCode.INTERNAL_ERROR, "The server failed to handle the request.")
    response = failure(ROOT_COMMAND, error, trace_id=trace_id_of(request))
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # e.g. Allow on 405
    return response
