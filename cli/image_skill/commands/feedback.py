"""image-skill feedback create: structured feedback into hosted product memory (needs a token).

Every flag of the contract, with these defaults for what is not given (type ``user_feedback``,
severity and confidence ``medium``, next state ``watch``, surface ``cli``). ``--title`` and
``--body`` at least (the contract's minimum; the API requires both too). Values are checked
against the spec's ``FeedbackRequest`` before anything is sent - enumerations, lengths, counts, the
trace id and dedupe key patterns - and every text field is screened for secrets (``secret_shapes``):
a token or key is refused locally, naming the flag, and never leaves the machine. ``--dedupe-key``
makes a repeat answer the original ``feedback_id`` (``status: "deduplicated"``). The API fails
closed: when it cannot store feedback it answers an error (``FEEDBACK_STORAGE_FAILED``, exit 9),
never a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.secret_shapes import refuse_secrets
from image_skill.validate import choice, invalid, matches
from image_skill_api import constants
from image_skill_api import operations as ops
from image_skill_api.registry import (
    FEEDBACK_CONFIDENCE_VALUES,
    FEEDBACK_NEXT_STATE_VALUES,
    FEEDBACK_SEVERITY_VALUES,
    FEEDBACK_TYPE_VALUES,
)

if TYPE_CHECKING:
    from image_skill_api.models import FeedbackRequest

LABEL = ops.OPERATIONS["createFeedback"].command
NOUN = "feedback"

#: Request field -> the flag that sets it (text fields; messages name the flag).
TEXT_FLAGS: dict[str, str] = {
    "title": "--title",
    "body": "--body",
    "command": "--command",
    "expected": "--expected",
    "actual": "--actual",
    "friction": "--friction",
    "proof_needed": "--proof-needed",
    "strategic_reason": "--strategic-reason",
    "source": "--source",
}
FLAGS: dict[str, str] = {
    **TEXT_FLAGS,
    "dedupe_key": "--dedupe-key",
    "trace_id": "--trace-id",
    "surface": "--surface",
    "evidence": "--evidence",
}


def _bound(field: str, keyword: str) -> int | None:
    value = getattr(constants, f"FEEDBACK_REQUEST_{field.upper()}_{keyword}", None)
    return int(value) if value is not None else None


@dataclass(frozen=True)
class Feedback:
    body: FeedbackRequest


def parse(opts: Mapping[str, Any]) -> Feedback:
    request: dict[str, Any] = {
        "type": choice("FeedbackType", opts["--type"], FEEDBACK_TYPE_VALUES, NOUN),
        "severity": choice("FeedbackSeverity", opts["--severity"], FEEDBACK_SEVERITY_VALUES, NOUN),
        "confidence": choice("FeedbackConfidence", opts["--confidence"], FEEDBACK_CONFIDENCE_VALUES, NOUN),
        "next_state": choice("FeedbackNextState", opts["--next-state"], FEEDBACK_NEXT_STATE_VALUES, NOUN),
    }
    for field, flag in TEXT_FLAGS.items():
        value = opts[flag]
        if value is None:
            continue
        longest = _bound(field, "MAX_LENGTH")
        if not value.strip() or (longest is not None and len(value) > longest):
            limit = f" and at most {longest} characters" if longest is not None else ""
            raise invalid(NOUN, f"{flag} must not be blank{limit}.")
        request[field] = value
    missing = [flag for field, flag in (("title", "--title"), ("body", "--body")) if field not in request]
    if missing:
        error = invalid(
            NOUN, "feedback create needs --title and --body at least (what happened, and why it matters)."
        )
        error.recovery = {**(error.recovery or {}), "required_flags": missing}
        raise error
    surface = [item.strip() for item in (opts["--surface"] or "").split(",") if item.strip()]
    most = _bound("surface", "MAX_ITEMS") or len(surface)
    if not 1 <= len(surface) <= most or not all(matches("FeedbackSurface", s) for s in surface):
        raise invalid(NOUN, f"--surface is 1 to {most} comma-separated lowercase words, e.g. cli,docs.")
    request["surface"] = surface
    evidence = list(opts["--evidence"] or [])
    if evidence:
        most = _bound("evidence", "MAX_ITEMS") or len(evidence)
        if len(evidence) > most or not all(item.strip() for item in evidence):
            raise invalid(NOUN, f"--evidence is given at most {most} times, never blank.")
        request["evidence"] = evidence
    if opts["--dedupe-key"] is not None:
        if not matches("IdempotencyKey", opts["--dedupe-key"]):
            raise invalid(NOUN, "--dedupe-key is 1-128 letters, digits, '.', '_', ':' or '-' (not first).")
        request["dedupe_key"] = opts["--dedupe-key"]
    if opts["--trace-id"] is not None:
        if not matches("TraceId", opts["--trace-id"]):
            raise invalid(NOUN, "--trace-id must be a trace id (trace_ and 16 hex digits).")
        request["trace_id"] = opts["--trace-id"]
    if opts["--allow-weak-signal"]:
        request["allow_weak_signal"] = True
    refuse_secrets(request, FLAGS)  # before anything is sent: secrets never reach product memory
    return Feedback(cast("FeedbackRequest", request))  # every field checked above against the spec


def run(ctx: Context, opts: Feedback) -> dict[str, Any]:
    return relabel(ops.create_feedback(ctx.client, opts.body), ctx.command)
