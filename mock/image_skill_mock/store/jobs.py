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


def jobs_on_day(conn: sqlite3.Connection, agent_id: str, day: str) -> int:
    """The agent's jobs of ``day`` that count toward the daily cap."""
    row = conn.execute(
        "SELECT COUNT(*) FROM jobs WHERE agent_id = ? AND day = ? AND counts_toward_daily_cap = 1",
        (agent_id, day),
    ).fetchone()
    return int(row[0]) if row else 0


def job(conn: sqlite3.Connection, agent_id: str, job_id: str) -> dict[str, Any] | None:
    return json_row(conn, "SELECT job_json FROM jobs WHERE agent_id = ? AND job_id = ?", (agent_id, job_id))


def usage_event(conn: sqlite3.Connection, agent_id: str, job_id: str) -> tuple[str, int] | None:
    """The debit a job made: its usage event id and credits, or None (a job that debited nothing)."""
    row = conn.execute(
        "SELECT usage_event_id, credits FROM usage_events WHERE agent_id = ? AND job_id = ?",
        (agent_id, job_id),
    ).fetchone()
    return (str(row[0]), int(row[1])) if row else None
