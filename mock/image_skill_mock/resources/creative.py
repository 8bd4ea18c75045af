"""POST /v1/create: model selection, guards, dry-run plans and real (rendered) jobs.

Every refusal happens before a job row exists. A real job is stored ``completed`` together
with its assets and its credit debit in one transaction (``Storage.record_job``), so a debit
never exists without its job; the daily cap and the balance are enforced inside that
transaction (the checks before it only spare rendering a job that is sure to be refused), and
the ``quota`` a response reports is the balance that transaction left. The prompt is never
echoed in any message.

A dry run needs no token (the operation's security allows anonymous calls): it is validated,
selected and priced like any other, but nothing is stored, so ``job_id`` and ``job`` are null,
``quota.remaining_credits`` is null and the actor is null. With a token it stores the planned
job. A real create without a token is ``AUTH_REQUIRED``.

Documented mock rules:
- a prompt containing ``[policy-test:deny]`` is refused with ``CONTENT_POLICY_DENIED``;
- unknown-cost models are priced after execution at ``UNKNOWN_COST_USD_PER_MEGAPIXEL``;
- the seed of output ``i`` is ``model_parameters.seed`` (default 0) plus ``i``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from image_skill_api.registry import MOCK_MEDIA_PATH, ErrorCode
from image_skill_mock import catalog, ids, pricing, validation
from image_skill_mock.envelope import ApiError
from image_skill_mock.render import render_png
from image_skill_mock.resources.quota import balance, day_of
from image_skill_mock.state import Call, timestamp
from image_skill_mock.storage import (
    Agent,
    DailyJobLimitReached,
    InsufficientCredits,
    NewAsset,
    StoredAsset,
)

POLICY_DENY_MARKER = "[policy-test:deny]"
MODELS_COMMAND = "image-skill models list --available --operation image.generate --json"
CREDITS_COMMAND = "image-skill credits methods --json"


def _usd(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _select(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """(model, policy defaults to apply, policy, reason)."""
    budget = _usd(body.get("max_estimated_usd_per_image"))
    if "model" in body:
        model = catalog.get_model(body["model"])
        if model is None:
            raise ApiError(
                ErrorCode.NOT_FOUND, "No model has this id.", recovery={"suggested_command": MODELS_COMMAND}
            )
        if model["operation"] != "image.generate":
            raise ApiError(
                ErrorCode.CAPABILITY_DENIED,
                f"{model['id']} is an edit model; create needs an image.generate model.",
                recovery={"suggested_command": MODELS_COMMAND},
            )
        if not catalog.is_executable(model):
            raise ApiError(
                ErrorCode.CAPABILITY_DENIED,
                f"{model['id']} is cataloged but not executable yet.",
                recovery={"suggested_command": MODELS_COMMAND},
            )
        return model, {}, "explicit_model", "The request named this model."
    candidates = [
        m for m in catalog.MODELS if catalog.is_executable(m) and m["operation"] == "image.generate"
    ]
    if "provider" in body:
        priced = [
            (price, m)
            for m in candidates
            if m["provider"] == body["provider"]
            and (price := _usd(m["economics"]["estimated_usd_per_image"])) is not None
            and (budget is None or price <= budget)
        ]
        if not priced:
            raise ApiError(
                ErrorCode.BUDGET_EXCEEDED, "No executable model of this provider fits the per-image budget."
            )
        price, model = max(priced, key=lambda pm: pm[0])
        return model, {}, "explicit_provider", "The strongest executable model of the provider within budget."
    default = catalog.get_model(catalog.HOSTED_DEFAULT_MODEL_ID)
    assert default is not None
    for tier in sorted(default["pricing"]["tiers"], key=lambda t: -t["usd_per_image"]):
        if budget is None or Decimal(str(tier["usd_per_image"])) <= budget:
            reason = f"Quality-first hosted default at resolution {tier['value']}."
            return default, {tier["parameter"]: tier["value"]}, catalog.HOSTED_DEFAULT_POLICY, reason
    priced = [
        (price, m)
        for m in candidates
        if (price := _usd(m["economics"]["estimated_usd_per_image"])) is not None
        and budget is not None
        and price <= budget
    ]
    if not priced:
        raise ApiError(ErrorCode.BUDGET_EXCEEDED, "No executable create model fits the per-image budget.")
    price, model = min(priced, key=lambda pm: pm[0])
    return (
        model,
        {},
        catalog.HOSTED_DEFAULT_POLICY,
        "The cheapest known-price executable model within budget.",
    )


def _check_parameters(model: dict[str, Any], params: dict[str, Any]) -> None:
    cataloged = set(model["model_parameters"]["cataloged_keys"])
    for key in params:
        if key in cataloged:
            raise ApiError(
                ErrorCode.CAPABILITY_DENIED,
                f"model_parameters.{key} is cataloged for {model['id']} but not executable yet.",
                recovery={"suggested_command": f"image-skill models show {model['id']} --json"},
            )
    error = validation.check_instance(model["model_parameters"]["schema"], params)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        key = where or (next(iter(set(params) - set(model["model_parameters"]["executable_keys"])), "") or "")
        raise ApiError(
            ErrorCode.MODEL_PARAMETERS_INVALID,
            f"model_parameters.{key} is not accepted by {model['id']} ({error.validator}).",
            recovery={"suggested_command": f"image-skill models show {model['id']} --json"},
        )


def _check_request(
    call: Call, model: dict[str, Any], body: dict[str, Any], aspect_ratio: str, count: int
) -> None:
    output = model["media"]["output"]
    if count > output["max_outputs_per_request"]:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} returns at most {output['max_outputs_per_request']} outputs per request.",
        )
    if aspect_ratio not in output["aspect_ratios"]:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} supports aspect ratios {', '.join(output['aspect_ratios'])}.",
        )
    references = body.get("references") or []
    if references and not model["references"]["supported"]:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} does not take reference images on create."
        )
    for reference in references:
        # An anonymous caller owns no assets.
        if call.agent is None or call.storage.asset(call.agent.agent_id, reference["asset_id"]) is None:
            raise ApiError(ErrorCode.NOT_FOUND, "A reference asset was not found.")


def asset_object(meta: StoredAsset, base_url: str) -> dict[str, Any]:
    url = f"{base_url}{MOCK_MEDIA_PATH}{meta.asset_id}.{meta.extension}"
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


def _daily_limit_exceeded(limit: int, retry_after_seconds: int) -> ApiError:
    return ApiError(
        ErrorCode.DAILY_JOB_LIMIT_EXCEEDED,
        f"The daily limit of {limit} jobs is reached; it resets at UTC midnight.",
        recovery={"retry_after_seconds": retry_after_seconds, "suggested_command": CREDITS_COMMAND},
    )


def _quota_exceeded(message: str) -> ApiError:
    return ApiError(ErrorCode.QUOTA_EXCEEDED, message, recovery={"suggested_command": CREDITS_COMMAND})


def create_image(call: Call) -> dict[str, Any]:
    body = call.body or {}
    dry_run = bool(body.get("dry_run"))
    agent: Agent | None = call.agent
    if agent is None and not dry_run:
        raise ApiError(ErrorCode.AUTH_REQUIRED, "Creating images needs an agent token (a dry run does not).")
    now = call.now()
    if POLICY_DENY_MARKER in body["prompt"]:
        raise ApiError(ErrorCode.CONTENT_POLICY_DENIED, "The prompt was refused by the content policy.")
    model, policy_defaults, policy, reason = _select(body)
    requested = dict(body.get("model_parameters") or {})
    _check_parameters(model, requested)
    applied = {k: v for k, v in policy_defaults.items() if k not in requested}
    params = {**applied, **requested}
    count = int(body.get("output_count", 1))
    aspect_ratio = body.get("aspect_ratio", "1:1")
    _check_request(call, model, body, aspect_ratio, count)

    width, height, resolution_class = catalog.output_size(model, aspect_ratio, params)
    usd = catalog.estimate_usd_per_image(model, params, width, height)
    budget = _usd(body.get("max_estimated_usd_per_image"))
    if usd is not None and budget is not None and usd > budget:
        raise ApiError(
            ErrorCode.BUDGET_EXCEEDED, f"The estimated USD {usd} per image is above the per-image budget."
        )
    if usd is None and not body.get("accept_unknown_cost"):
        raise ApiError(
            ErrorCode.BUDGET_REQUIRES_CONFIRMATION, f"{model['id']} has no price before execution."
        )
    confidence = model["pricing"]["confidence"] if usd is not None else "unknown"
    charged_usd = usd if usd is not None else pricing.usage_usd(width, height)
    cost_pricing = pricing.credit_pricing(usd if dry_run else charged_usd, count, confidence=confidence)
    credits = cost_pricing["credits_required"] or 0

    b = balance(call.storage, agent, now) if agent is not None else None
    if b is not None and not dry_run:
        # Early refusals that spare the rendering; record_job enforces both inside its transaction.
        if b.jobs_remaining == 0:
            raise _daily_limit_exceeded(b.job_limit, b.seconds_until_reset(now))
        if credits > b.remaining:
            raise _quota_exceeded(f"This job needs {credits} credits; {b.remaining} remain.")

    job_id = ids.new_id("JobId")
    stamp = timestamp(now)
    seed = int(params.get("seed", 0))
    new_assets = []
    if agent is not None and not dry_run:
        for index in range(count):
            data = render_png(prompt=body["prompt"], seed=seed + index, width=width, height=height)
            meta = StoredAsset(
                asset_id=ids.new_asset_id(),
                agent_id=agent.agent_id,
                job_id=job_id,
                kind="generated",
                mime_type="image/png",
                extension="png",
                width=width,
                height=height,
                sha256=hashlib.sha256(data).hexdigest(),
                content_length=len(data),
                created_at=stamp,
            )
            new_assets.append(NewAsset(meta, data))
    plan = {
        "model_id": model["id"],
        "capability_id": model["capability_id"],
        "planned_outputs": [
            {"index": i, "width": width, "height": height, "mime_type": "image/png"} for i in range(count)
        ],
        "credits_required": cost_pricing["credits_required"],
        "accepted_parameter_keys": sorted(params),
    }
    cost = {
        "estimated_usd": cost_pricing["estimated_provider_cost_usd"],
        "credit_pricing": cost_pricing,
    }
    job = {
        "job_id": job_id,
        "status": "planned" if dry_run else "completed",
        "operation": "create",
        "trace_id": call.trace_id,
        "created_at": stamp,
        "updated_at": stamp,
        "completed_at": None if dry_run else stamp,
        "capability": {"id": model["capability_id"]},
        "cost": cost,
        "safety": {"status": "allowed"},
        "assets": [asset_object(a.meta, call.base_url) for a in new_assets],
        "dry_run": dry_run,
        "plan_receipt": plan if dry_run else None,
        "error": None,
    }
    usage_event_id = None if dry_run or not credits else ids.new_id("UsageEventId")
    remaining: int | None = None
    if agent is not None and b is not None:
        try:
            remaining = call.storage.record_job(
                agent=agent,
                job=job,
                day=day_of(now),
                counts_toward_daily_cap=not dry_run,
                debit=0 if dry_run else credits,
                usage_event_id=usage_event_id,
                assets=new_assets,
            )
        except DailyJobLimitReached:
            raise _daily_limit_exceeded(b.job_limit, b.seconds_until_reset(now)) from None
        except InsufficientCredits:
            raise _quota_exceeded("Not enough credits remain for this job.") from None
    stored = agent is not None
    consumed = 0 if dry_run else credits
    selection = {
        "policy": policy,
        "reason": reason,
        "intent": body.get("intent"),
        "model_id": model["id"],
        "capability": {"id": model["capability_id"]},
        "model_parameters": {
            "keys": sorted(params),
            "defaults_applied": [f"{k}={v}" for k, v in applied.items()],
            "source": (
                "request_and_default_policy"
                if applied and requested
                else "default_policy"
                if applied
                else "request"
                if requested
                else "none"
            ),
        },
        "output": {
            "resolution_class": resolution_class,
            "expected_width": width,
            "expected_height": height,
            "expected_min_short_edge": min(width, height),
        },
    }
    return {
        "job_id": job_id if stored else None,
        "status": job["status"],
        "dry_run": dry_run,
        "capability": job["capability"],
        "assets": job["assets"],
        "cost": cost,
        "request": {"output_count": count, "aspect_ratio": aspect_ratio, "selection": selection},
        "safety": job["safety"],
        "quota": {
            "consumed_credits": consumed,
            "remaining_credits": remaining,
            "usage_event_id": usage_event_id,
        },
        "plan_receipt": job["plan_receipt"],
        "job": job if stored else None,
    }


HANDLERS = {"createImage": create_image}
