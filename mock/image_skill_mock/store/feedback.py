"""The ``feedback`` table: an agent's feedback records, unique per ``dedupe_key``."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def by_dedupe_key(conn: sqlite3.Connection, agent_id: str, key: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT feedback_json FROM feedback WHERE agent_id = ? AND dedupe_key = ?", (agent_id, key)
    ).fetchone()
    if row is None:
        return None
    found: dict[str, Any] = json.loads(row[0])
    return found


def insert_feedback(conn: sqlite3.Connection, agent_id: str, record: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO feedback (feedback_id, agent_id, dedupe_key, created_at, feedback_json)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            record["feedback_id"],
            agent_id,
            record.get("dedupe_key"),
            record["created_at"],
            json.dumps(record, separators=(",", ":")),
        ),
    )


def feedback(conn: sqlite3.Connection, agent_id: str) -> list[dict[str, Any]]:
    """The agent's stored feedback, oldest first."""
    rows = conn.execute(
        "SELECT feedback_json FROM feedback WHERE agent_id = ? ORDER BY rowid", (agent_id,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]
