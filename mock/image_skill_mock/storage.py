"""The only module that touches SQLite: agents, jobs, assets (bytes as BLOBs) and usage events.

One connection in WAL mode, shared by the server's worker threads behind a lock; every change
runs in ``transaction()`` (``BEGIN IMMEDIATE``), so a credit debit is committed together with
the job and assets it pays for, or not at all. ``record_job`` re-checks the daily job cap and
the balance inside that transaction and reads the balance it reports there too, so concurrent
requests can neither overrun the cap nor report a stale balance.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
"""


class InsufficientCredits(Exception):
    """Raised inside a transaction when the balance no longer covers a debit (nothing is written)."""


class DailyJobLimitReached(Exception):
    """Raised inside a transaction when the jobs of the day already fill the agent's cap (nothing written)."""


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

    # ----------------------------------------------------------------- quota
    def consumed_credits(self, agent_id: str) -> int:
        row = self._one("SELECT COALESCE(SUM(credits), 0) FROM usage_events WHERE agent_id = ?", agent_id)
        return int(row[0]) if row else 0

    def jobs_on_day(self, agent_id: str, day: str) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM jobs WHERE agent_id = ? AND day = ? AND counts_toward_daily_cap = 1",
            agent_id,
            day,
        )
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ jobs
    def record_job(
        self,
        *,
        agent: Agent,
        job: dict[str, Any],
        day: str,
        counts_toward_daily_cap: bool,
        debit: int,
        usage_event_id: str | None,
        assets: list[NewAsset],
    ) -> int:
        """Store a job with its assets and its debit in one transaction; the credits left after it.

        The daily cap (for jobs that count toward it) and the balance are checked inside the same
        transaction: ``DailyJobLimitReached`` / ``InsufficientCredits`` and nothing is written.
        """
        with self.transaction() as conn:
            if counts_toward_daily_cap:
                row = conn.execute(
                    "SELECT COUNT(*) FROM jobs"
                    " WHERE agent_id = ? AND day = ? AND counts_toward_daily_cap = 1",
                    (agent.agent_id, day),
                ).fetchone()
                if int(row[0]) >= agent.daily_job_limit:
                    raise DailyJobLimitReached
            row = conn.execute(
                "SELECT COALESCE(SUM(credits), 0) FROM usage_events WHERE agent_id = ?", (agent.agent_id,)
            ).fetchone()
            remaining = agent.preview_credits - int(row[0])
            if debit and remaining < debit:
                raise InsufficientCredits
            conn.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job["job_id"],
                    agent.agent_id,
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
                    (usage_event_id, agent.agent_id, job["job_id"], debit, job["created_at"]),
                )
                remaining -= debit
        return max(0, remaining)

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
