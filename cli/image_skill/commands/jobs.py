"""image-skill jobs show JOB_ID / jobs wait JOB_ID: a job, or its terminal state.

``wait`` polls until the job is terminal. Completed is success; failed and canceled are not
(exit from the registry: the job's own error code, else ``JOB_FAILED`` / ``JOB_CANCELED``);
running out of time is ``TIMEOUT`` (exit 8) with the command to keep waiting. A ``planned`` job
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
    return relabel(ops.get_job(ctx.client, opts.job_id), ctx.command)


def wait(ctx: Context, opts: WaitJob) -> dict[str, Any]:
    deadline = ctx.monotonic() + opts.timeout_ms / 1000
    while True:
        envelope = ops.get_job(ctx.client, opts.job_id)
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
                return relabel(envelope, ctx.command)
            raise _job_failure(job)
        remaining = deadline - ctx.monotonic()
        if remaining <= 0:
            again = f"image-skill jobs wait {opts.job_id} --timeout-ms {opts.timeout_ms} --json"
            raise CliError(
                ErrorCode.TIMEOUT,
                f"Job {opts.job_id} is still {job['status']} after {opts.timeout_ms} ms.",
                recovery={
                    "suggested_command": again,
                    "retry_after_seconds": max(1, opts.interval_ms // 1000),
                },
            )
        ctx.hint(f"job {opts.job_id}: {job['status']}")
        ctx.sleep(min(opts.interval_ms / 1000, remaining))


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
