"""The ``balances`` and ``daily_jobs`` tables: running totals of the credit ledger and of each agent's
jobs per UTC day, so a quota or a create costs the same whatever an agent's history.

They are kept incrementally: the ledger (``ledger.credits``) calls ``add`` / ``count_job`` in the
same transaction as the entry (a ``credit_entries`` row) or the job they count, so a total never
exists without its rows. The rows stay the source of truth: ``differences`` recomputes every total
from them (``image-skill-mock check``), and ``backfill`` fills the totals of agents from a database
written before these tables existed (run on open).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final


@dataclass(frozen=True)
class Totals:
    """An agent's ledger summed: preview grants, payment-backed grants (less their reversals), debits."""

    preview_granted: int
    payment_backed_granted: int
    consumed: int


def open_balance(conn: sqlite3.Connection, agent_id: str, preview_granted: int) -> None:
    """A new agent's totals: its preview grant, nothing else yet."""
    conn.execute(
        "INSERT INTO balances (agent_id, preview_granted, payment_backed_granted, consumed)"
        " VALUES (?, ?, 0, 0)",
        (agent_id, preview_granted),
    )


def add(conn: sqlite3.Connection, agent_id: str, *, payment_backed: int = 0, consumed: int = 0) -> None:
    """Add one ledger entry to the agent's totals (a payment-backed grant or reversal; a debit)."""
    conn.execute(
        "UPDATE balances SET payment_backed_granted = payment_backed_granted + ?, consumed = consumed + ?"
        " WHERE agent_id = ?",
        (payment_backed, consumed, agent_id),
    )


def totals(conn: sqlite3.Connection, agent_id: str) -> Totals:
    row = conn.execute(
        "SELECT preview_granted, payment_backed_granted, consumed FROM balances WHERE agent_id = ?",
        (agent_id,),
    ).fetchone()
    return Totals(*row) if row else Totals(0, 0, 0)


def count_job(conn: sqlite3.Connection, agent_id: str, day: str) -> None:
    """One more job of ``day`` toward the agent's daily cap."""
    conn.execute(
        "INSERT INTO daily_jobs (agent_id, day, jobs) VALUES (?, ?, 1)"
        " ON CONFLICT (agent_id, day) DO UPDATE SET jobs = jobs + 1",
        (agent_id, day),
    )


def jobs_on_day(conn: sqlite3.Connection, agent_id: str, day: str) -> int:
    """The agent's jobs of ``day`` that count toward the daily cap."""
    row = conn.execute(
        "SELECT jobs FROM daily_jobs WHERE agent_id = ? AND day = ?", (agent_id, day)
    ).fetchone()
    return int(row[0]) if row else 0


# ------------------------------------------------------------- recomputed from the rows
#: Every agent's totals summed from the ``credit_entries`` view (the ledger).
_LEDGER_TOTALS: Final = """
    SELECT a.agent_id,
           COALESCE(SUM(CASE WHEN e.payment_backed = 0 AND e.credits >= 0 THEN e.credits END), 0),
           COALESCE(SUM(CASE WHEN e.payment_backed = 1 THEN e.credits END), 0),
           COALESCE(SUM(CASE WHEN e.payment_backed = 0 AND e.credits < 0 THEN -e.credits END), 0)
    FROM agents a LEFT JOIN credit_entries e ON e.agent_id = a.agent_id
"""
#: Every agent's jobs per day that count toward the daily cap, counted from ``jobs``.
_JOB_COUNTS: Final = "SELECT agent_id, day, COUNT(*) FROM jobs WHERE counts_toward_daily_cap = 1"


def backfill(conn: sqlite3.Connection) -> int:
    """Totals for every agent without them (a database from before these tables); how many agents."""
    missing = [
        row[0]
        for row in conn.execute(
            "SELECT agent_id FROM agents WHERE agent_id NOT IN (SELECT agent_id FROM balances)"
        ).fetchall()
    ]
    for agent_id in missing:
        conn.execute(f"INSERT INTO balances {_LEDGER_TOTALS} WHERE a.agent_id = ?", (agent_id,))
        conn.execute(
            f"INSERT INTO daily_jobs {_JOB_COUNTS} AND agent_id = ? GROUP BY day",
            (agent_id,),
        )
    return len(missing)


#: The running totals: derived from the ledger, so never part of the state a harness exports.
DERIVED_TABLES: Final = ("balances", "daily_jobs")


def rebuild(conn: sqlite3.Connection, agent_id: str | None = None) -> int:
    """The totals summed again from the ledger (one agent's, or everyone's): after rows were loaded,
    deleted or taken back outside the running totals (a state import, a reset, a failed queued job)."""
    for table in DERIVED_TABLES:
        if agent_id is None:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name
        else:
            conn.execute(f"DELETE FROM {table} WHERE agent_id = ?", (agent_id,))  # noqa: S608
    return backfill(conn)


def differences(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every total that disagrees with the rows it sums (none when the ledger and totals agree)."""
    found: list[dict[str, Any]] = []
    kept = {
        row[0]: tuple(row[1:])
        for row in conn.execute(
            "SELECT agent_id, preview_granted, payment_backed_granted, consumed FROM balances"
        ).fetchall()
    }
    names = ("preview_granted", "payment_backed_granted", "consumed")
    for agent_id, *summed in conn.execute(f"{_LEDGER_TOTALS} GROUP BY a.agent_id").fetchall():
        stored = kept.pop(agent_id, None)
        if stored != tuple(summed):
            found.append(
                {
                    "table": "balances",
                    "agent_id": agent_id,
                    "ledger": dict(zip(names, summed, strict=True)),
                    "stored": None if stored is None else dict(zip(names, stored, strict=True)),
                }
            )
    found += [{"table": "balances", "agent_id": agent_id, "problem": "no such agent"} for agent_id in kept]
    counted = {(a, d): n for a, d, n in conn.execute(f"{_JOB_COUNTS} GROUP BY agent_id, day").fetchall()}
    stored_days = {(a, d): n for a, d, n in conn.execute("SELECT agent_id, day, jobs FROM daily_jobs")}
    for key in sorted(counted.keys() | stored_days.keys()):
        if counted.get(key, 0) != stored_days.get(key, 0):
            agent_id, day = key
            found.append(
                {
                    "table": "daily_jobs",
                    "agent_id": agent_id,
                    "day": day,
                    "jobs": counted.get(key, 0),
                    "stored": stored_days.get(key),
                }
            )
    return found


def check_database(path: Path) -> dict[str, Any] | None:
    """The totals of the database at ``path`` recomputed from its rows, opened read-only in one
    snapshot (a running server keeps writing): what was checked and every difference; None when it
    is no mock database."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("BEGIN")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "agents" not in tables:
                return None
            agents = conn.execute("SELECT COUNT(*) FROM agents").fetchone()[0]
            if not {"balances", "daily_jobs"} <= tables:
                absent = {"table": "balances", "problem": "absent: serve --db fills the totals in on open"}
                return {"agents": agents, "differences": [absent]}
            return {"agents": agents, "differences": differences(conn)}
        finally:
            conn.close()
    except sqlite3.Error:
        return None
