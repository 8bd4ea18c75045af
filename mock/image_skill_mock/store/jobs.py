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


def update_job(conn: sqlite3.Connection, job: dict[str, Any], *, counts_toward_daily_cap: bool) -> None:
    """A job's new state (a queued job that runs, completes or fails)."""
    conn.execute(
        "UPDATE jobs SET status = ?, counts_toward_daily_cap = ?, job_json = ? WHERE job_id = ?",
        (
            job["status"],
            int(counts_toward_daily_cap),
            json.dumps(job, separators=(",", ":")),
            job["job_id"],
        ),
    )


def job_by_id(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    return json_row(conn, "SELECT job_json FROM jobs WHERE job_id = ?", (job_id,))


def delete_usage_events(conn: sqlite3.Connection, job_id: str) -> None:
    """A failed job's debit, returned (failed jobs debit nothing)."""
    conn.execute("DELETE FROM usage_events WHERE job_id = ?", (job_id,))


def insert_work(
    conn: sqlite3.Connection,
    *,
    job_id: str,
    agent_id: str,
    running_at: str,
    due_at: str,
    work: dict[str, Any],
) -> None:
    conn.execute(
        "INSERT INTO job_work (job_id, agent_id, running_at, due_at, work_json) VALUES (?, ?, ?, ?, ?)",
        (job_id, agent_id, running_at, due_at, json.dumps(work, separators=(",", ":"))),
    )


def work_to_start(conn: sqlite3.Connection, now: str) -> list[str]:
    """The queued jobs whose running time has come (by job id)."""
    rows = conn.execute(
        "SELECT w.job_id FROM job_work w JOIN jobs j ON j.job_id = w.job_id"
        " WHERE j.status = 'queued' AND w.running_at <= ? ORDER BY w.due_at",
        (now,),
    ).fetchall()
    return [str(row[0]) for row in rows]


def work_due(conn: sqlite3.Connection, now: str) -> list[dict[str, Any]]:
    """The work whose completion time has come, oldest first."""
    rows = conn.execute("SELECT work_json FROM job_work WHERE due_at <= ? ORDER BY due_at", (now,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def pending_work(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT COUNT(*) FROM job_work").fetchone()
    return int(row[0]) if row else 0


def take_work(conn: sqlite3.Connection, job_id: str) -> bool:
    """Remove a job's work as it ends; False when another runner ended it first."""
    return conn.execute("DELETE FROM job_work WHERE job_id = ?", (job_id,)).rowcount == 1
