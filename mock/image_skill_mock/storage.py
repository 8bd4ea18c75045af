"""The only module that touches SQLite: agents, jobs, assets (bytes as BLOBs) and the credit ledger.

One connection in WAL mode, shared by the server's worker threads behind a lock; every change
runs in ``transaction()`` (``BEGIN IMMEDIATE``), so a credit debit is committed together with
the job and assets it pays for, or not at all. ``record_job`` hands the ledger's rows and the
day's job count, read inside that transaction, to an ``admit`` check (``ledger.admit_job``)
before it writes, and returns the rows as they stand after the write, so concurrent requests can
neither overrun the cap nor report a stale balance.

Credits are the rows of the ``credit_entries`` view (``CreditEntry``): one place that every grant
and debit reaches the ledger through: each agent's preview grant (``agents``), each job's debit
(``usage_events``) and each payment-backed credit event (``credit_events``: a verified payment's
grant, a refund's or dispute's reversal, a reinstatement). The arithmetic is ``ledger``'s. The
payment tables (``PAYMENT_TABLES``) are read and written by ``payments`` and ``idempotency`` through
the ``payment_*`` methods, inside their own ``transaction()``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from image_skill_mock.activity import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    agent_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    runtime TEXT NOT NULL,
    contact TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    preview_credits INTEGER NOT NULL,
    daily_job_limit INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    status TEXT NOT NULL,
    day TEXT NOT NULL,
    counts_toward_daily_cap INTEGER NOT NULL,
    credits_debited INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    job_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_agent_day ON jobs(agent_id, day);
CREATE TABLE IF NOT EXISTS assets (
    asset_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    job_id TEXT REFERENCES jobs(job_id),
    kind TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    extension TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    sha256 TEXT NOT NULL,
    content_length INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS usage_events (
    usage_event_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    job_id TEXT NOT NULL REFERENCES jobs(job_id),
    credits INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS activity_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    event_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS activity_refs (
    seq INTEGER NOT NULL REFERENCES activity_events(seq),
    agent_id TEXT NOT NULL,
    ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_by_agent ON activity_events(agent_id, seq);
CREATE INDEX IF NOT EXISTS activity_refs_by_agent ON activity_refs(agent_id, ref, seq);
CREATE TABLE IF NOT EXISTS credit_quotes (
    quote_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    credits INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    pack_id TEXT,
    payment_method TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    UNIQUE (agent_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS payment_attempts (
    payment_attempt_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    quote_id TEXT NOT NULL REFERENCES credit_quotes(quote_id),
    idempotency_key TEXT NOT NULL,
    checkout_session_id TEXT NOT NULL UNIQUE,
    checkout_secret TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL UNIQUE,
    charge_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agent_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS payment_attempts_by_quote ON payment_attempts(quote_id);
CREATE TABLE IF NOT EXISTS receipts (
    receipt_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    quote_id TEXT NOT NULL REFERENCES credit_quotes(quote_id),
    payment_attempt_id TEXT NOT NULL UNIQUE REFERENCES payment_attempts(payment_attempt_id),
    charge_id TEXT NOT NULL UNIQUE,
    credits INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    paid_at TEXT NOT NULL,
    credit_event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payment_reversals (
    payment_reversal_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    receipt_id TEXT,
    quote_id TEXT,
    kind TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    credits_applied INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (kind, provider_ref)
);
CREATE TABLE IF NOT EXISTS credit_events (
    credit_event_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    receipt_id TEXT NOT NULL REFERENCES receipts(receipt_id),
    payment_reversal_id TEXT,
    kind TEXT NOT NULL,
    credits INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stripe_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    job_id TEXT,
    response_json TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(agent_id),
    dedupe_key TEXT,
    created_at TEXT NOT NULL,
    feedback_json TEXT NOT NULL,
    UNIQUE (agent_id, dedupe_key)
);
CREATE TABLE IF NOT EXISTS telemetry_events (
    trace_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    event_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS telemetry_by_seq ON telemetry_events(seq);
DROP VIEW IF EXISTS credit_entries;
CREATE VIEW credit_entries (agent_id, kind, credits, payment_backed, source_id, created_at) AS
    SELECT agent_id, 'preview_grant', preview_credits, 0, agent_id, created_at FROM agents
    UNION ALL
    SELECT agent_id, 'job_debit', -credits, 0, usage_event_id, created_at FROM usage_events
    UNION ALL
    SELECT agent_id, kind, credits, 1, credit_event_id, created_at FROM credit_events;
"""


@dataclass(frozen=True)
class Agent:
    agent_id: str
    organization_id: str
    organization_name: str
    agent_name: str
    runtime: str
    contact: str
    preview_credits: int
    daily_job_limit: int
    created_at: str


@dataclass(frozen=True)
class StoredAsset:
    asset_id: str
    agent_id: str
    job_id: str | None
    kind: str
    mime_type: str
    extension: str
    width: int | None
    height: int | None
    sha256: str
    content_length: int
    created_at: str


@dataclass(frozen=True)
class CreditEntry:
    """One row of the credit ledger: a grant (``credits`` > 0) or a debit (``credits`` < 0)."""

    kind: str  # preview_grant | job_debit | payment_backed_granted | _refunded | _disputed | _reinstated
    credits: int
    payment_backed: bool  # from a payment: a grant (> 0) or its reversal (< 0)
    source_id: str  # what the entry records: the agent (its preview grant), a usage event (a debit)
    created_at: str


#: The payment tables (``payments`` reads and writes them through the ``payment_*`` methods) and their
#: columns: constants, never built from input.
PAYMENT_TABLES: dict[str, tuple[str, ...]] = {
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


def _columns(table: str, names: Any) -> tuple[str, ...]:
    """``names`` checked against the table's known columns (so no SQL is ever built from input)."""
    known = PAYMENT_TABLES[table]
    unknown = set(names) - set(known)
    if unknown:
        raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    return tuple(names)


#: What ``record_job`` asks before it writes: the ledger's rows and the day's counted jobs, read in
#: its transaction. It raises to refuse (and nothing is written).
Admission = Callable[[list[CreditEntry], int], None]


@dataclass(frozen=True)
class NewAsset:
    meta: StoredAsset
    data: bytes


#: Asset metadata columns (a constant: never built from input).
_ASSET_COLUMNS = ", ".join(
    [
        *("asset_id", "agent_id", "job_id", "kind", "mime_type", "extension"),
        *("width", "height", "sha256", "content_length", "created_at"),
    ]
)


class Storage:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.executescript(SCHEMA)
        # Telemetry has a connection (and lock) of its own: recording a run never holds up a request,
        # which reads through WAL while telemetry writes (synchronous=NORMAL: telemetry is not money).
        self._telemetry_conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._telemetry_lock = threading.Lock()
        with self._telemetry_lock:
            self._telemetry_conn.execute("PRAGMA busy_timeout=5000")
            self._telemetry_conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        with self._telemetry_lock:
            self._telemetry_conn.close()
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._conn.execute(sql, args).fetchone()
            return row

    # ---------------------------------------------------------------- agents
    def add_agent(self, agent: Agent, token_sha256: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO agents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    agent.agent_id,
                    agent.organization_id,
                    agent.organization_name,
                    agent.agent_name,
                    agent.runtime,
                    agent.contact,
                    token_sha256,
                    agent.preview_credits,
                    agent.daily_job_limit,
                    agent.created_at,
                ),
            )

    def agent_by_token(self, token_sha256: str) -> Agent | None:
        row = self._one(
            "SELECT agent_id, organization_id, organization_name, agent_name, runtime, contact,"
            " preview_credits,"
            " daily_job_limit, created_at FROM agents WHERE token_sha256 = ?",
            token_sha256,
        )
        return Agent(*row) if row else None

    # ---------------------------------------------------------------- ledger
    _ENTRIES = (
        "SELECT kind, credits, payment_backed, source_id, created_at FROM credit_entries"
        " WHERE agent_id = ? ORDER BY created_at, source_id"
    )
    _JOBS_ON_DAY = "SELECT COUNT(*) FROM jobs WHERE agent_id = ? AND day = ? AND counts_toward_daily_cap = 1"

    @classmethod
    def _credit_entries(cls, conn: sqlite3.Connection, agent_id: str) -> list[CreditEntry]:
        rows = conn.execute(cls._ENTRIES, (agent_id,)).fetchall()
        return [CreditEntry(str(k), int(c), bool(p), str(s), str(at)) for k, c, p, s, at in rows]

    def credit_entries(self, agent_id: str) -> list[CreditEntry]:
        with self._lock:
            return self._credit_entries(self._conn, agent_id)

    def jobs_on_day(self, agent_id: str, day: str) -> int:
        row = self._one(self._JOBS_ON_DAY, agent_id, day)
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ jobs
    def record_job(
        self,
        *,
        agent_id: str,
        job: dict[str, Any],
        day: str,
        counts_toward_daily_cap: bool,
        debit: int,
        usage_event_id: str | None,
        assets: list[NewAsset],
        admit: Admission,
        events: Callable[[list[CreditEntry]], list[Event]] = lambda _entries: [],
        bind: Callable[[sqlite3.Connection], None] | None = None,
    ) -> list[CreditEntry]:
        """Store a job with its assets, its debit and its activity events in one transaction; the
        ledger's rows after it.

        ``admit`` sees the ledger's rows and the day's counted jobs inside the same transaction and
        raises to refuse: then nothing is written. ``events`` is given the ledger's rows after the
        write and returns the activity events to store with the job.
        """
        with self.transaction() as conn:
            jobs_today = int(conn.execute(self._JOBS_ON_DAY, (agent_id, day)).fetchone()[0])
            admit(self._credit_entries(conn, agent_id), jobs_today)
            conn.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            for asset in assets:
                m = asset.meta
                conn.execute(
                    f"INSERT INTO assets ({_ASSET_COLUMNS}, bytes) VALUES ({', '.join('?' * 12)})",  # noqa: S608
                    (
                        m.asset_id,
                        m.agent_id,
                        m.job_id,
                        m.kind,
                        m.mime_type,
                        m.extension,
                        m.width,
                        m.height,
                        m.sha256,
                        m.content_length,
                        m.created_at,
                        asset.data,
                    ),
                )
            if debit and usage_event_id:
                conn.execute(
                    "INSERT INTO usage_events VALUES (?, ?, ?, ?, ?)",
                    (usage_event_id, agent_id, job["job_id"], debit, job["created_at"]),
                )
            entries = self._credit_entries(conn, agent_id)
            for item in events(entries):
                self.add_activity(conn, item)
            if bind is not None:  # e.g. the request's idempotency key, bound to the job it recorded
                bind(conn)
            return entries

    def job(self, agent_id: str, job_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT job_json FROM jobs WHERE agent_id = ? AND job_id = ?", agent_id, job_id)
        if row is None:
            return None
        job: dict[str, Any] = json.loads(row[0])
        return job

    # ---------------------------------------------------------------- assets
    def asset(self, agent_id: str, asset_id: str) -> StoredAsset | None:
        row = self._one(
            f"SELECT {_ASSET_COLUMNS} FROM assets WHERE agent_id = ? AND asset_id = ?",  # noqa: S608
            agent_id,
            asset_id,
        )
        return StoredAsset(*row) if row else None

    def uploaded_asset(self, agent_id: str, sha256: str, mime_type: str) -> StoredAsset | None:
        """The agent's earlier upload of the same bytes, if any (uploads are content-addressed)."""
        row = self._one(
            f"SELECT {_ASSET_COLUMNS} FROM assets WHERE agent_id = ? AND kind = 'uploaded'"  # noqa: S608
            " AND sha256 = ? AND mime_type = ? ORDER BY created_at LIMIT 1",
            agent_id,
            sha256,
            mime_type,
        )
        return StoredAsset(*row) if row else None

    def asset_bytes(self, agent_id: str, asset_id: str) -> bytes | None:
        """The bytes of one of the agent's assets (an edit's input, mask or reference)."""
        row = self._one("SELECT bytes FROM assets WHERE agent_id = ? AND asset_id = ?", agent_id, asset_id)
        return bytes(row[0]) if row else None

    def media(self, asset_id: str, extension: str) -> tuple[str, bytes] | None:
        """The bytes behind a capability URL (no owner check: the URL is the capability)."""
        row = self._one(
            "SELECT mime_type, bytes FROM assets WHERE asset_id = ? AND extension = ?", asset_id, extension
        )
        return (str(row[0]), bytes(row[1])) if row else None

    # -------------------------------------------------------------- payments
    # Rows of ``PAYMENT_TABLES`` as dicts, inside the caller's ``transaction()`` (``payments`` owns the
    # logic: quotes, checkout sessions, receipts, reversals, webhook events, create idempotency keys).
    @staticmethod
    def ledger_entries(conn: sqlite3.Connection, agent_id: str) -> list[CreditEntry]:
        """The agent's credit ledger read inside the caller's transaction."""
        return Storage._credit_entries(conn, agent_id)

    @staticmethod
    def payment_insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> bool:
        """Insert ``row``; False (and nothing written) when a unique key already holds it."""
        names = _columns(table, row)
        sql = f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
        return conn.execute(sql, tuple(row[n] for n in names)).rowcount == 1

    @staticmethod
    def payment_update(
        conn: sqlite3.Connection, table: str, where: dict[str, Any], changes: dict[str, Any]
    ) -> int:
        keys, names = _columns(table, where), _columns(table, changes)
        sql = (
            f"UPDATE {table} SET {', '.join(f'{n} = ?' for n in names)}"  # noqa: S608
            f" WHERE {' AND '.join(f'{k} = ?' for k in keys)}"
        )
        args = tuple(changes[n] for n in names) + tuple(where[k] for k in keys)
        return int(conn.execute(sql, args).rowcount)

    @staticmethod
    def payment_delete(conn: sqlite3.Connection, table: str, where: dict[str, Any]) -> int:
        keys = _columns(table, where)
        sql = f"DELETE FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in keys)}"  # noqa: S608
        return int(conn.execute(sql, tuple(where[k] for k in keys)).rowcount)

    @staticmethod
    def payment_rows(
        conn: sqlite3.Connection, table: str, where: dict[str, Any], *, order_by: str | None = None
    ) -> list[dict[str, Any]]:
        names, keys = PAYMENT_TABLES[table], _columns(table, where)
        order = f" ORDER BY {_columns(table, [order_by])[0]}, rowid" if order_by else " ORDER BY rowid"
        sql = (
            f"SELECT {', '.join(names)} FROM {table}"  # noqa: S608
            f" WHERE {' AND '.join(f'{k} = ?' for k in keys) or '1'}{order}"
        )
        rows = conn.execute(sql, tuple(where[k] for k in keys)).fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]

    @staticmethod
    def payment_row(conn: sqlite3.Connection, table: str, where: dict[str, Any]) -> dict[str, Any] | None:
        rows = Storage.payment_rows(conn, table, where)
        return rows[-1] if rows else None

    # -------------------------------------------------------------- activity
    @staticmethod
    def add_activity(conn: sqlite3.Connection, item: Event) -> None:
        """Store one activity event inside the caller's transaction (``transaction()``)."""
        cursor = conn.execute(
            "INSERT INTO activity_events (event_id, agent_id, event_json) VALUES (?, ?, ?)",
            (item.event_id, item.agent_id, json.dumps(item.body, separators=(",", ":"))),
        )
        conn.executemany(
            "INSERT INTO activity_refs (seq, agent_id, ref) VALUES (?, ?, ?)",
            [(cursor.lastrowid, item.agent_id, ref) for ref in item.refs],
        )

    def record_activity(self, *events: Event) -> None:
        """Store events in a transaction of their own."""
        with self.transaction() as conn:
            for item in events:
                self.add_activity(conn, item)

    def activity(self, agent_id: str, *, limit: int, ref: str | None = None) -> list[dict[str, Any]]:
        """The agent's newest ``limit`` events, newest first; only those found by ``ref`` if given
        (an event id, or any id an event is about: subject, link or trace id)."""
        if ref is None:
            sql = "SELECT event_json FROM activity_events WHERE agent_id = ? ORDER BY seq DESC LIMIT ?"
            args: tuple[Any, ...] = (agent_id, limit)
        else:
            sql = (
                "SELECT e.event_json FROM activity_events e WHERE e.agent_id = ? AND (e.event_id = ?"
                " OR e.seq IN (SELECT seq FROM activity_refs WHERE agent_id = ? AND ref = ?))"
                " ORDER BY e.seq DESC LIMIT ?"
            )
            args = (agent_id, ref, agent_id, ref, limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -------------------------------------------------------------- feedback
    def add_feedback(
        self, agent_id: str, feedback: dict[str, Any], events: Callable[[], list[Event]]
    ) -> tuple[dict[str, Any], bool]:
        """Store one feedback record and its activity events at once; ``(stored, True)``.

        When the agent already left feedback with the same ``dedupe_key`` nothing is written and the
        original comes back: ``(original, False)`` (checked inside the transaction, so two racing
        repeats store one record).
        """
        key = feedback.get("dedupe_key")
        with self.transaction() as conn:
            if key is not None:
                row = conn.execute(
                    "SELECT feedback_json FROM feedback WHERE agent_id = ? AND dedupe_key = ?",
                    (agent_id, key),
                ).fetchone()
                if row is not None:
                    original: dict[str, Any] = json.loads(row[0])
                    return original, False
            conn.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?, ?)",
                (
                    feedback["feedback_id"],
                    agent_id,
                    key,
                    feedback["created_at"],
                    json.dumps(feedback, separators=(",", ":")),
                ),
            )
            for item in events():
                self.add_activity(conn, item)
        return feedback, True

    def feedback(self, agent_id: str) -> list[dict[str, Any]]:
        """The agent's stored feedback, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT feedback_json FROM feedback WHERE agent_id = ? ORDER BY rowid", (agent_id,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # ------------------------------------------------------------- telemetry
    def record_telemetry(
        self, trace_id: str, update: Callable[[dict[str, Any] | None], dict[str, Any]]
    ) -> None:
        """Create or update the one telemetry event of the command run ``trace_id``: ``update`` gets
        the stored event (None for the run's first request) and returns the new one."""
        with self._telemetry_lock:
            conn = self._telemetry_conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._fold_telemetry(conn, trace_id, update)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    def _fold_telemetry(
        conn: sqlite3.Connection, trace_id: str, update: Callable[[dict[str, Any] | None], dict[str, Any]]
    ) -> None:
        row = conn.execute(
            "SELECT event_json FROM telemetry_events WHERE trace_id = ?", (trace_id,)
        ).fetchone()
        text = json.dumps(update(json.loads(row[0]) if row else None), separators=(",", ":"))
        if row is None:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM telemetry_events").fetchone()[0]
            conn.execute("INSERT INTO telemetry_events VALUES (?, ?, ?)", (trace_id, seq, text))
        else:
            conn.execute("UPDATE telemetry_events SET event_json = ? WHERE trace_id = ?", (text, trace_id))

    @staticmethod
    def read_telemetry(path: Path) -> list[dict[str, Any]] | None:
        """The telemetry events of the database at ``path``, opened read-only (a running server keeps
        writing; nothing is created or changed); None when it is no mock database."""
        try:
            conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            try:
                conn.execute("PRAGMA busy_timeout=5000")
                rows = conn.execute("SELECT event_json FROM telemetry_events ORDER BY seq").fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return [json.loads(row[0]) for row in rows]

    def telemetry(self) -> list[dict[str, Any]]:
        """Every recorded telemetry event, in the order the runs began."""
        with self._telemetry_lock:
            rows = self._telemetry_conn.execute(
                "SELECT event_json FROM telemetry_events ORDER BY seq"
            ).fetchall()
        return [json.loads(row[0]) for row in rows]
