"""The only module that touches SQLite: agents, jobs, assets (bytes as BLOBs) and the credit ledger.

One connection in WAL mode, shared by the server's worker threads behind a lock; every change
runs in ``transaction()`` (``BEGIN IMMEDIATE``), so a credit debit is committed together with
the job and assets it pays for, or not at all. ``record_job`` hands the ledger's rows and the
day's job count, read inside that transaction, to an ``admit`` check (``ledger.admit_job``)
before it writes, and returns the rows as they stand after the write, so concurrent requests can
neither overrun the cap nor report a stale balance.

Credits are the rows of the ``credit_entries`` view (``CreditEntry``): one place that every grant
and debit reaches the ledger through. Today that is each agent's preview grant (``agents``) and
each job's debit (``usage_events``); a new kind of entry (a payment-backed grant, a refund's
reversal) is one more ``UNION ALL`` branch over its own table. The arithmetic is ``ledger``'s.
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
DROP VIEW IF EXISTS credit_entries;
CREATE VIEW credit_entries (agent_id, kind, credits, payment_backed, source_id, created_at) AS
    SELECT agent_id, 'preview_grant', preview_credits, 0, agent_id, created_at FROM agents
    UNION ALL
    SELECT agent_id, 'job_debit', -credits, 0, usage_event_id, created_at FROM usage_events;
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

    kind: str  # preview_grant | job_debit (later payment_backed_granted | _refunded | _disputed)
    credits: int
    payment_backed: bool  # from a payment: a grant (> 0) or its reversal (< 0)
    source_id: str  # what the entry records: the agent (its preview grant), a usage event (a debit)
    created_at: str


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

    def close(self) -> None:
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

    def media(self, asset_id: str, extension: str) -> tuple[str, bytes] | None:
        """The bytes behind a capability URL (no owner check: the URL is the capability)."""
        row = self._one(
            "SELECT mime_type, bytes FROM assets WHERE asset_id = ? AND extension = ?", asset_id, extension
        )
        return (str(row[0]), bytes(row[1])) if row else None

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
