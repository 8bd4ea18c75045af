"""``ApiError``: the mock's documented refusal (a registry code, a message, a recovery); no HTTP here.

Raised anywhere in the mock; the wire (``http.envelope.failure``) turns it into an ``ok: false``
envelope with the registry's HTTP status and exit code.
"""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ERRORS, ErrorCode


class ApiError(Exception):
    """A documented error: becomes an ``ok: false`` envelope with the registry's status and exit code."""

    def __init__(self, code: ErrorCode, message: str, *, recovery: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        spec_recovery = ERRORS[code].recovery
        self.recovery = {**spec_recovery, **(recovery or {})} or None
