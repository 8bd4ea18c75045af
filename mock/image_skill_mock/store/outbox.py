"""The ``webhook_outbox`` table: Stripe events the server owes its webhook, until acknowledged.

A row is ``pending`` (due at ``next_attempt_at``), ``delivered`` (acknowledged) or ``refused``
(answered with a 4xx that no redelivery can change) or ``abandoned`` (undelivered when its
schedule ran out). Times are the spec's ``Timestamp`` strings, which sort as they compare.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

PENDING = "pending"


@dataclass(frozen=True)
class Delivery:
    event_id: str
    payment_attempt_id: str
    event: dict[str, Any]
    attempts: int
    next_attempt_at: str
    created_at: str


_COLUMNS = "event_id, payment_attempt_id, event_json, attempts, next_attempt_at, created_at"


def _delivery(row: tuple[Any, ...]) -> Delivery:
    event_id, attempt_id, event_json, attempts, next_at, created_at = row
    return Delivery(
        str(event_id), str(attempt_id), json.loads(event_json), int(attempts), str(next_at), str(created_at)
    )


def enqueue(conn: sqlite3.Connection, event: dict[str, Any], payment_attempt_id: str, *, stamp: str) -> None:
    """Owe ``event`` to the webhook, due at once (inside the transaction that caused it)."""
    conn.execute(
        "INSERT OR IGNORE INTO webhook_outbox (event_id, payment_attempt_id, event_json, state, attempts,"
        " next_attempt_at, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, NULL, ?, ?)",
        (
            event["id"],
            payment_attempt_id,
            json.dumps(event, separators=(",", ":")),
            PENDING,
            stamp,
            stamp,
            stamp,
        ),
    )


def due(conn: sqlite3.Connection, now: str, *, limit: int = 20) -> list[Delivery]:
    """Pending deliveries due at ``now``, the longest-waiting first."""
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM webhook_outbox WHERE state = ? AND next_attempt_at <= ?"  # noqa: S608
        " ORDER BY next_attempt_at, event_id LIMIT ?",
        (PENDING, now, limit),
    ).fetchall()
    return [_delivery(row) for row in found]


def next_due(conn: sqlite3.Connection) -> str | None:
    """When the earliest pending delivery is due, or None when nothing is owed."""
    row = conn.execute(
        "SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE state = ?", (PENDING,)
    ).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def pending_for(conn: sqlite3.Connection, payment_attempt_id: str) -> Delivery | None:
    """The attempt's earliest-due pending delivery, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM webhook_outbox WHERE payment_attempt_id = ? AND state = ?"  # noqa: S608
        " ORDER BY next_attempt_at LIMIT 1",
        (payment_attempt_id, PENDING),
    ).fetchone()
    return _delivery(row) if row else None


def settle(
    conn: sqlite3.Connection, event_id: str, state: str, *, stamp: str, error: str | None = None
) -> None:
    """A delivery is over: ``delivered``, ``refused`` or ``abandoned``."""
    conn.execute(
        "UPDATE webhook_outbox SET state = ?, attempts = attempts + 1, last_error = ?, updated_at = ?"
        " WHERE event_id = ? AND state = ?",
        (state, error, stamp, event_id, PENDING),
    )


def retry_at(
    conn: sqlite3.Connection, event_id: str, next_attempt_at: str, *, stamp: str, error: str
) -> None:
    """A delivery failed: one more attempt counted, the next one due at ``next_attempt_at``."""
    conn.execute(
        "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
        " updated_at = ? WHERE event_id = ? AND state = ?",
        (next_attempt_at, error, stamp, event_id, PENDING),
    )
