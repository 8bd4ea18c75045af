"""Older servers' shapes, read liberally and printed as the spec says today.

- ``warnings``: strings today; an older server sent ``{code, message}`` objects, printed here as
  ``"CODE: message"`` (anything else as its JSON text), so the CLI's ``warnings`` is always an
  array of strings.
- ``AUTH_TOKEN_INVALID``: retired; an older server's invalid-token refusal is ``AUTH_REQUIRED`` with
  ``recovery.auth_state: invalid`` and the signup recovery (the exit code stays 3).
- ``limits.remaining_credits``: the preview (free) part only today, with ``total_remaining_credits``
  the sum; an older server sent the total in ``remaining_credits`` beside
  ``preview_remaining_credits``. ``credit_limits`` rebuilds today's meanings from either, and
  ``spendable`` is what a job can spend.

Cheap to import (the plain-value registry tables only).
"""

from __future__ import annotations

import json

from image_skill_api.constants import ERROR_RECOVERIES, ErrorCodes

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

#: The code older servers sent for a malformed, unknown or revoked token.
RETIRED_AUTH_CODE = "AUTH_TOKEN_INVALID"


def warning_text(warning: Any) -> str:
    """One warning as a string: a string as it is, an older ``{code, message}`` object as
    ``"CODE: message"``, anything else as its JSON text."""
    if isinstance(warning, str):
        return warning
    if isinstance(warning, dict) and isinstance(warning.get("message"), str):
        code = warning.get("code")
        return f"{code}: {warning['message']}" if isinstance(code, str) and code else warning["message"]
    return json.dumps(warning, ensure_ascii=False, sort_keys=True)


def warning_texts(warnings: Any) -> list[str]:
    """``warnings`` as a list of strings (not a list at all: none)."""
    return [warning_text(item) for item in warnings] if isinstance(warnings, list) else []


def current_error(error: dict[str, Any]) -> dict[str, Any]:
    """An error object in today's codes: ``AUTH_TOKEN_INVALID`` becomes ``AUTH_REQUIRED`` (invalid)."""
    if error.get("code") != RETIRED_AUTH_CODE:
        return error
    given = error.get("recovery")
    recovery: dict[str, Any] = given if isinstance(given, dict) else {}
    merged = {**ERROR_RECOVERIES[ErrorCodes.AUTH_REQUIRED], **recovery, "auth_state": "invalid"}
    return {**error, "code": ErrorCodes.AUTH_REQUIRED, "recovery": merged}


def current_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """A server envelope in today's shapes (warnings as strings, no retired error code)."""
    envelope = {**body, "warnings": warning_texts(body.get("warnings"))}
    if isinstance(body.get("error"), dict):
        envelope["error"] = current_error(body["error"])
    return envelope


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def credit_limits(limits: Any) -> Any:
    """``limits`` with today's meanings: ``remaining_credits`` the preview part (an older server's
    ``preview_remaining_credits`` when it sent one), ``total_remaining_credits`` the sum."""
    if not isinstance(limits, dict):
        return limits
    preview = _count(limits.get("preview_remaining_credits"))
    if preview is None:
        preview = _count(limits.get("remaining_credits"))
    paid = _count(limits.get("payment_backed_remaining_credits")) or 0
    total = _count(limits.get("total_remaining_credits"))
    if preview is None:
        return limits
    fixed = {**limits, "remaining_credits": preview, "preview_remaining_credits": preview}
    fixed["total_remaining_credits"] = total if total is not None else preview + paid
    return fixed


def spendable(limits: Any) -> int | None:
    """The credits a job can spend (preview plus payment-backed), or None when ``limits`` says nothing."""
    fixed = credit_limits(limits)
    return _count(fixed.get("total_remaining_credits")) if isinstance(fixed, dict) else None
