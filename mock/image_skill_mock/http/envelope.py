"""Envelope responses: every body is the seven-key envelope, every response carries the exit-code header."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.responses import Response

from image_skill_api.envelope import envelope
from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER
from image_skill_mock.errors import ApiError

#: The ``command`` of a response that maps to no operation (an unknown path, the media route).
ROOT_COMMAND = "image-skill"


def encode(value: Any) -> str:
    """The one JSON encoding of every answer."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Encoded:
    """A handler's data with its JSON text made once (a fixed answer, served many times)."""

    value: Any
    text: str


def fixed(function: Callable[..., Any]) -> Callable[..., Encoded]:
    """``function`` (pure, of hashable arguments) remembered with its encoding, for the last 256
    argument tuples: a fixed answer (the catalog) is built and encoded once, not per request."""

    @lru_cache(maxsize=256)
    def remembered(*args: Hashable) -> Encoded:
        value = function(*args)
        return Encoded(value, encode(value))

    return remembered


class EnvelopeResponse(Response):
    media_type = "application/json"

    def __init__(
        self, envelope: dict[str, Any], status_code: int, exit_code: int, *, text: str | None = None
    ) -> None:
        body = (text if text is not None else encode(envelope)).encode()
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
    shown = warnings or ()
    if not isinstance(data, Encoded):
        body = envelope(ok=True, command=command, trace_id=trace_id, actor=actor, data=data, warnings=shown)
        return EnvelopeResponse(body, status, 0)
    body = envelope(ok=True, command=command, trace_id=trace_id, actor=actor, data=data.value, warnings=shown)
    # The text ``encode(body)`` would make, written from its values' encodings (the data's made once).
    text = (
        f'{{"ok":true,"command":{_string(command)},"trace_id":{_string(trace_id)},'
        f'"actor":{_actor(actor)},"data":{data.text},"warnings":{_warnings(body["warnings"])},"error":null}}'
    )
    return EnvelopeResponse(body, status, 0, text=text)


#: ``encode`` of a string (``json.dumps`` with ``ensure_ascii=False`` calls the same function).
_string: Callable[[str], str] = json.encoder.encode_basestring


def _actor(actor: dict[str, Any] | None) -> str:
    if actor is None:
        return "null"
    return _actor_text(tuple(actor.items())) if all(type(v) is str for v in actor.values()) else encode(actor)


@lru_cache(maxsize=1024)
def _actor_text(items: tuple[tuple[str, str], ...]) -> str:
    return encode(dict(items))


def _warnings(warnings: list[Any]) -> str:
    return "[]" if not warnings else encode(warnings)


def failure(
    command: str, error: ApiError, *, trace_id: str, actor: dict[str, Any] | None = None
) -> EnvelopeResponse:
    spec = ERRORS[error.code]
    detail: dict[str, Any] = {"code": str(error.code), "message": error.message, "retryable": spec.retryable}
    if error.recovery:
        detail["recovery"] = error.recovery
    body = envelope(ok=False, command=command, trace_id=trace_id, actor=actor, error=detail)
    return EnvelopeResponse(body, spec.http_status or 500, int(spec.exit_code))
