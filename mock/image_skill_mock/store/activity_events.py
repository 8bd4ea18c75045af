"""The ``activity_events`` and ``activity_refs`` tables: the hosted activity ledger, findable by any id
an event is about."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any


def insert_event(
    conn: sqlite3.Connection, *, event_id: str, agent_id: str, body: dict[str, Any], refs: Iterable[str]
) -> None:
    """Store one event and the ids it can be found by."""
    cursor = conn.execute(
        "INSERT INTO activity_events (event_id, agent_id, event_json) VALUES (?, ?, ?)",
        (event_id, agent_id, json.dumps(body, separators=(",", ":"))),
    )
    conn.executemany(
        "INSERT INTO activity_refs (seq, agent_id, ref) VALUES (?, ?, ?)",
        [(cursor.lastrowid, agent_id, ref) for ref in refs],
    )


def events(conn: sqlite3.Connection, agent_id: str, *, limit: int, ref: str | None) -> list[dict[str, Any]]:
    """The agent's newest ``limit`` events, newest first; only those found by ``ref`` if given
    (an event id, or any id an event is about: subject, link or trace id)."""
    if ref is None:
        sql = "SELECT event_json FROM activity_events WHERE agent_id = ? ORDER BY seq DESC LIMIT ?"
        args: tuple[Any, ...] = (agent_id, limit)
    else:
        sql = (  # each id's own index, then the events by their seq: the same cost for any history
            "SELECT event_json FROM activity_events WHERE seq IN"
            " (SELECT seq FROM activity_events WHERE event_id = ? AND agent_id = ?"
            " UNION SELECT seq FROM activity_refs WHERE agent_id = ? AND ref = ?)"
            " ORDER BY seq DESC LIMIT ?"
        )
        args = (ref, agent_id, agent_id, ref, limit)
    return [json.loads(row[0]) for row in conn.execute(sql, args).fetchall()]
