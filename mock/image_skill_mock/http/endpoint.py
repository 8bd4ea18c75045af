"""One operation's request pipeline, and the answers to what no operation serves.

Every request is validated against the spec before its handler runs; every response is an
envelope with the exit-code header; in strict mode every response is also validated against
the spec and a mismatch becomes an ``INTERNAL_ERROR`` envelope (and a line on stderr).

In order: injected faults (``faults``) -> the body, read with the operation's size bound
(``limits.read_body``; a refusal is a 413 envelope that closes the connection) -> parameters and
body parsed and validated in a worker thread (no request can stall the event loop) -> the bearer
token (``auth``; operations whose ``security`` also lists ``{}`` authenticate a request that
carries a token and let the handler decide what an anonymous call may do) -> the handler -> the
envelope -> the strict check. A client that disconnects mid-body is dropped quietly.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from image_skill_api.operations import Operation
from image_skill_api.registry import ID_PATTERNS, TRACE_ID_HEADER, ErrorCode
from image_skill_mock import ids
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults, limits, validation
from image_skill_mock.http.auth import actor_of, authenticate
from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import ROOT_COMMAND, EnvelopeResponse, failure, success
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

_TRACE = re.compile(ID_PATTERNS["TraceId"])


def trace_id_of(request: Request) -> str:
    """The request's trace id when it is a well-formed one, else a new one."""
    incoming = request.headers.get(TRACE_ID_HEADER, "")
    return incoming if _TRACE.match(incoming) else ids.new_trace_id()


def _log(message: str) -> None:
    print(f"image-skill-mock: {message}", file=sys.stderr, flush=True)


def _validated(
    operation_id: str, path: dict[str, str], query: dict[str, str], headers: dict[str, str], raw: bytearray
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Parameters and body checked against the spec (CPU work: runs in a worker thread)."""
    checked = validation.validate_params(operation_id, path, query, headers)
    body = validation.validate_body(operation_id, raw, headers.get("content-type", ""))
    return checked, body


def endpoint(
    op: Operation, handler: Callable[[Call], Any], settings: Settings, storage: Storage
) -> Callable[[Request], Any]:
    schemas = validation.schemas_for(op.operation_id)

    async def serve(request: Request) -> Response:
        trace_id = trace_id_of(request)
        call: Call | None = None
        try:
            fault = await faults.before_handler(
                settings.faults, request.headers.get(faults.HEADER), settings.fault_rule, op.operation_id
            )
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
                op.command,
                data,
                trace_id=trace_id,
                actor=call.actor,
                status=op.success_status,
                warnings=call.warnings,
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

    return serve


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
    else:
        error = ApiError(ErrorCode.NOT_FOUND, "No such endpoint.")
    response = failure(ROOT_COMMAND, error, trace_id=trace_id_of(request))
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # e.g. Allow on 405
    return response
