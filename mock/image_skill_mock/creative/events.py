"""The activity a job leaves (written by ``pipeline.record`` in the job's own transaction)."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import ActivityEventType
from image_skill_mock.creative.request import Run
from image_skill_mock.ledger import activity
from image_skill_mock.store.assets import NewAsset


def job_events(
    run: Run, job: dict[str, Any], outputs: list[NewAsset], usage_event_id: str | None, debit: int
) -> list[activity.Event]:
    """The activity a job leaves: ``job.planned`` for a create dry run; for a real job
    ``job.completed``, one ``asset.created`` per output and ``usage.credit_consumed`` for its debit."""
    assert run.agent is not None
    verb, job_id, stamp = run.request.verb, job["job_id"], job["created_at"]
    common: dict[str, Any] = {
        "agent_id": run.agent.agent_id,
        "occurred_at": stamp,
        "trace_id": run.call.trace_id,
    }
    if run.request.dry_run:
        return _planned(job, verb, common)
    asset_ids = [output.meta.asset_id for output in outputs]
    links = {"job_id": job_id, "asset_ids": asset_ids, "usage_event_id": usage_event_id}
    cost = {"estimated_usd": job["cost"]["estimated_usd"], "credits": debit}
    events = [
        activity.event(
            ActivityEventType.JOB_COMPLETED,
            subject_id=job_id,
            operation=verb,
            summary=f"{verb.capitalize()} job completed with {len(asset_ids)} output(s).",
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
