"""image-skill jobs show JOB_ID / jobs wait JOB_ID: a job, or its terminal state.

``wait`` polls until the job is terminal. Completed is success; failed and canceled are not
(exit from the registry: the job's own error code, else ``JOB_FAILED`` / ``JOB_CANCELED``);
running out of time is ``TIMEOUT`` (exit 8) with the command to keep waiting. Each poll may take
only what is left of the wait (``ApiClient.bounded``), so a server that never answers cannot hold
it past ``--timeout-ms`` (plus at most ``MIN_POLL_SECONDS`` for the last poll). A ``planned`` job
(a dry run's plan receipt) never runs: waiting for it is ``JOB_NOT_RUNNABLE`` (exit 2) at once,
pointing at ``jobs show`` (the plan: model, credits) - executing it means rerunning the create
without ``--dry-run``, which only the caller can do (the prompt is never stored or echoed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from image_skill.command_table import LABELS
from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill.validate import positive_int, require
from image_skill_api import operations as ops
from image_skill_api.registry import ERRORS, TERMINAL_JOB_STATUSES, ErrorCode, JobStatus


@dataclass(frozen=True)
class ShowJob:
    job_id: str


@dataclass(frozen=True)
class WaitJob:
    job_id: str
    timeout_ms: int
    interval_ms: int


def parse(opts: Mapping[str, Any]) -> ShowJob | WaitJob:
    job_id = require("JobId", opts["<job_id>"], "jobs")
    if opts["show"]:
        return ShowJob(job_id)
    return WaitJob(
        job_id,
        timeout_ms=positive_int(opts["--timeout-ms"], "--timeout-ms", "jobs"),
        interval_ms=positive_int(opts["--poll-interval-ms"], "--poll-interval-ms", "jobs"),
    )


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS["getJob"].command if opts["show"] else LABELS["jobs wait"]


def run(ctx: Context, opts: ShowJob | WaitJob) -> dict[str, Any]:
    if isinstance(opts, WaitJob):
        return wait(ctx, opts)
    return mirrored(relabel(ops.get_job(ctx.client, opts.job_id), ctx.command))


def mirrored(envelope: dict[str, Any], **request: int) -> dict[str, Any]:
    """``status``, ``state``, ``assets`` and ``cost`` on top of ``data`` as ``job`` has them (an older
    server sends ``job`` only), and ``request`` with ``wait``'s own values added."""
    data = envelope.get("data")
    job = data.get("job") if isinstance(data, dict) else None
    if isinstance(data, dict) and isinstance(job, dict):
        data["request"] = {**(data.get("request") or {"job_id": job.get("job_id")}), **request}
        data.setdefault("status", job.get("status"))
        data.setdefault("state", job.get("status"))
        data.setdefault("assets", job.get("assets", []))
        data.setdefault("cost", job.get("cost"))
    return envelope


#: The least time one poll gets, even at the deadline (the last poll after sleeping up to it).
MIN_POLL_SECONDS = 0.25


def wait(ctx: Context, opts: WaitJob) -> dict[str, Any]:
    deadline = ctx.monotonic() + opts.timeout_ms / 1000
    while True:
        envelope = _poll(ctx, opts, max(deadline - ctx.monotonic(), MIN_POLL_SECONDS))
        job = envelope["data"]["job"]
        if job["status"] == JobStatus.PLANNED:
            raise CliError(
                ErrorCode.JOB_NOT_RUNNABLE,
                f"Job {opts.job_id} is a dry-run plan (status planned): it never runs, so there is nothing"
                " to wait for. `jobs show` has its plan receipt; to execute it, rerun your create command"
                " without --dry-run.",
                recovery={"suggested_command": f"image-skill jobs show {opts.job_id} --json"},
            )
        if job["status"] in TERMINAL_JOB_STATUSES:
            if job["status"] == JobStatus.COMPLETED:
                waited = {"timeout_ms": opts.timeout_ms, "poll_interval_ms": opts.interval_ms}
                return mirrored(relabel(envelope, ctx.command), **waited)
            raise _job_failure(job)
        remaining = deadline - ctx.monotonic()
        if remaining <= 0:
            raise _timed_out(opts, f"is still {job['status']}")
        ctx.hint(f"job {opts.job_id}: {job['status']}")
        ctx.sleep(min(opts.interval_ms / 1000, remaining))


def _poll(ctx: Context, opts: WaitJob, seconds: float) -> Any:
    """One ``get_job`` that may take at most ``seconds`` (what is left of the wait): a poll the API
    does not answer in time ends the wait with its TIMEOUT, never the transport's longer one."""
    try:
        with ctx.client.bounded(seconds):
            return ops.get_job(ctx.client, opts.job_id)
    except CliError as exc:
        if exc.code is ErrorCode.TIMEOUT:
            raise _timed_out(opts, "was not reported by the API in time") from None
        raise


def _timed_out(opts: WaitJob, state: str) -> CliError:
    again = f"image-skill jobs wait {opts.job_id} --timeout-ms {opts.timeout_ms} --json"
    return CliError(
        ErrorCode.TIMEOUT,
        f"Job {opts.job_id} {state} after {opts.timeout_ms} ms.",
        recovery={"suggested_command": again, "retry_after_seconds": max(1, opts.interval_ms // 1000)},
    )


def _job_failure(job: dict[str, Any]) -> CliError:
    if job["status"] == JobStatus.CANCELED:
        return CliError(ErrorCode.JOB_CANCELED, f"Job {job['job_id']} was canceled.")
    error = job.get("error") or {}
    code = error.get("code")
    if code not in ERRORS:
        code = ErrorCode.JOB_FAILED
    return CliError(
        ErrorCode(code), f"Job {job['job_id']} failed: {error.get('message') or 'no reason given'}."
    )
