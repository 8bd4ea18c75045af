"""The ``feedback`` table: an agent's feedback records, unique per ``dedupe_key``."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from image_skill_mock.store.rows import json_row


def by_dedupe_key(conn: sqlite3.Connection, agent_id: str, key: str) -> dict[str, Any] | None:
    sql = "SELECT feedback_json FROM feedback WHERE agent_id = ? AND dedupe_key = ?"
    return json_row(conn, sql, (agent_id, key))


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
