"""The test harness's tables and whole-database rows (``control/``, ``serve --control``).

- ``mock_journal``: one row per request (its entry as JSON, findable by trace id and agent);
- ``mock_fault_rules``: the fault rules, with how many matching requests each has seen and fired on;
- the state document's rows: every data table dumped and loaded column by column (table and column
  names are read from SQLite's own catalog, never taken from input), one agent's rows deleted;
- the watermarks a request's ledger delta is measured from (the highest rowid of each ledger table
  before the request; the rows above it afterwards are what the request added).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from image_skill_mock.store import balances

JOURNAL = "mock_journal"
FAULT_RULES = "mock_fault_rules"
#: Tables that are never state: SQLite's own, the harness's, and telemetry (not an answer of the API).
NOT_STATE = frozenset({"sqlite_sequence", "telemetry_events", JOURNAL, FAULT_RULES, *balances.DERIVED_TABLES})

#: The ledger tables a request's delta is read from: table -> (counter, SQL of the credits a row adds).
LEDGER_TABLES: dict[str, tuple[str, str | None]] = {
    "agents": ("credits", "preview_credits"),
    "usage_events": ("credits", "-credits"),
    "credit_events": ("credits", "credits"),
    "jobs": ("jobs", None),
    "assets": ("assets", None),
    "activity_events": ("activity_events", None),
}


# ------------------------------------------------------------------------------------ state rows
def data_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table that holds state, in creation order."""
    found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    return [name for (name,) in found if name not in NOT_STATE and not name.startswith("sqlite_")]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns of ``table``, which must be one of ``data_tables`` (checked)."""
    if table not in data_tables(conn):
        raise ValueError(f"no such table: {table}")
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def dump(conn: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` in insertion order, as column -> value (bytes stay bytes)."""
    names = columns(conn, table)
    found = conn.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY rowid").fetchall()  # noqa: S608
    return [dict(zip(names, row, strict=True)) for row in found]


def load(conn: sqlite3.Connection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table``; ValueError naming a column the table does not have, or a
    constraint a row breaks."""
    known = columns(conn, table)
    count = 0
    for row in rows:
        unknown = sorted(set(row) - set(known))
        if unknown:
            raise ValueError(f"{table} has no column {unknown[0]}")
        names = [name for name in known if name in row]
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
        try:
            conn.execute(sql, tuple(row[name] for name in names))
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"a row of {table} breaks a constraint ({exc})") from None
        count += 1
    return count


def defer_foreign_keys(conn: sqlite3.Connection) -> None:
    """Inside a transaction: foreign keys are checked by ``foreign_key_problem``, not row by row."""
    conn.execute("PRAGMA defer_foreign_keys = ON")


def foreign_key_problem(conn: sqlite3.Connection) -> str | None:
    """The first row whose foreign key points nowhere (``table``, rowid), or None."""
    row = conn.execute("PRAGMA foreign_key_check").fetchone()
    return None if row is None else f"a row of {row[0]} (rowid {row[1]}) refers to a missing {row[2]} row"


def clear(conn: sqlite3.Connection, tables: Iterable[str]) -> int:
    """Delete every row of ``tables`` (each checked to be a state table); how many."""
    known = set(data_tables(conn))
    return sum(
        conn.execute(f"DELETE FROM {table}").rowcount  # noqa: S608
        for table in tables
        if table in known
    )


def clear_journal(conn: sqlite3.Connection) -> int:
    return int(conn.execute(f"DELETE FROM {JOURNAL}").rowcount)  # noqa: S608


def delete_agent(conn: sqlite3.Connection, agent_id: str) -> int:
    """Delete every row of one agent (each state table with an ``agent_id``) and its journal; how many."""
    deleted = 0
    for table in [*data_tables(conn), JOURNAL]:
        if table == JOURNAL or "agent_id" in columns(conn, table):
            deleted += conn.execute(f"DELETE FROM {table} WHERE agent_id = ?", (agent_id,)).rowcount  # noqa: S608
    return deleted


# --------------------------------------------------------------------------------------- journal
def insert_journal(
    conn: sqlite3.Connection, *, trace_id: str | None, agent_id: str | None, entry: dict[str, Any]
) -> int:
    cursor = conn.execute(
        f"INSERT INTO {JOURNAL} (trace_id, agent_id, entry_json) VALUES (?, ?, ?)",  # noqa: S608
        (trace_id, agent_id, json.dumps(entry, separators=(",", ":"))),
    )
    return int(cursor.lastrowid or 0)


def journal(
    conn: sqlite3.Connection, *, trace_id: str | None, agent_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The newest ``limit`` entries matching both filters (when given), oldest first, with ``seq``."""
    sql = (
        f"SELECT seq, entry_json FROM {JOURNAL} WHERE (? IS NULL OR trace_id = ?)"  # noqa: S608
        " AND (? IS NULL OR agent_id = ?) ORDER BY seq DESC LIMIT ?"
    )
    found = conn.execute(sql, (trace_id, trace_id, agent_id, agent_id, limit)).fetchall()
    return [{"seq": seq, **json.loads(text)} for seq, text in reversed(found)]


# ----------------------------------------------------------------------------------- fault rules
RULE_COLUMNS = (
    "rule_id",
    "operation_id",
    "fault",
    "times",
    "probability",
    "after",
    "seen",
    "fired",
    "created_at",
)


def insert_rule(conn: sqlite3.Connection, rule: dict[str, Any]) -> int:
    names = [name for name in RULE_COLUMNS if name != "rule_id"]
    cursor = conn.execute(
        f"INSERT INTO {FAULT_RULES} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
        tuple(rule[name] for name in names),
    )
    return int(cursor.lastrowid or 0)


def rules(conn: sqlite3.Connection, operation_id: str | None = None) -> list[dict[str, Any]]:
    """Every rule in the order they were added (only those that apply to ``operation_id`` if given)."""
    sql = f"SELECT {', '.join(RULE_COLUMNS)} FROM {FAULT_RULES}"  # noqa: S608
    if operation_id is None:
        found = conn.execute(sql + " ORDER BY rule_id").fetchall()
    else:
        where = " WHERE operation_id IS NULL OR operation_id = ? ORDER BY rule_id"
        found = conn.execute(sql + where, (operation_id,)).fetchall()
    return [dict(zip(RULE_COLUMNS, row, strict=True)) for row in found]


def count_rule(conn: sqlite3.Connection, rule_id: int, *, fired: bool) -> None:
    """One more matching request seen by the rule (and fired on, if ``fired``)."""
    conn.execute(
        f"UPDATE {FAULT_RULES} SET seen = seen + 1, fired = fired + ? WHERE rule_id = ?",  # noqa: S608
        (int(fired), rule_id),
    )


def clear_rules(conn: sqlite3.Connection) -> int:
    return int(conn.execute(f"DELETE FROM {FAULT_RULES}").rowcount)  # noqa: S608


# ------------------------------------------------------------------------------- ledger deltas
def watermarks(conn: sqlite3.Connection) -> dict[str, int]:
    """The highest rowid of each ledger table now (the rows a later request adds lie above it)."""
    return {
        table: int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])  # noqa: S608
        for table in LEDGER_TABLES
    }


def ledger_since(
    conn: sqlite3.Connection, marks: dict[str, int], agent_id: str | None
) -> dict[str, dict[str, int]]:
    """Per agent (only ``agent_id``'s when given): what the ledger rows added above ``marks`` hold:
    ``credits`` (grants minus debits), and how many ``jobs``, ``assets`` and ``activity_events``."""
    found: dict[str, dict[str, int]] = {}
    for table, (counter, credits) in LEDGER_TABLES.items():
        amount = f"sum({credits})" if credits else "count(*)"
        sql = (
            f"SELECT agent_id, {amount} FROM {table} WHERE rowid > ?"  # noqa: S608
            " AND (? IS NULL OR agent_id = ?) GROUP BY agent_id ORDER BY agent_id"
        )
        for agent, value in conn.execute(sql, (marks.get(table, 0), agent_id, agent_id)).fetchall():
            delta = found.setdefault(agent, {"credits": 0, "jobs": 0, "assets": 0, "activity_events": 0})
            delta[counter] += int(value or 0)
    return found
