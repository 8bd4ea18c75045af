"""Envelopes the CLI prints, and the two ways a command fails.

``CliError`` is raised for failures the CLI decides itself (bad arguments, no token, files,
transport); its exit code and default recovery come from the spec's error registry.
``ApiError`` carries an ``ok: false`` envelope the server sent, with the exit code it maps to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill_api.envelope import envelope, new_trace_id
from image_skill_api.registry import ERRORS, ErrorCode

__all__ = ["ApiError", "CliError", "failure", "new_trace_id", "relabel", "success"]


class CliError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        recovery: dict[str, Any] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        spec = ERRORS[code]
        self.code = code
        self.message = message
        self.recovery: dict[str, Any] | None = {**spec.recovery, **(recovery or {})} or None
        self.retryable = spec.retryable if retryable is None else retryable

    @property
    def exit_code(self) -> int:
        return int(ERRORS[self.code].exit_code)

    def as_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": str(self.code), "message": self.message, "retryable": self.retryable}
        if self.recovery:
            error["recovery"] = self.recovery
        return error


class ApiError(Exception):
    """The server answered with an ``ok: false`` envelope."""

    def __init__(self, envelope: dict[str, Any], exit_code: int) -> None:
        super().__init__(str((envelope.get("error") or {}).get("code", "ERROR")))
        self.envelope = envelope
        self.exit_code = exit_code


def success(
    command: str,
    data: Any,
    *,
    trace_id: str,
    actor: Any = None,
    warnings: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return envelope(
        ok=True, command=command, trace_id=trace_id, actor=actor, data=data, warnings=warnings or ()
    )


def failure(command: str, error: CliError, *, trace_id: str, actor: Any = None) -> dict[str, Any]:
    return envelope(ok=False, command=command, trace_id=trace_id, actor=actor, error=error.as_error())


def relabel(envelope: Mapping[str, object], command: str) -> dict[str, Any]:
    """A server envelope as the CLI prints it: the same facts under the CLI's command label."""
    relabeled: dict[str, Any] = dict(envelope)
    relabeled["command"] = command
    return relabeled
