"""The ``telemetry_events`` table: one event per CLI command run, on its own connection."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from image_skill_mock.store.rows import json_row


def telemetry_event(conn: sqlite3.Connection, trace_id: str) -> dict[str, Any] | None:
    return json_row(conn, "SELECT event_json FROM telemetry_events WHERE trace_id = ?", (trace_id,))


def telemetry_owner(conn: sqlite3.Connection, trace_id: str) -> str | None:
    """The agent whose run the trace id is (the first to use it), None for a new trace id."""
    row = conn.execute("SELECT agent_id FROM telemetry_owners WHERE trace_id = ?", (trace_id,)).fetchone()
    return str(row[0]) if row else None


def put_telemetry_event(
    conn: sqlite3.Connection, trace_id: str, event: dict[str, Any], *, agent_id: str
) -> None:
    """Store the run's event: a new run gets the next sequence number and ``agent_id`` as its owner,
    a known one is replaced."""
    text = json.dumps(event, separators=(",", ":"))
    updated = conn.execute(
        "UPDATE telemetry_events SET event_json = ? WHERE trace_id = ?", (text, trace_id)
    ).rowcount
    if not updated:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM telemetry_events").fetchone()[0]
        conn.execute("INSERT INTO telemetry_events VALUES (?, ?, ?)", (trace_id, seq, text))
    conn.execute("INSERT OR IGNORE INTO telemetry_owners VALUES (?, ?)", (trace_id, agent_id))


def telemetry_events(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every recorded event, in the order the runs began."""
    rows = conn.execute("SELECT event_json FROM telemetry_events ORDER BY seq").fetchall()
    return [json.loads(row[0]) for row in rows]


def read_telemetry(path: Path) -> list[dict[str, Any]] | None:
    """The telemetry events of the database at ``path``, opened read-only (a running server keeps
    writing; nothing is created or changed); None when it is no mock database."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            return telemetry_events(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None
