"""The ``jobs`` and ``usage_events`` tables: a job as served (its JSON) and the debit it made."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from image_skill_mock.store.rows import json_row


def insert_job(
    conn: sqlite3.Connection,
    *,
    agent_id: str,
    job: dict[str, Any],
    day: str,
    counts_toward_daily_cap: bool,
    debit: int,
) -> None:
    conn.execute(
        "INSERT INTO jobs (job_id, agent_id, status, day, counts_toward_daily_cap, credits_debited,"
        " created_at, job_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job["job_id"],
            agent_id,
            job["status"],
            day,
            int(counts_toward_daily_cap),
            debit,
            job["created_at"],
            json.dumps(job, separators=(",", ":")),
        ),
    )


def insert_usage_event(
    conn: sqlite3.Connection,
    *,
    usage_event_id: str,
    agent_id: str,
    job_id: str,
    credits: int,
    created_at: str,
) -> None:
    """A job's debit: a ``job_debit`` row of the ``credit_entries`` view."""
    conn.execute(
        "INSERT INTO usage_events (usage_event_id, agent_id, job_id, credits, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (usage_event_id, agent_id, job_id, credits, created_at),
    )


def job(conn: sqlite3.Connection, agent_id: str, job_id: str) -> dict[str, Any] | None:
    return json_row(conn, "SELECT job_json FROM jobs WHERE agent_id = ? AND job_id = ?", (agent_id, job_id))
