"""The column-checked table gateway: rows as dicts, inside the caller's ``transaction()``.

Used for the tables whose rows features read and write whole (quotes, payment attempts, receipts,
reversals, credit events, Stripe events, idempotency keys). Table and column names are the
constants of ``COLUMNS``, checked on every call, so no SQL is ever built from input.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

#: The tables this gateway serves and their columns.
COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_quotes": (
        "quote_id", "agent_id", "idempotency_key", "fingerprint", "credits", "amount_cents", "currency",
        "pack_id", "payment_method", "state", "created_at", "expires_at",
    ),
    "payment_attempts": (
        "payment_attempt_id", "agent_id", "quote_id", "idempotency_key", "checkout_session_id",
        "checkout_secret", "payment_intent_id", "charge_id", "status", "created_at", "updated_at",
    ),
    "receipts": (
        "receipt_id", "agent_id", "quote_id", "payment_attempt_id", "charge_id", "credits", "amount_cents",
        "currency", "paid_at", "credit_event_id",
    ),
    "payment_reversals": (
        "payment_reversal_id", "agent_id", "receipt_id", "quote_id", "kind", "provider_ref", "amount_cents",
        "currency", "credits_applied", "credits_pending", "status", "created_at", "updated_at",
    ),
    "credit_events": (
        "credit_event_id", "agent_id", "receipt_id", "payment_reversal_id", "kind", "credits", "created_at",
    ),
    "stripe_events": ("event_id", "type", "outcome", "received_at"),
    "idempotency_keys": (
        "agent_id", "idempotency_key", "fingerprint", "state", "job_id", "response_json", "created_at",
    ),
}  # fmt: skip


def _columns(table: str, names: Iterable[str]) -> tuple[str, ...]:
    """``names`` checked against the table's known columns (so no SQL is ever built from input)."""
    known = COLUMNS[table]
    names = tuple(names)
    unknown = set(names) - set(known)
    if unknown:
        raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    return names


def _where(keys: tuple[str, ...]) -> str:
    return " AND ".join(f"{k} = ?" for k in keys) or "1"


def insert_row(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> bool:
    """Insert ``row``; False (and nothing written) when a unique key already holds it."""
    names = _columns(table, row)
    sql = f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
    return conn.execute(sql, tuple(row[n] for n in names)).rowcount == 1


def update_rows(conn: sqlite3.Connection, table: str, where: dict[str, Any], changes: dict[str, Any]) -> int:
    """Set ``changes`` on the rows matching ``where``; how many changed."""
    keys, names = _columns(table, where), _columns(table, changes)
    sql = f"UPDATE {table} SET {', '.join(f'{n} = ?' for n in names)} WHERE {_where(keys)}"  # noqa: S608
    args = tuple(changes[n] for n in names) + tuple(where[k] for k in keys)
    return int(conn.execute(sql, args).rowcount)


def delete_rows(conn: sqlite3.Connection, table: str, where: dict[str, Any]) -> int:
    keys = _columns(table, where)
    sql = f"DELETE FROM {table} WHERE {_where(keys)}"  # noqa: S608
    return int(conn.execute(sql, tuple(where[k] for k in keys)).rowcount)


def select_rows(
    conn: sqlite3.Connection, table: str, where: dict[str, Any], *, order_by: str | None = None
) -> list[dict[str, Any]]:
    """The rows matching ``where``, in ``order_by`` order (then insertion order)."""
    names, keys = COLUMNS[table], _columns(table, where)
    order = f" ORDER BY {_columns(table, [order_by])[0]}, rowid" if order_by else " ORDER BY rowid"
    sql = f"SELECT {', '.join(names)} FROM {table} WHERE {_where(keys)}{order}"  # noqa: S608
    rows = conn.execute(sql, tuple(where[k] for k in keys)).fetchall()
    return [dict(zip(names, row, strict=True)) for row in rows]


def select_row(conn: sqlite3.Connection, table: str, where: dict[str, Any]) -> dict[str, Any] | None:
    """The latest row matching ``where``, or None."""
    rows = select_rows(conn, table, where)
    return rows[-1] if rows else None


def json_row(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
    """The JSON object in the first column of ``sql``'s first row (the tables that keep an object
    whole: jobs, feedback, telemetry), or None when there is no row."""
    row = conn.execute(sql, args).fetchone()
    if row is None:
        return None
    found: dict[str, Any] = json.loads(row[0])
    return found
