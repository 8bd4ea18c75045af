"""The response objects several resources return, built in one place each (the spec's schemas).

``asset_object`` (``Asset``), ``input_asset`` (``InputAsset``), ``job`` (``Job``), ``plan_receipt``
(``PlanReceipt``), ``selection`` (``Selection``), ``cost`` (``Cost``), ``job_quota``
(``JobQuota``), ``creative_data`` (``CreativeData``, create's and edit's answer). The ledger's
own views (``QuotaData``) are ``ledger.credits``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill_api.registry import MOCK_MEDIA_PATH, JobStatus
from image_skill_mock.creative.selection import Choice, Parameters
from image_skill_mock.store.assets import StoredAsset

#: Every output the mock renders is a PNG.
OUTPUT_MIME_TYPE = "image/png"


def media_url(base_url: str, asset_id: str, extension: str) -> str:
    """The capability URL the mock serves an asset's bytes at (no auth: the URL is the capability)."""
    return f"{base_url}{MOCK_MEDIA_PATH}{asset_id}.{extension}"


def asset_object(meta: StoredAsset, base_url: str) -> dict[str, Any]:
    url = media_url(base_url, meta.asset_id, meta.extension)
    return {
        "asset_id": meta.asset_id,
        "job_id": meta.job_id,
        "kind": meta.kind,
        "path": url,
        "url": url,
        "mime_type": meta.mime_type,
        "content_length": meta.content_length,
        "width": meta.width,
        "height": meta.height,
        "sha256": meta.sha256,
        "created_at": meta.created_at,
    }


def input_asset(role: str, meta: StoredAsset) -> dict[str, Any]:
    """``InputAsset``: an asset a create or edit read, in its ``role`` (input, mask or reference)."""
    return {
        "role": role,
        "asset_id": meta.asset_id,
        "mime_type": meta.mime_type,
        "width": meta.width,
        "height": meta.height,
    }


def cost(credit_pricing: dict[str, Any]) -> dict[str, Any]:
    return {"estimated_usd": credit_pricing["estimated_provider_cost_usd"], "credit_pricing": credit_pricing}


def plan_receipt(
    model: Mapping[str, Any],
    *,
    width: int,
    height: int,
    count: int,
    credits_required: int | None,
    parameters: Parameters,
) -> dict[str, Any]:
    return {
        "model_id": model["id"],
        "capability_id": model["capability_id"],
        "planned_outputs": [
            {"index": i, "width": width, "height": height, "mime_type": OUTPUT_MIME_TYPE}
            for i in range(count)
        ],
        "credits_required": credits_required,
        "accepted_parameter_keys": sorted(parameters.effective),
    }


def job(
    *,
    job_id: str,
    verb: str,
    trace_id: str,
    stamp: str,
    capability_id: str,
    cost: dict[str, Any],
    assets: list[dict[str, Any]],
    plan: dict[str, Any] | None,
    queued: bool = False,
) -> dict[str, Any]:
    """A job as stored and served: ``planned`` when it carries a plan (a dry run), ``queued`` when it
    runs in the background, else ``completed``."""
    dry_run = plan is not None
    status = JobStatus.PLANNED if dry_run else JobStatus.QUEUED if queued else JobStatus.COMPLETED
    return {
        "job_id": job_id,
        "status": status,
        "operation": verb,
        "trace_id": trace_id,
        "created_at": stamp,
        "updated_at": stamp,
        "completed_at": None if dry_run or queued else stamp,
        "capability": {"id": capability_id},
        "cost": cost,
        "safety": {"status": "allowed"},
        "assets": assets,
        "dry_run": dry_run,
        "plan_receipt": plan,
        "error": None,
    }


def selection(
    choice: Choice,
    parameters: Parameters,
    *,
    intent: str | None,
    width: int,
    height: int,
    resolution_class: str,
) -> dict[str, Any]:
    model = choice.model
    return {
        "policy": choice.policy,
        "reason": choice.reason,
        "intent": intent,
        "model_id": model["id"],
        "capability": {"id": model["capability_id"]},
        "model_parameters": {
            "keys": sorted(parameters.effective),
            "defaults_applied": [f"{k}={v}" for k, v in parameters.applied.items()],
            "source": parameters.source,
        },
        "output": {
            "resolution_class": resolution_class,
            "expected_width": width,
            "expected_height": height,
            "expected_min_short_edge": min(width, height),
        },
        "lifecycle_redirect": choice.redirect,
    }


def job_quota(consumed: int, balance: dict[str, Any] | None, usage_event_id: str | None) -> dict[str, Any]:
    """``JobQuota``: the debit and the balance after it (``ledger.credits.spendable``; else nulls)."""
    left = balance or {}
    return {
        "consumed_credits": consumed,
        "remaining_credits": left.get("remaining_credits"),
        "payment_backed_remaining_credits": left.get("payment_backed_remaining_credits"),
        "total_remaining_credits": left.get("total_remaining_credits"),
        "usage_event_id": usage_event_id,
    }


def creative_data(
    job: dict[str, Any],
    *,
    stored: bool,
    output_count: int,
    aspect_ratio: str,
    selection: dict[str, Any],
    quota: dict[str, Any],
    input_assets: list[dict[str, Any]],
) -> dict[str, Any]:
    """Create's (and edit's) answer; ``job_id`` and ``job`` are null when nothing was stored."""
    return {
        "job_id": job["job_id"] if stored else None,
        "status": job["status"],
        "dry_run": job["dry_run"],
        "capability": job["capability"],
        "assets": job["assets"],
        "input_assets": input_assets,
        "cost": job["cost"],
        "request": {"output_count": output_count, "aspect_ratio": aspect_ratio, "selection": selection},
        "safety": job["safety"],
        "quota": quota,
        "plan_receipt": job["plan_receipt"],
        "job": job if stored else None,
    }
