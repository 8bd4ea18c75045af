"""envelope: every answer is the contract's envelope, with a consistent exit code and no leaks.

The category first provokes one answer of each kind (no token, a bad token, unknown ids, a
malformed body, an unknown path, a wrong method, plain successes), then checks every API answer
the run has received so far, its own and the other categories'.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from image_skill_api.constants import ENVELOPE_KEYS, EXIT_CODE_HEADER, TOKEN_PREFIX
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import (
    ERRORS,
    ID_PATTERNS,
    ID_PREFIXES,
    TRACE_ID_HEADER,
    TRACE_ID_PREFIX,
    ErrorCode,
    status_exit_rule,
)
from image_skill_conformance.checks import Category, CheckFailed
from image_skill_conformance.context import Context
from image_skill_conformance.http import Exchange, trace_header

CATEGORY = Category(
    "envelope",
    "every answer is one well-formed envelope whose exit code, error code and messages follow the contract",
)
ENVELOPE_REF = "spec/openapi.yaml#/components/schemas/Envelope"
#: A well-formed id of each path parameter that names nothing.
UNKNOWN = {name: f"{ID_PREFIXES.get(schema, 'x_')}{'0' * 24}" for name, schema in (
    ("job_id", "JobId"), ("asset_id", "AssetId"), ("ref", "EventId"),
    ("model_id", "ModelId"), ("capability_id", "CapabilityId"),
)}  # fmt: skip
UNKNOWN["model_id"] = "none.no-such-model"
UNKNOWN["capability_id"] = "is.no-such-capability"
URL = re.compile(r"\bhttps?://", re.IGNORECASE)
ABSOLUTE_PATH = re.compile(r"(^|[\s'\"(=])(/(home|Users|tmp|var|root|etc)/|[A-Za-z]:\\)")


def _probe(ctx: Context) -> None:
    """One answer of each kind, with a trace id of the kit's own (echo checked below)."""
    if ctx.ids.get("envelope.probed"):
        return
    ctx.ids["envelope.probed"] = "yes"
    token = ctx.primary()
    bogus = TOKEN_PREFIX + "conformance" + uuid.uuid4().hex
    for op in OPERATIONS.values():
        path = {name: UNKNOWN.get(name, "x") for name in op.path_params}
        body: dict[str, Any] | None = {} if op.method == "POST" else None
        ctx.api.call(op.operation_id, path=path, body=body, headers=_trace())
        if op.auth:
            ctx.api.call(op.operation_id, token=bogus, path=path, body=body, headers=_trace())
    for name in ("getJob", "getAsset", "getActivity"):
        path = {key: UNKNOWN[key] for key in OPERATIONS[name].path_params}
        ctx.api.call(name, token=token, path=path, headers=_trace())
    ctx.api.call("createImage", token=token, body={"prompt": 42}, headers=_trace())
    ctx.api.call("getQuota", token=token, headers=_trace())
    ctx.api.raw("GET", "/v1/no-such-endpoint", token=token, headers=_trace())
    ctx.api.raw("DELETE", OPERATIONS["getQuota"].path, token=token, headers=_trace())


def _trace() -> dict[str, str]:
    return trace_header(TRACE_ID_PREFIX + uuid.uuid4().hex[:16])


def answers(ctx: Context) -> list[Exchange]:
    _probe(ctx)
    return [e for e in ctx.log.since(0) if e.api]


def _first_bad(exchanges: list[Exchange], problem: Any) -> None:
    """Fail with the first answer for which ``problem`` returns a description."""
    for exchange in exchanges:
        found = problem(exchange)
        if found:
            raise CheckFailed(
                f"{exchange.method} {exchange.url.partition('?')[0]}: {found}", exchange.repro()
            )


@CATEGORY.check(
    "seven-keys", "Every answer is a JSON object with exactly the seven envelope keys.", ENVELOPE_REF
)
def seven_keys(ctx: Context) -> None:
    def problem(e: Exchange) -> str | None:
        if e.envelope is None:
            return "the answer is not a JSON object"
        missing, extra = set(ENVELOPE_KEYS) - set(e.envelope), set(e.envelope) - set(ENVELOPE_KEYS)
        return f"missing {sorted(missing)}, extra {sorted(extra)}" if missing or extra else None

    _first_bad(answers(ctx), problem)


@CATEGORY.check(
    "ok-data-error",
    "ok is a boolean; a success has data and a null error, a failure null data and an error.",
    ENVELOPE_REF,
)
def ok_data_error(ctx: Context) -> None:
    def problem(e: Exchange) -> str | None:
        env = e.envelope or {}
        ok, error = env.get("ok"), env.get("error")
        if ok is True:
            return (
                None
                if error is None and env.get("data") is not None and e.status < 400
                else "a success with an error, no data or an error status"
            )
        if ok is False:
            fields = isinstance(error, dict) and {"code", "message", "retryable"} <= set(error)
            return (
                None
                if fields and env.get("data") is None and e.status >= 400
                else "a failure without a full error, with data or with a 2xx status"
            )
        return "ok is not a boolean"

    _first_bad([e for e in answers(ctx) if e.envelope is not None], problem)


@CATEGORY.check(
    "exit-code-header",
    f"{EXIT_CODE_HEADER} is 0 on success, the registry's exit code on failure,"
    " consistent with the HTTP status.",
    "spec/openapi.yaml#/components/headers/ExitCode",
)
def exit_code_header(ctx: Context) -> None:
    def problem(e: Exchange) -> str | None:
        raw = e.headers.get(EXIT_CODE_HEADER, "")
        if not raw.isdigit():
            return f"{EXIT_CODE_HEADER} is {raw or 'absent'}"
        env = e.envelope or {}
        code = (env.get("error") or {}).get("code") if isinstance(env.get("error"), dict) else None
        if env.get("ok") is True:
            return None if int(raw) == 0 else f"a success says exit {raw}"
        if code in ErrorCode.__members__ and int(raw) != ERRORS[ErrorCode(str(code))].exit_code:
            return f"{code} says exit {raw}, the registry {int(ERRORS[ErrorCode(str(code))].exit_code)}"
        if int(raw) not in status_exit_rule(e.status).consistent_exit_codes:
            return f"exit {raw} is inconsistent with HTTP {e.status}"
        return None

    _first_bad([e for e in answers(ctx) if e.envelope is not None], problem)


@CATEGORY.check(
    "registered-error-codes",
    "Every error code is in the registry, with the registry's HTTP status and retryable flag.",
    "spec/openapi.yaml#/components/schemas/ErrorCode",
)
def registered_error_codes(ctx: Context) -> None:
    def problem(e: Exchange) -> str | None:
        error = (e.envelope or {}).get("error")
        if not isinstance(error, dict):
            return None
        code = error.get("code")
        if code not in ErrorCode.__members__:
            return f"unregistered error code {code!r}"
        spec = ERRORS[ErrorCode(str(code))]
        if spec.http_status is not None and spec.http_status != e.status:
            return f"{code} came with HTTP {e.status}, the registry says {spec.http_status}"
        return (
            None
            if error.get("retryable") is spec.retryable
            else f"{code} says retryable {error.get('retryable')}"
        )

    _first_bad(answers(ctx), problem)


@CATEGORY.check(
    "trace-id",
    "Every trace_id is well-formed and echoes the client's well-formed trace id.",
    "spec/openapi.yaml#/components/parameters/TraceIdHeader",
)
def trace_id(ctx: Context) -> None:
    pattern = re.compile(ID_PATTERNS["TraceId"])

    def problem(e: Exchange) -> str | None:
        got = str((e.envelope or {}).get("trace_id"))
        sent = next((v for k, v in e.request_headers.items() if k.lower() == TRACE_ID_HEADER), None)
        if not pattern.match(got):
            return f"trace_id {got!r} is not a TraceId"
        return f"trace_id {got} does not echo the {sent} sent" if sent and got != sent else None

    _first_bad([e for e in answers(ctx) if e.envelope is not None], problem)


@CATEGORY.check(
    "no-leaks",
    "No message or warning holds a token, a prompt the run sent, a local path or a URL.",
    "cli.md: Global Rules (redaction)",
)
def no_leaks(ctx: Context) -> None:
    tokens = {
        v.partition(" ")[2]
        for e in ctx.log.since(0)
        for k, v in e.request_headers.items()
        if k.lower() == "authorization"
    }

    def problem(e: Exchange) -> str | None:
        env = e.envelope or {}
        texts = (
            [str((env.get("error") or {}).get("message", ""))] if isinstance(env.get("error"), dict) else []
        )
        texts += [  # warnings are strings (an older server's {code, message} objects are read too)
            w if isinstance(w, str) else str(w.get("message", ""))
            for w in env.get("warnings") or []
            if isinstance(w, str | dict)
        ]
        for text in texts:
            if any(t and t in text for t in tokens | ctx.prompts):
                return "a message echoes a token or a prompt"
            if URL.search(text) or ABSOLUTE_PATH.search(text):
                return f"a message holds a URL or a local path: {text[:160]!r}"
        return None

    _first_bad(answers(ctx), problem)
