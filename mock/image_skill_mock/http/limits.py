"""Request bodies read with a bound: refused before they are read in full, never buffered unbounded.

The bound of each operation is in the spec (``x-image-skill-limits.max_json_body_bytes``, or the
operation's own ``x-image-skill-max-body-bytes``; see ``validation.schemas_for``). A declared
``Content-Length`` above it is refused before a byte of the body is read; a body without one
(chunked) is counted while it streams and refused as soon as it passes the bound.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request

from image_skill_api.registry import ErrorCode
from image_skill_mock.errors import ApiError


def has_body(headers: Headers) -> bool:
    """Whether the request announces a body (a non-zero Content-Length, or chunked framing)."""
    declared = headers.get("content-length")
    return (declared is not None and declared.strip("0") != "") or "transfer-encoding" in headers


def too_large(limit: int) -> ApiError:
    return ApiError(ErrorCode.REQUEST_TOO_LARGE, f"The request body is larger than {limit} bytes.")


async def read_body(request: Request, limit: int) -> bytearray:
    """The whole body, at most ``limit`` bytes; ``REQUEST_TOO_LARGE`` as soon as it is known to be larger.

    Raises ``starlette.requests.ClientDisconnect`` when the client goes away mid-body.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise ApiError(ErrorCode.INVALID_ARGUMENTS, "The Content-Length header is not a byte count.")
        if len(declared.lstrip("0")) > len(str(limit)) or int(declared) > limit:
            raise too_large(limit)
    body = bytearray()  # grown in place: the body is held once, never as chunks and their join
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise too_large(limit)
        body += chunk
    return body
