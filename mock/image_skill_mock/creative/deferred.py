"""Jobs that run in the background (``serve --job-latency-ms N``, N > 0).

A real create or edit is admitted at once (``pipeline.record``: the job ``queued``, its debit and
its place under the daily cap taken in the admission transaction, exactly as a synchronous job's)
with its ``drawing.Work`` kept in the store (``job_work``). The ``Runner`` then moves it, by the
server's clock (``settings.clock``): ``running`` once half the latency has passed, and after the whole
latency it draws the outputs and ends the job in one transaction - ``completed`` with its assets and
activity events, or ``failed`` (an injected provider or storage fault, an undecodable input) with
its error, its debit returned and its daily-cap place released, and ``job.completed`` with status
``failed``. The work row is removed in the ending transaction, so a job ends at most once and never
debits twice; work a crash interrupted (``queued`` or ``running``) is still in the store and is
ended by the next server on the same database (``Runner.pending``, then ``run_due``).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, Final

from image_skill_api.registry import ERRORS, JobStatus
from image_skill_mock.clock import timestamp
from image_skill_mock.creative import drawing, shapes
from image_skill_mock.creative.events import Who, job_events
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.ledger import activity
from image_skill_mock.settings import Settings
from image_skill_mock.store import balances
from image_skill_mock.store import jobs as job_rows
from image_skill_mock.store.assets import NewAsset, insert_asset
from image_skill_mock.store.database import Connection, Storage

#: The longest the runner sleeps between two looks at the clock (seconds).
MAX_POLL_SECONDS: Final = 0.05


def admit(conn: Connection, work: drawing.Work, now: datetime, settings: Settings) -> None:
    """Keep a queued job's work, to run after ``settings.job_latency_ms`` (in the admission transaction)."""
    latency = timedelta(milliseconds=max(settings.job_latency_ms, 0))
    job_rows.insert_work(
        conn,
        job_id=work["job_id"],
        agent_id=work["agent_id"],
        running_at=timestamp(now + latency / 2),
        due_at=timestamp(now + latency),
        work=work,
    )


def _who(work: drawing.Work) -> Who:
    return Who(work["agent_id"], work["verb"], work["trace_id"])


def _ended(job: dict[str, Any], status: str, stamp: str, **changes: Any) -> dict[str, Any]:
    return {**job, "status": status, "updated_at": stamp, "completed_at": stamp, **changes}


class Runner:
    """Moves one server's queued jobs along (a daemon thread once ``start``ed; ``run_due`` by hand)."""

    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.storage, self.settings = storage, settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def pending(self) -> int:
        with self.storage.reading() as conn:
            return job_rows.pending_work(conn)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="image-skill-mock-jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        poll = min(MAX_POLL_SECONDS, max(self.settings.job_latency_ms, 1) / 4000)
        while not self._stop.wait(poll):
            self.run_due()

    def run_due(self) -> int:
        """Start and end what the clock says is due; how many jobs ended."""
        stamp = timestamp(self.settings.clock())
        with self.storage.transaction() as conn:
            for job_id in job_rows.work_to_start(conn, stamp):
                job = job_rows.job_by_id(conn, job_id)
                if job is not None:
                    running = {**job, "status": JobStatus.RUNNING, "updated_at": stamp}
                    job_rows.update_job(conn, running, counts_toward_daily_cap=True)
            due = job_rows.work_due(conn, stamp)
        return sum(self._end(work) for work in due)

    def _end(self, work: drawing.Work) -> bool:
        stamp = timestamp(self.settings.clock())
        try:
            outputs = drawing.outputs(self.storage, work, stamp=stamp)
            if work["fault"] == faults.STORAGE_FAILED:
                raise faults.storage_failed()
        except ApiError as failure:
            return self._fail(work, failure, stamp)
        return self._complete(work, outputs, stamp)

    def _complete(self, work: drawing.Work, outputs: list[NewAsset], stamp: str) -> bool:
        assets = [  # output i's seed: the job's seed + i (as ``drawing.outputs`` drew it)
            {**shapes.asset_object(output.meta, work["base_url"]), "seed_used": work["seed"] + index}
            for index, output in enumerate(outputs)
        ]
        with self.storage.transaction() as conn:
            job = job_rows.job_by_id(conn, work["job_id"])
            if job is None or not job_rows.take_work(conn, work["job_id"]):
                return False  # another runner ended it first
            done = _ended(job, JobStatus.COMPLETED, stamp, assets=assets)
            job_rows.update_job(conn, done, counts_toward_daily_cap=True)
            for output in outputs:
                insert_asset(conn, output)
            for item in job_events(_who(work), done, outputs, work["usage_event_id"], work["debit"]):
                activity.add(conn, item)
        return True

    def _fail(self, work: drawing.Work, failure: ApiError, stamp: str) -> bool:
        spec = ERRORS[failure.code]
        error = {"code": str(failure.code), "message": failure.message, "retryable": spec.retryable}
        with self.storage.transaction() as conn:
            job = job_rows.job_by_id(conn, work["job_id"])
            if job is None or not job_rows.take_work(conn, work["job_id"]):
                return False
            failed = _ended(job, JobStatus.FAILED, stamp, error=error)
            job_rows.update_job(conn, failed, counts_toward_daily_cap=False)
            job_rows.delete_usage_events(conn, work["job_id"])  # failed jobs debit nothing
            balances.rebuild(conn, work["agent_id"])  # so the running totals give the debit back
            for item in job_events(_who(work), failed, [], None, 0):
                activity.add(conn, item)
        return True
