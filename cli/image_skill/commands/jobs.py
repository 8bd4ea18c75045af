"""image-skill jobs show JOB_ID / jobs wait JOB_ID: a job, or its terminal state.

``wait`` polls until the job is terminal. Completed is success; failed and canceled are not
(exit from the registry: the job's own error code, else ``JOB_FAILED`` / ``JOB_CANCELED``);
running out of time is ``TIMEOUT`` (exit 8) with the command to keep waiting. A ``planned`` job
(a dry run's plan receipt) never runs: waiting for it is ``JOB_NOT_RUNNABLE`` (exit 2) at once,
pointing at ``jobs show`` (the plan: model, credits) - executing it means rerunning the create
without ``--dry-run``, which only the caller can do (the prompt is never stored or echoed).
"""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill.validate import positive_int, require
from image_skill_api import operations as ops
from image_skill_api.registry import ERRORS, TERMINAL_JOB_STATUSES, ErrorCode, JobStatus

USAGE = """
Usage:
  image-skill jobs show <job_id> [options]
  image-skill jobs wait <job_id> [--timeout-ms=MS] [--poll-interval-ms=MS] [options]

Options:
  --timeout-ms=MS        Give up after this many milliseconds [default: 120000].
  --poll-interval-ms=MS  Milliseconds between polls [default: 1000].
"""


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


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    job_id = require(ctx, "JobId", opts["<job_id>"], "jobs")
    if opts["show"]:
        ctx.command = "image-skill jobs show"
        return relabel(ops.get_job(ctx.client, job_id), ctx.command)
    ctx.command = "image-skill jobs wait"
    timeout_ms = positive_int(ctx, opts["--timeout-ms"], "--timeout-ms", "jobs")
    interval_ms = positive_int(ctx, opts["--poll-interval-ms"], "--poll-interval-ms", "jobs")
    ctx.require_token()
    deadline = ctx.monotonic() + timeout_ms / 1000
    while True:
        envelope = ops.get_job(ctx.client, job_id)
        job = envelope["data"]["job"]
        if job["status"] == JobStatus.PLANNED:
            raise CliError(
                ErrorCode.JOB_NOT_RUNNABLE,
                f"Job {job_id} is a dry-run plan (status planned): it never runs, so there is nothing to"
                " wait for. `jobs show` has its plan receipt; to execute it, rerun your create command"
                " without --dry-run.",
                recovery={"suggested_command": ctx.with_base_url(f"image-skill jobs show {job_id} --json")},
            )
        if job["status"] in TERMINAL_JOB_STATUSES:
            if job["status"] == JobStatus.COMPLETED:
                return relabel(envelope, ctx.command)
            raise _job_failure(job)
        remaining = deadline - ctx.monotonic()
        if remaining <= 0:
            again = ctx.with_base_url(f"image-skill jobs wait {job_id} --timeout-ms {timeout_ms} --json")
            raise CliError(
                ErrorCode.TIMEOUT,
                f"Job {job_id} is still {job['status']} after {timeout_ms} ms.",
                recovery={"suggested_command": again, "retry_after_seconds": max(1, interval_ms // 1000)},
            )
        ctx.hint(f"job {job_id}: {job['status']}")
        ctx.sleep(min(interval_ms / 1000, remaining))
