"""Retry-safe creative requests: an ``idempotency_key`` scoped to the agent (the pipeline's first step).

``once`` runs a request at most once per (agent, key):

1. It claims the key in a transaction (a ``pending`` row with the body's fingerprint). The request
   that claims it runs the pipeline; the job's ``record`` transaction binds the key to the job and
   stores the answer with it (``bind``: the row becomes ``done`` atomically with the job, its
   assets, its debit and its answer), so no crash can leave a recorded job without its answer.
2. The same key with the same body (fingerprint) gets that stored answer: the original job, no
   second job and no second debit. A request that arrives while the first is still running waits
   for its answer on the event loop, holding no worker thread (``waits.Pending``; up to
   ``WAIT_SECONDS``, then ``IDEMPOTENCY_KEY_IN_USE``, retryable).
3. The same key with another body is ``IDEMPOTENCY_KEY_CONFLICT``; nothing runs.
4. A refused request (policy, quota, budget, ...) releases its claim: nothing was recorded, so the
   key can be used again (the same body is refused the same way).

After a crash (the server killed at any point of a keyed create) a retry is answered at once:

- a ``pending`` claim that no request of this server process holds (``_running``: its server died
  before any job was recorded, so nothing was debited) is taken over: the retry runs the request;
- a key ``bound`` to a recorded job whose answer was not stored (a database written before answers
  were stored with their job) is answered from that job (``recover``): no second job, no second debit.

An anonymous dry run stores nothing, so its key is ignored.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import crashpoints
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.http import waits
from image_skill_mock.store import rows
from image_skill_mock.store.database import Connection, Storage

TABLE: Final = "idempotency_keys"
WAIT_SECONDS: Final = 60.0

#: The (agent, key) claims requests of this server process hold: a ``pending`` row not in it was
#: left by a server that died mid-request.
_running: set[tuple[str, str]] = set()
_running_lock = threading.Lock()


def fingerprint(body: dict[str, Any]) -> str:
    """The body without its key, canonically serialized and hashed."""
    rest = {name: value for name, value in body.items() if name != "idempotency_key"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _orphaned(row: dict[str, Any]) -> bool:
    """A ``pending`` claim no request of this process holds: its server died before recording a job."""
    with _running_lock:
        return row["state"] == "pending" and (row["agent_id"], row["idempotency_key"]) not in _running


def _claim(storage: Storage, agent_id: str, key: str, print_: str, now: datetime) -> dict[str, Any] | None:
    """None when this request now holds the key, else the row that holds it."""
    where = {"agent_id": agent_id, "idempotency_key": key}
    with storage.transaction() as conn:
        row = rows.select_row(conn, TABLE, where)
        if row is not None and _orphaned(row):
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
        with _running_lock:  # inside the transaction: no other claim can read the row before this
            _running.add((agent_id, key))
    return None


def once(
    storage: Storage,
    agent_id: str,
    key: str,
    body_fingerprint: str,
    work: Callable[[], dict[str, Any]],
    *,
    now: Callable[[], datetime],
    recover: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """``work()``'s answer, computed at most once for this agent and key (``recover(job_id)``: the
    answer of a job recorded without its answer)."""
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
        if held["state"] == "bound" and held["job_id"]:
            return recover(str(held["job_id"]))
        in_use = ApiError(
            ErrorCode.IDEMPOTENCY_KEY_IN_USE,
            "A request with this idempotency key is still running; retry it shortly.",
        )
        # The endpoint waits on the event loop (no worker thread) and runs the request again when the
        # holder notifies, or gives up with ``in_use`` after WAIT_SECONDS.
        raise waits.Pending(topic, wait_seconds=WAIT_SECONDS, give_up=in_use)
    where = {"agent_id": agent_id, "idempotency_key": key}
    try:
        crashpoints.reach(crashpoints.CREATE_CLAIMED)
        answer = work()
    except BaseException:
        with storage.transaction() as conn:  # nothing was recorded: the key is free again
            rows.delete_rows(conn, TABLE, {**where, "state": "pending"})
        waits.notify(topic)
        raise
    finally:
        with _running_lock:
            _running.discard((agent_id, key))
    with storage.transaction() as conn:  # a request that recorded nothing (``bind`` stores the rest)
        rows.update_rows(
            conn,
            TABLE,
            {**where, "state": "pending"},
            {"state": "done", "response_json": json.dumps(answer, separators=(",", ":"))},
        )
    waits.notify(topic)
    return answer


def bind(conn: Connection, agent_id: str, key: str, job_id: str, answer: dict[str, Any]) -> None:
    """Inside the job's own transaction: the key now names this job, and holds its answer."""
    rows.update_rows(
        conn,
        TABLE,
        {"agent_id": agent_id, "idempotency_key": key},
        {"state": "done", "job_id": job_id, "response_json": json.dumps(answer, separators=(",", ":"))},
    )
