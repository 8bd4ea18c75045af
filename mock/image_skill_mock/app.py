"""The Starlette app: one route per served operation, built from the generated ``OPERATIONS``.

Every request is validated against the spec before its handler runs; every response is an
envelope with the exit-code header; in strict mode every response is also validated against
the spec and a mismatch becomes an ``INTERNAL_ERROR`` envelope (and a line on stderr).
Operations without a handler are simply not routed (404 envelope); a path with a trailing
slash is not redirected (a redirect would be built from the untrusted Host header).

Request bodies are read with the operation's size bound (``limits.read_body``; a refusal is a
413 envelope that closes the connection) and parsed and validated in a worker thread, so no
request can stall the event loop. A client that disconnects mid-body is dropped quietly.
Operations whose ``security`` also lists ``{}`` authenticate a request that carries a token and
let the handler decide what an anonymous call may do.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from image_skill_api.operations import OPERATIONS, Operation
from image_skill_api.registry import ID_PATTERNS, TRACE_ID_HEADER, ErrorCode
from image_skill_mock import checkout, faults, ids, limits, telemetry, validation
from image_skill_mock.auth import actor_of, authenticate
from image_skill_mock.envelope import ROOT_COMMAND, ApiError, EnvelopeResponse, failure, success
from image_skill_mock.resources import HANDLERS, media
from image_skill_mock.settings import Settings
from image_skill_mock.state import Call
from image_skill_mock.storage import Storage

__all__ = ["Settings", "create_app"]

_TRACE = re.compile(ID_PATTERNS["TraceId"])


def _trace_id(request: Request) -> str:
    incoming = request.headers.get(TRACE_ID_HEADER, "")
    return incoming if _TRACE.match(incoming) else ids.new_trace_id()


def _log(message: str) -> None:
    print(f"image-skill-mock: {message}", file=sys.stderr, flush=True)


def _validated(
    operation_id: str, path: dict[str, str], query: dict[str, str], headers: dict[str, str], raw: bytes
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Parameters and body checked against the spec (CPU work: runs in a worker thread)."""
    checked = validation.validate_params(operation_id, path, query, headers)
    body = validation.validate_body(operation_id, raw, headers.get("content-type", ""))
    return checked, body


def _endpoint(
    op: Operation, handler: Callable[[Call], Any], settings: Settings, storage: Storage
) -> Callable[[Request], Any]:
    schemas = validation.schemas_for(op.operation_id)

    async def endpoint(request: Request) -> Response:
        trace_id = _trace_id(request)
        call: Call | None = None
        try:
            fault = await faults.before_handler(settings.faults, request.headers.get(faults.HEADER))
            raw = await limits.read_body(request, schemas.max_body_bytes)
            path = {k: str(v) for k, v in request.path_params.items()}
            headers = dict(request.headers)
            query, body = await run_in_threadpool(
                _validated, op.operation_id, path, dict(request.query_params), headers, raw
            )
            call = Call(request, op, settings, storage, trace_id, path, query, body, fault=fault)
            authorization = headers.get("authorization")
            if op.auth and (authorization or not op.auth_optional):
                call.agent = await run_in_threadpool(authenticate, storage, authorization)
                call.actor = actor_of(call.agent)
            data = await run_in_threadpool(handler, call)
            response = success(
                op.command, data, trace_id=trace_id, actor=call.actor, status=op.success_status
            )
        except ClientDisconnect:
            # The client went away mid-body: nobody will read an answer, and nothing went wrong here.
            error = ApiError(ErrorCode.INVALID_ARGUMENTS, "The client closed the connection mid-request.")
            return failure(op.command, error, trace_id=trace_id)
        except validation.RequestInvalid as exc:
            response = failure(op.command, ApiError(ErrorCode.INVALID_ARGUMENTS, str(exc)), trace_id=trace_id)
        except ApiError as exc:
            response = failure(op.command, exc, trace_id=trace_id, actor=call.actor if call else None)
            if exc.code is ErrorCode.REQUEST_TOO_LARGE:
                # The rest of the body is never read: close rather than drain it for keep-alive.
                response.headers["connection"] = "close"
        except Exception:
            _log(f"{op.operation_id} failed:\n{traceback.format_exc()}")
            error = ApiError(ErrorCode.INTERNAL_ERROR, "The server failed to handle the request.")
            response = failure(op.command, error, trace_id=trace_id)
        if settings.strict:
            response = await run_in_threadpool(_strict, op, response, trace_id)
        return response

    return endpoint


def _strict(op: Operation, response: EnvelopeResponse, trace_id: str) -> EnvelopeResponse:
    problem = validation.response_problem(op.operation_id, response.status_code, response.envelope)
    if problem is None:
        return response
    _log(f"strict: {op.operation_id} {problem}")
    error = ApiError(ErrorCode.INTERNAL_ERROR, f"strict mode: the response broke the spec ({problem[:160]})")
    return failure(op.command, error, trace_id=trace_id)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        error = ApiError(ErrorCode.METHOD_NOT_ALLOWED, f"{request.method} is not allowed on this path.")
    else:
        error = ApiError(ErrorCode.NOT_FOUND, "No such endpoint.")
    response = failure(ROOT_COMMAND, error, trace_id=_trace_id(request))
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # e.g. Allow on 405
    return response


def create_app(settings: Settings) -> Starlette:
    storage = Storage(settings.db_path)
    routes = [
        Route(op.path, _endpoint(op, HANDLERS[op.operation_id], settings, storage), methods=[op.method])
        for op in OPERATIONS.values()
        if op.operation_id in HANDLERS
    ]
    routes.append(media.route(storage, _trace_id))
    routes += checkout.routes(settings, storage, _trace_id)  # the test-mode checkout page and webhook
    recorder = Middleware(telemetry.Recorder, storage=storage, settings=settings)  # one event per CLI run
    app = Starlette(routes=routes, exception_handlers={HTTPException: _not_found}, middleware=[recorder])
    app.router.redirect_slashes = False  # a redirect would be built from the untrusted Host header
    app.state.storage = storage
    return app
