"""Retry-safe creative requests: an ``idempotency_key`` scoped to the agent (the pipeline's first step).

``once`` runs a request at most once per (agent, key):

1. It claims the key in a transaction (a ``pending`` row with the body's fingerprint). The request
   that claims it runs the pipeline; the job's ``record`` transaction binds the key to the job
   (``bind``: the row becomes ``bound`` atomically with the job, its assets and its debit), and the
   answer is stored right after (``done``).
2. The same key with the same body (fingerprint) gets that stored answer: the original job, no
   second job and no second debit. A request that arrives while the first is still running waits
   for its answer (up to ``WAIT_SECONDS``, then ``IDEMPOTENCY_KEY_IN_USE``, retryable) - on the
   event loop, not in a worker thread: ``once`` raises ``waits.Pending`` and the endpoint runs it
   again when the first request finishes (``waits.notify``) or after a short poll.
3. The same key with another body is ``IDEMPOTENCY_KEY_CONFLICT``; nothing runs.
4. A refused request (policy, quota, budget, ...) releases its claim: nothing was recorded, so the
   key can be used again (the same body is refused the same way).

A ``pending`` claim older than ``STALE_SECONDS`` (its server died mid-request, before any job was
recorded) is taken over. An anonymous dry run stores nothing, so its key is ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.http import waits
from image_skill_mock.store import rows
from image_skill_mock.store.database import Connection, Storage

TABLE: Final = "idempotency_keys"
WAIT_SECONDS: Final = 60.0
STALE_SECONDS: Final = 120


def fingerprint(body: dict[str, Any]) -> str:
    """The body without its key, canonically serialized and hashed."""
    rest = {name: value for name, value in body.items() if name != "idempotency_key"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(storage: Storage, agent_id: str, key: str, print_: str, now: datetime) -> dict[str, Any] | None:
    """None when this request now holds the key, else the row that holds it."""
    where = {"agent_id": agent_id, "idempotency_key": key}
    with storage.transaction() as conn:
        row = rows.select_row(conn, TABLE, where)
        if row is not None and row["state"] == "pending":
            claimed = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            if now - claimed > timedelta(seconds=STALE_SECONDS):
                rows.delete_rows(conn, TABLE, where)
                row = None
        if row is not None:
            return row
        rows.insert_row(
            conn,
            TABLE,
            {**where, "fingerprint": print_, "state": "pending", "job_id": None, "response_json": None,
             "created_at": timestamp(now)},
        )  # fmt: skip
    return None


def once(
    storage: Storage,
    agent_id: str,
    key: str,
    body_fingerprint: str,
    work: Callable[[], dict[str, Any]],
    *,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    """``work()``'s answer, computed at most once for this agent and key."""
    topic = (TABLE, agent_id, key)
    held = _claim(storage, agent_id, key, body_fingerprint, now())
    if held is not None:
        if held["fingerprint"] != body_fingerprint:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_KEY_CONFLICT,
                "This idempotency key was already used for a different request body; nothing was done."
                " Use a new key for a new request.",
            )
        if held["response_json"]:
            answer: dict[str, Any] = json.loads(held["response_json"])
            return answer
        in_use = ApiError(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE,
            "A request with this idempotency key is still running; retry it shortly.",
        )
        raise waits.Pending(topic, wait_seconds=WAIT_SECONDS, give_up=in_use)
    where = {"agent_id": agent_id, "idempotency_key": key}
    try:
        answer = work()
    except BaseException:
        with storage.transaction() as conn:  # nothing was recorded: the key is free again
            rows.delete_rows(conn, TABLE, {**where, "state": "pending"})
        waits.notify(topic)
        raise
    with storage.transaction() as conn:
        rows.update_rows(
            conn,
            TABLE,
            where,
            {"state": "done", "response_json": json.dumps(answer, separators=(",", ":"))},
        )
    waits.notify(topic)
    return answer


def bind(conn: Connection, agent_id: str, key: str, job_id: str) -> None:
    """Inside the job's own transaction: the key now names this job."""
    rows.update_rows(
        conn, TABLE, {"agent_id": agent_id, "idempotency_key": key}, {"state": "bound", "job_id": job_id}
    )
