"""The activity a job leaves (written in the transaction that stores the job's end: ``pipeline.record``
for a job that runs at once, ``deferred`` for a queued one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from image_skill_api.registry import ActivityEventType
from image_skill_mock.creative.request import Run
from image_skill_mock.ledger import activity
from image_skill_mock.store.assets import NewAsset


@dataclass(frozen=True)
class Who:
    """Whose job it is, what kind, and the trace of the request that asked for it."""

    agent_id: str
    verb: str
    trace_id: str
    dry_run: bool = False

    @classmethod
    def of(cls, run: Run) -> Who:
        assert run.agent is not None
        return cls(run.agent.agent_id, run.request.verb, run.call.trace_id, run.request.dry_run)


def job_events(
    who: Who, job: dict[str, Any], outputs: list[NewAsset], usage_event_id: str | None, debit: int
) -> list[activity.Event]:
    """The activity a job leaves when it ends: ``job.planned`` for a create dry run; for a real job
    ``job.completed``, one ``asset.created`` per output and ``usage.credit_consumed`` for its debit
    (a failed job: ``job.completed`` with status ``failed`` only)."""
    verb, job_id = who.verb, job["job_id"]
    stamp = job["completed_at"] or job["created_at"]
    common: dict[str, Any] = {"agent_id": who.agent_id, "occurred_at": stamp, "trace_id": who.trace_id}
    if who.dry_run:
        return _planned(job, verb, common)
    asset_ids = [output.meta.asset_id for output in outputs]
    links = {"job_id": job_id, "asset_ids": asset_ids, "usage_event_id": usage_event_id}
    cost = {"estimated_usd": job["cost"]["estimated_usd"], "credits": debit}
    events = [
        activity.event(
            ActivityEventType.JOB_COMPLETED,
            subject_id=job_id,
            operation=verb,
            summary=f"{verb.capitalize()} job {job['status']} with {len(asset_ids)} output(s).",
            status=job["status"],
            links=links,
            cost=cost,
            **common,
        )
    ]
    events += [
        activity.event(
            ActivityEventType.ASSET_CREATED,
            subject_id=asset_id,
            operation=verb,
            summary=f"{verb.capitalize()} job produced an output asset.",
            status="available",
            links=links,
            **common,
        )
        for asset_id in asset_ids
    ]
    if usage_event_id is not None:
        events.append(
            activity.event(
                ActivityEventType.USAGE_CREDIT_CONSUMED,
                subject_id=usage_event_id,
                summary=f"{debit} credit(s) debited for a {verb} job.",
                status="recorded",
                links={"job_id": job_id, "usage_event_id": usage_event_id},
                cost=cost,
                **common,
            )
        )
    return events


def _planned(job: dict[str, Any], verb: str, common: dict[str, Any]) -> list[activity.Event]:
    """A dry run's ``job.planned`` (the registry's is a create dry run's receipt only)."""
    if verb != "create":
        return []
    return [
        activity.event(
            ActivityEventType.JOB_PLANNED,
            subject_id=job["job_id"],
            summary="Create dry run planned; nothing was rendered or debited.",
            status=job["status"],
            links={"job_id": job["job_id"]},
            details={"plan_receipt": job["plan_receipt"]},
            **common,
        )
    ]
