"""Faults on demand, for tests: off unless the server runs with ``serve --faults``.

With ``--faults`` a request may carry ``x-image-skill-mock-fault: NAME`` and the fault fires at its
point in the request's path; without ``--faults`` the header is ignored entirely. An unknown NAME
(with ``--faults``) is ``INVALID_ARGUMENTS``, so a typo in a test never passes silently.

=========================  =======================================  ==============================
NAME                       where it fires                           answer
=========================  =======================================  ==============================
``provider_failed``        create/edit, at the provider call         PROVIDER_FAILED (exit 7)
``provider_timeout``       create/edit, at the provider call         TIMEOUT (exit 8)
``storage_failed``         create/edit, writing the job after       ARTIFACT_STORAGE_WRITE_FAILED
                           generation (the write is rolled back)    (exit 9, retryable false)
``feedback_storage_failed`` feedback, writing it (rolled back)       FEEDBACK_STORAGE_FAILED (exit 9)
``server_error``           any operation, before its handler        INTERNAL_ERROR (HTTP 500, exit 7)
``slow`` / ``slow:MS``     any operation, before its handler        waits MS ms (default 2000, at
                                                                    most 30000), then answers as usual
=========================  =======================================  ==============================

A fault whose point a request never reaches (``provider_failed`` on ``GET /v1/quota``, a dry run
that never calls the provider) changes nothing. Every fault fires before anything is committed
(or inside the transaction, which then rolls back): nothing is debited or half-written.

With ``serve --control`` the same faults can also come from rules (``POST /_mock/faults``: an
operation, a NAME, how many times, with what probability, after how many requests), which
``control.fault_rules`` keeps; ``before_handler`` draws from them through ``Settings.fault_rule``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.concurrency import run_in_threadpool

from image_skill_api.registry import ErrorCode
from image_skill_mock.errors import ApiError

#: The request header that asks for a fault (honoured only with ``serve --faults``).
HEADER: Final = "x-image-skill-mock-fault"

PROVIDER_FAILED: Final = "provider_failed"
PROVIDER_TIMEOUT: Final = "provider_timeout"
STORAGE_FAILED: Final = "storage_failed"
FEEDBACK_STORAGE_FAILED: Final = "feedback_storage_failed"
SERVER_ERROR: Final = "server_error"
SLOW: Final = "slow"

NAMES: Final = (
    PROVIDER_FAILED,
    PROVIDER_TIMEOUT,
    STORAGE_FAILED,
    FEEDBACK_STORAGE_FAILED,
    SERVER_ERROR,
    SLOW,
)
SLOW_DEFAULT_MS: Final = 2000
SLOW_MAX_MS: Final = 30000


@dataclass(frozen=True)
class Fault:
    name: str
    delay_ms: int = 0


def requested(enabled: bool, header: str | None) -> Fault | None:
    """The fault a request asks for; None without ``--faults`` or without the header."""
    if not enabled or header is None:
        return None
    name, _, arg = header.strip().partition(":")
    if name not in NAMES or (arg and name != SLOW):
        raise ApiError(
            ErrorCode.INVALID_ARGUMENTS,
            f"{HEADER} must be one of {', '.join(NAMES)} (slow also as slow:MS).",
        )
    if name != SLOW:
        return Fault(name)
    if not arg:
        return Fault(name, SLOW_DEFAULT_MS)
    if not (arg.isascii() and arg.isdigit() and len(arg) <= 5 and int(arg) <= SLOW_MAX_MS):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, f"{HEADER}: slow:MS takes 0..{SLOW_MAX_MS} ms.")
    return Fault(name, int(arg))


def fires(fault: Fault | None, name: str) -> bool:
    return fault is not None and fault.name == name


def provider_failed() -> ApiError:
    return ApiError(
        ErrorCode.PROVIDER_FAILED, "The image provider failed (injected fault); nothing was debited."
    )


def provider_timeout() -> ApiError:
    return ApiError(
        ErrorCode.TIMEOUT, "The image provider did not answer in time (injected fault); nothing was debited."
    )


def storage_failed() -> ApiError:
    return ApiError(
        ErrorCode.ARTIFACT_STORAGE_WRITE_FAILED,
        "The image was generated but could not be stored (injected fault); no job was kept and nothing"
        " was debited.",
    )


def feedback_storage_failed() -> ApiError:
    return ApiError(
        ErrorCode.FEEDBACK_STORAGE_FAILED,
        "Durable feedback storage is unavailable (injected fault); the feedback was not stored.",
    )


def server_error() -> ApiError:
    return ApiError(ErrorCode.INTERNAL_ERROR, "The server failed to handle the request (injected fault).")


async def before_handler(
    enabled: bool,
    header: str | None,
    rule: Callable[[str], str | None] | None = None,
    operation_id: str = "",
) -> Fault | None:
    """Parse the request's fault and fire the ones that act before the handler (slow, server_error).

    ``rule`` is the hook of the control API's fault rules (``Settings.fault_rule``, ``serve
    --control``): a request whose header asks for no fault draws its fault from the rules of its
    ``operation_id`` (a rule's NAME is parsed as the header's, ``--faults`` or not).
    """
    import asyncio

    fault = requested(enabled, header)
    if fault is None and rule is not None:
        drawn = await run_in_threadpool(rule, operation_id)
        fault = requested(True, drawn) if drawn is not None else None
    if fires(fault, SLOW):
        assert fault is not None
        await asyncio.sleep(fault.delay_ms / 1000)
    if fires(fault, SERVER_ERROR):
        raise server_error()
    return fault
