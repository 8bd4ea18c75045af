"""Envelopes the CLI prints, and the ways a command fails.

``CliError`` is raised for failures the CLI decides itself (bad arguments, no token, files,
transport); its exit code and default recovery come from the spec's error registry.
``ServerError`` carries an ``ok: false`` envelope the server sent, with the exit code it maps to.
``Refusal`` is a failure built from plain values, so ``main`` answers it without importing anything
heavy: one decided from argv alone, before a command runs (a usage error, a command this release
does not build), or a run that did not finish (``unexpected``).

Cheap to import: the registry is read through its plain-value tables (``image_skill_api.constants``);
``ErrorCode`` is only a type here.
"""

from __future__ import annotations

from image_skill_api.constants import ERROR_EXIT_CODES, ERROR_RECOVERIES, ERROR_RETRYABLE, ErrorCodes
from image_skill_api.envelope import envelope, new_trace_id

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from image_skill_api.registry import ErrorCode

__all__ = [
    "CliError",
    "Interrupted",
    "Refusal",
    "ServerError",
    "error_object",
    "failure",
    "new_trace_id",
    "relabel",
    "success",
]


def error_object(
    code: str, message: str, *, recovery: Mapping[str, Any] | None = None, retryable: bool | None = None
) -> dict[str, Any]:
    """The envelope's ``error``: the registry's ``retryable`` and recovery for ``code``, overridden by
    the arguments; ``recovery`` only when it holds something."""
    error: dict[str, Any] = {
        "code": str(code),
        "message": message,
        "retryable": ERROR_RETRYABLE[code] if retryable is None else retryable,
    }
    merged = {**ERROR_RECOVERIES[code], **(recovery or {})}
    if merged:
        error["recovery"] = merged
    return error


class CliError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        recovery: dict[str, Any] | None = None,
        retryable: bool | None = None,
        shows_token: bool = False,
    ) -> None:
        super().__init__(message)
        #: Whether its envelope may print a token (a signup whose save failed: the token's one showing).
        self.shows_token = shows_token
        self.code = code
        self.message = message
        error = error_object(code, message, recovery=recovery, retryable=retryable)
        self.recovery: dict[str, Any] | None = error.get("recovery")
        self.retryable: bool = error["retryable"]

    @property
    def exit_code(self) -> int:
        return ERROR_EXIT_CODES[self.code]

    def as_error(self) -> dict[str, Any]:
        return error_object(self.code, self.message, recovery=self.recovery, retryable=self.retryable)


class ServerError(Exception):
    """The server answered with an ``ok: false`` envelope."""

    def __init__(self, envelope: dict[str, Any], exit_code: int) -> None:
        super().__init__(str((envelope.get("error") or {}).get("code", "ERROR")))
        self.envelope = envelope
        self.exit_code = exit_code


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a keyed request that may have reached the server: ``recovery`` reruns it with the
    same key (``keyed.send``); ``main`` answers INTERRUPTED with it."""

    def __init__(self, recovery: dict[str, Any]) -> None:
        super().__init__()
        self.recovery = recovery


class Refusal:
    """A failure from plain values: a registered error ``code`` (plain), its message, the label of
    the command it refuses (``None``: the command word's) and a suggested command (or a whole
    ``recovery``)."""

    __slots__ = ("code", "command", "message", "recovery", "suggested_command")

    def __init__(
        self,
        code: str,
        message: str,
        *,
        command: str | None = None,
        suggested_command: str | None = None,
        recovery: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.command = command
        self.suggested_command = suggested_command
        self.recovery = recovery

    @property
    def exit_code(self) -> int:
        return ERROR_EXIT_CODES[self.code]

    def envelope(self, command: str, *, trace_id: str) -> dict[str, Any]:
        recovery = dict(self.recovery or {})
        if self.suggested_command:
            recovery["suggested_command"] = self.suggested_command
        error = error_object(self.code, self.message, recovery=recovery)
        return envelope(ok=False, command=self.command or command, trace_id=trace_id, error=error)


def unexpected(*, interrupted: bool = False, recovery: Mapping[str, Any] | None = None) -> Refusal:
    """The failure of a run that did not finish: INTERRUPTED (Ctrl-C, SIGTERM during a download; with
    ``recovery``: a keyed request that may have reached the server, rerun safely with its key), else
    INTERNAL_ERROR (a bug: rerun with IMAGE_SKILL_DEBUG=1 to see it)."""
    if interrupted and recovery:
        message = (
            "Interrupted while the request was in flight: it may have reached the server. Rerun it with"
            " the same idempotency key (the suggested command): the server answers with the original"
            " result and never acts or charges twice."
        )
        return Refusal(ErrorCodes.INTERRUPTED, message, recovery=recovery)
    if interrupted:
        return Refusal(ErrorCodes.INTERRUPTED, "Interrupted before the command finished.")
    return Refusal(ErrorCodes.INTERNAL_ERROR, "The CLI failed unexpectedly; rerun with IMAGE_SKILL_DEBUG=1.")


def success(
    command: str,
    data: Any,
    *,
    trace_id: str,
    actor: Any = None,
    warnings: list[str] | None = None,
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
