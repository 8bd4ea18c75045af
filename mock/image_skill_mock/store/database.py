"""``Storage``: the SQLite database (``schema.sql``), its connection, its lock and ``transaction()``.

One connection in WAL mode, shared by the server's worker threads behind a lock; every change runs
in ``transaction()`` (``BEGIN IMMEDIATE``), in which a feature calls the row functions of this
package in order, so a credit debit is committed together with the job and assets it pays for, or
not at all. The read methods below are single locked reads for callers that need no transaction.

Telemetry has a connection (and lock) of its own: recording a run never holds up a request, which
reads through WAL while telemetry writes (``synchronous=NORMAL``: telemetry is not money).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from image_skill_mock.store import activity_events, agents, assets, balances, feedback, jobs
from image_skill_mock.store import telemetry_events as telemetry_rows

#: The connection a transaction yields (what row functions take); features name its type from here.
Connection = sqlite3.Connection

SCHEMA = (files("image_skill_mock.store") / "schema.sql").read_text(encoding="utf-8")


@contextmanager
def _begin(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Storage:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=5000")
            # One transaction: the schema is there whole or not at all, and a new database costs one
            # commit (one WAL sync), not one per statement (22 ms -> 6 ms, ~1,500 times a test run).
            self._conn.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")
            with _begin(self._conn) as conn:  # a database from before the running totals: fill them in
                balances.backfill(conn)
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
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls every write of the block back."""
        with self._lock, _begin(self._conn) as conn:
            yield conn

    @contextmanager
    def telemetry_transaction(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the telemetry connection."""
        with self._telemetry_lock, _begin(self._telemetry_conn) as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads outside a transaction (held under the lock)."""
        with self._lock:
            yield self._conn

    # ------------------------------------------------------------ single reads
    def agent_by_token(self, token_sha256: str) -> agents.Agent | None:
        with self.reading() as conn:
            return agents.agent_by_token(conn, token_sha256)

    def job(self, agent_id: str, job_id: str) -> dict[str, Any] | None:
        with self.reading() as conn:
            return jobs.job(conn, agent_id, job_id)

    def asset(self, agent_id: str, asset_id: str) -> assets.StoredAsset | None:
        with self.reading() as conn:
            return assets.asset(conn, agent_id, asset_id)

    def uploaded_asset(self, agent_id: str, sha256: str, mime_type: str) -> assets.StoredAsset | None:
        with self.reading() as conn:
            return assets.uploaded_asset(conn, agent_id, sha256, mime_type)

    def asset_bytes(self, agent_id: str, asset_id: str) -> bytes | None:
        with self.reading() as conn:
            return assets.asset_bytes(conn, agent_id, asset_id)

    def media(self, asset_id: str, extension: str) -> assets.Media | None:
        with self.reading() as conn:
            return assets.media(conn, asset_id, extension)

    def media_chunks(self, found: assets.Media) -> Iterator[bytes]:
        """The bytes behind a capability URL, ``assets.PIECE`` at a time, read on a connection of
        their own (a slow download never holds up another request)."""
        return assets.read_media(self.path, found.rowid)

    def activity(self, agent_id: str, *, limit: int, ref: str | None = None) -> list[dict[str, Any]]:
        """The agent's newest ``limit`` activity events, newest first (only those about ``ref``)."""
        with self.reading() as conn:
            return activity_events.events(conn, agent_id, limit=limit, ref=ref)

    def feedback(self, agent_id: str) -> list[dict[str, Any]]:
        with self.reading() as conn:
            return feedback.feedback(conn, agent_id)

    def telemetry(self) -> list[dict[str, Any]]:
        """Every recorded telemetry event, in the order the runs began."""
        with self._telemetry_lock:
            return telemetry_rows.telemetry_events(self._telemetry_conn)
