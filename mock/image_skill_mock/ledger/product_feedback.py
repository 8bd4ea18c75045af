"""``POST /v1/feedback``: structured agent feedback into hosted product memory.

In order: every text field is screened for secrets (``secret_shapes``: refused, naming the field,
nothing stored); a ``dedupe_key`` the agent already used answers the original feedback
(``status: "deduplicated"``, no new record, no new events); otherwise the feedback and its two
activity events - ``feedback.created``, then ``feedback.github_queue.processed`` - are written in
one transaction. It fails closed: if the write fails (the ``feedback_storage_failed`` fault), the
transaction rolls back and the answer is ``FEEDBACK_STORAGE_FAILED`` (exit 9), never a success.

The GitHub implementation queue is simulated and says so: ``details.github_queue.mode`` is
``MODE`` and ``github_mutation`` is always false - the mock never contacts GitHub, so
``issue_urls`` and ``issue_numbers`` are empty. ``state`` is what the hosted queue would decide:
``promoted`` for feedback with structured evidence (a command, expected/actual, proof needed, or
evidence items), or narrative feedback sent with ``allow_weak_signal``; ``skipped`` (reason
``weak_signal``) for narrative feedback without it. Events carry the feedback's id, type and
severity, never its text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ActivityEventType
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.http import faults
from image_skill_mock.ledger import activity
from image_skill_mock.ledger.secret_shapes import refuse_secrets
from image_skill_mock.store import feedback as feedback_rows
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Storage

#: What ``details.github_queue.mode`` says: a simulation that never mutates GitHub.
MODE: Final = "mock_simulation_no_github_mutation"
#: Fields that make feedback actionable; without any of them it is a weak signal.
STRUCTURED: Final = ("command", "expected", "actual", "proof_needed", "evidence")
GUIDANCE: Final = {
    "command": "Add --command with the exact command or workflow you ran.",
    "expected": "Add --expected with the result you expected.",
    "actual": "Add --actual with the result you got.",
    "proof_needed": "Add --proof-needed: what would prove this is handled.",
    "evidence": "Add --evidence trace:TRACE_ID (or an evt_/job_ id) so the run can be found.",
}


def _queue(body: dict[str, Any]) -> dict[str, Any]:
    structured = any(body.get(name) for name in STRUCTURED)
    if structured or body.get("allow_weak_signal"):
        state = "promoted"
        reason = (
            "would be promoted to the implementation queue"
            + ("" if structured else " (weak signal allowed)")
            + "; simulated, nothing was filed"
        )
    else:
        state, reason = "skipped", "weak_signal"
    return {
        "state": state,
        "reason": reason,
        "issue_urls": [],
        "issue_numbers": [],
        "mode": MODE,
        "github_mutation": False,
    }


def _data(record: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        "feedback_id": record["feedback_id"],
        "status": status,
        "type": record["type"],
        "severity": record["severity"],
        "confidence": record["confidence"],
        "next_state": record["next_state"],
        "created_at": record["created_at"],
        "dedupe_key": record.get("dedupe_key"),
        "quality_guidance": record["quality_guidance"],
    }


def _events(
    agent: Agent, record: dict[str, Any], queue: dict[str, Any], trace_id: str
) -> list[activity.Event]:
    """``feedback.created``, then ``feedback.github_queue.processed`` (the id, type and severity only)."""
    common: dict[str, Any] = {
        "agent_id": agent.agent_id,
        "subject_id": record["feedback_id"],
        "occurred_at": record["created_at"],
        "trace_id": trace_id,
        "links": {"feedback_id": record["feedback_id"]},
    }
    return [
        activity.event(
            ActivityEventType.FEEDBACK_CREATED,
            summary=f"Feedback accepted ({record['type']}, severity {record['severity']}).",
            status="accepted",
            **common,
        ),
        activity.event(
            ActivityEventType.FEEDBACK_GITHUB_QUEUE_PROCESSED,
            summary=f"GitHub implementation queue (simulated): {queue['state']}.",
            status=queue["state"],
            details={"github_queue": queue},
            **common,
        ),
    ]


def submit(
    storage: Storage,
    agent: Agent,
    body: dict[str, Any],
    *,
    now: datetime,
    trace_id: str,
    fault: faults.Fault | None,
) -> dict[str, Any]:
    """Screen, dedupe and store one feedback record with its two events, in one transaction."""
    body = dict(body)
    refuse_secrets(body)
    record = {
        **body,
        "feedback_id": ids.new_id("FeedbackId"),
        "created_at": timestamp(now),
        "trace_id": body.get("trace_id") or trace_id,
        "quality_guidance": [hint for name, hint in GUIDANCE.items() if not body.get(name)],
    }
    key = body.get("dedupe_key")
    with storage.transaction() as conn:
        original = feedback_rows.by_dedupe_key(conn, agent.agent_id, key) if key is not None else None
        if original is not None:
            return _data(original, "deduplicated")
        feedback_rows.insert_feedback(conn, agent.agent_id, record)
        if faults.fires(fault, faults.FEEDBACK_STORAGE_FAILED):
            raise faults.feedback_storage_failed()  # inside the transaction: nothing is kept
        for item in _events(agent, record, _queue(body), trace_id):
            activity.add(conn, item)
    return _data(record, "accepted")
