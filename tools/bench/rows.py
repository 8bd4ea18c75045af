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
#: What a compact copy stores as its job's JSON and its events' (a crowd nobody reads: size on disk).
COMPACT_JSON = "{}"


def insert_prior_jobs(db: Path, agent_id: str, count: int, *, compact: bool = False) -> None:
    """Give ``agent_id`` ``count`` more jobs with their debits and activity: copies of its latest job.

    Each copy is a ``jobs`` row (its ``job_json`` with the new id), a ``usage_events`` row (the same
    debit) and a copy of each of the template's activity events (found by the copy's job id), on
    past days; ids keep the template's prefixes with the copy's number as hex. ``compact`` (a crowd
    of other agents' jobs nobody reads) stores ``COMPACT_JSON`` as each job's JSON and copies no
    activity. The agent's running
    totals (``balances``, ``daily_jobs``) are then set to what its rows sum to.
    """
    with sqlite3.connect(db, timeout=60) as conn:
        (template,) = conn.execute(
            "SELECT job_id FROM jobs WHERE agent_id = ? ORDER BY created_at DESC LIMIT 1", (agent_id,)
        ).fetchone()
        params = {"count": count, "per_day": JOBS_PER_DAY, "agent": agent_id, "job": template}
        params |= {"compact": compact, "compact_json": COMPACT_JSON}
        conn.execute("PRAGMA synchronous=OFF")  # a bench database: rebuilt if the machine fails
        conn.execute("PRAGMA cache_size=-262144")
        for statement in (_JOBS, _USAGE, *(() if compact else (_EVENTS, _REFS)), _BALANCE, _DAILY):
            conn.execute(statement, params)


_COPIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
#: The template's id prefix (``job_``, ``usage_``) and the copy's number as 32 hex digits.
_NEW_ID = "substr({column}, 1, instr({column}, '_')) || printf('%032x', i)"
_DAY = "date({column}, printf('-%d days', 1 + i / :per_day))"
_JSON = "CASE WHEN :compact THEN :compact_json ELSE {json} END"
_JOBS = f"""{_COPIES}
    INSERT INTO jobs
    SELECT {_NEW_ID.format(column="job_id")}, agent_id, status, {_DAY.format(column="day")},
           counts_toward_daily_cap, credits_debited, {_DAY.format(column="day")} || 'T12:00:00.000Z',
           {_JSON.format(json=f"replace(job_json, job_id, {_NEW_ID.format(column='job_id')})")}
    FROM n, (SELECT * FROM jobs WHERE job_id = :job)
"""  # noqa: S608 (constant fragments; the values are bound)
_USAGE = f"""{_COPIES}
    INSERT INTO usage_events
    SELECT {_NEW_ID.format(column="usage_event_id")}, agent_id, {_NEW_ID.format(column="job_id")},
           credits, {_DAY.format(column="created_at")} || 'T12:00:00.000Z'
    FROM n, (SELECT * FROM usage_events WHERE job_id = :job)
"""  # noqa: S608
#: An event copy's id: the template event's number and the copy's, 8 + 24 hex digits (the copy's job
#: id is ``job_`` and its number as 32 hex digits: found again from the event id by ``_REFS``).
_EVENT_ID = "'evt_' || printf('%08x%024x', e.seq, i)"
_EVENTS = f"""{_COPIES}
    INSERT INTO activity_events (event_id, agent_id, event_json)
    SELECT {_EVENT_ID}, e.agent_id,
           {_JSON.format(json=f"replace(replace(e.event_json, e.event_id, {_EVENT_ID}), :job, 'job_' || printf('%032x', i))")}
    FROM n, (SELECT * FROM activity_events WHERE agent_id = :agent AND seq IN
             (SELECT seq FROM activity_refs WHERE agent_id = :agent AND ref = :job)) e
"""  # noqa: S608, E501
_REFS = """
    INSERT INTO activity_refs (seq, agent_id, ref)
    SELECT seq, agent_id, 'job_00000000' || substr(event_id, 13) FROM activity_events
    WHERE agent_id = :agent AND seq > (SELECT MAX(seq) FROM activity_refs)
"""
_BALANCE = """
    UPDATE balances SET consumed =
        (SELECT COALESCE(SUM(credits), 0) FROM usage_events WHERE agent_id = :agent)
    WHERE agent_id = :agent
"""
_DAILY = """
    INSERT OR REPLACE INTO daily_jobs SELECT agent_id, day, COUNT(*) FROM jobs
    WHERE agent_id = :agent AND counts_toward_daily_cap = 1 GROUP BY day
"""


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
