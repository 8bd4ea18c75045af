"""The only bench code that knows the mock's tables: direct SQLite writes that build in seconds what
thousands of requests would (a long job history, a large asset). When the storage schema moves
(``store/schema.sql``), adapt these two functions and nothing else.

Both write while the server runs: the mock's database is in WAL mode and the server is idle.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

#: Prior jobs are spread over past days, this many a day, so none counts toward today's cap.
JOBS_PER_DAY = 200


def insert_prior_jobs(db: Path, agent_id: str, count: int) -> None:
    """Give ``agent_id`` ``count`` more jobs and their debits: copies of its latest job, on past days.

    Each copy is a ``jobs`` row (its ``job_json`` with the new id) and a ``usage_events`` row
    (the same debit); ids keep the template's prefixes with the copy's number as hex.
    """
    params = {"count": count, "per_day": JOBS_PER_DAY, "agent": agent_id}
    with sqlite3.connect(db, timeout=60) as conn:
        conn.execute(
            f"""{_COPIES}
            INSERT INTO jobs
            SELECT {_NEW_ID.format(column="job_id")}, agent_id, status, {_DAY.format(column="day")},
                   counts_toward_daily_cap, credits_debited, {_DAY.format(column="day")} || 'T12:00:00.000Z',
                   replace(job_json, job_id, {_NEW_ID.format(column="job_id")})
            FROM n, (SELECT * FROM jobs WHERE agent_id = :agent ORDER BY created_at DESC LIMIT 1)
            """,  # noqa: S608 (constant fragments; the values are bound)
            params,
        )
        conn.execute(
            f"""{_COPIES}
            INSERT INTO usage_events
            SELECT {_NEW_ID.format(column="usage_event_id")}, agent_id, {_NEW_ID.format(column="job_id")},
                   credits, {_DAY.format(column="created_at")} || 'T12:00:00.000Z'
            FROM n, (SELECT * FROM usage_events WHERE agent_id = :agent ORDER BY created_at DESC LIMIT 1)
            """,  # noqa: S608
            params,
        )


_COPIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
#: The template's id prefix (``job_``, ``usage_``) and the copy's number as 32 hex digits.
_NEW_ID = "substr({column}, 1, instr({column}, '_')) || printf('%032x', i)"
_DAY = "date({column}, printf('-%d days', 1 + i / :per_day))"


def grow_asset(db: Path, asset_id: str, size: int) -> str:
    """Replace ``asset_id``'s bytes with ``size`` random bytes (written in chunks); their sha256."""
    digest = hashlib.sha256()
    with sqlite3.connect(db, timeout=60) as conn:
        conn.execute(
            "UPDATE assets SET bytes = zeroblob(?), content_length = ? WHERE asset_id = ?",
            (size, size, asset_id),
        )
        (rowid,) = conn.execute("SELECT rowid FROM assets WHERE asset_id = ?", (asset_id,)).fetchone()
        with conn.blobopen("assets", "bytes", rowid) as blob:
            written = 0
            while written < size:
                chunk = os.urandom(min(1 << 20, size - written))
                blob.write(chunk)
                digest.update(chunk)
                written += len(chunk)
        conn.execute("UPDATE assets SET sha256 = ? WHERE asset_id = ?", (digest.hexdigest(), asset_id))
    return digest.hexdigest()
