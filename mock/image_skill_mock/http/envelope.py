"""Envelope responses: every body is the seven-key envelope, every response carries the exit-code header."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from image_skill_api.envelope import envelope
from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER
from image_skill_mock.errors import ApiError

#: The ``command`` of a response that maps to no operation (an unknown path, the media route).
ROOT_COMMAND = "image-skill"


class EnvelopeResponse(Response):
    media_type = "application/json"

    def __init__(self, envelope: dict[str, Any], status_code: int, exit_code: int) -> None:
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        super().__init__(body, status_code, headers={EXIT_CODE_HEADER: str(exit_code)})
        self.envelope = envelope


def success(
    command: str,
    data: Any,
    *,
    trace_id: str,
    actor: dict[str, Any] | None,
    status: int = 200,
    warnings: list[str] | None = None,
) -> EnvelopeResponse:
    body = envelope(
        ok=True, command=command, trace_id=trace_id, actor=actor, data=data, warnings=warnings or ()
    )
    return EnvelopeResponse(body, status, 0)


def failure(
    command: str, error: ApiError, *, trace_id: str, actor: dict[str, Any] | None = None
) -> EnvelopeResponse:
    spec = ERRORS[error.code]
    detail: dict[str, Any] = {"code": str(error.code), "message": error.message, "retryable": spec.retryable}
    if error.recovery:
        detail["recovery"] = error.recovery
    body = envelope(ok=False, command=command, trace_id=trace_id, actor=actor, error=detail)
    return EnvelopeResponse(body, spec.http_status or 500, int(spec.exit_code))
