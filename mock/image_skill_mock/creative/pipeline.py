"""The creative pipeline: one request (create; an edit is the same with input assets) to one job.

``run`` passes a ``CreativeRequest`` through named steps, each of which may refuse:

    authorize -> screen -> plan (select -> check_parameters -> check_request -> check_inputs -> price)
    -> check_quota -> render -> describe -> record -> respond

An edit is a ``CreativeRequest`` (``request``) with ``verb="edit"``, ``operation=catalog.EDIT`` and
its input and mask in ``inputs`` (``check_inputs`` proves they are the caller's); ``render`` is where
its output is drawn from the input (and where injected provider faults fire), ``record`` is where
a job's activity events (``events``) are written, in the same transaction as the job.

Every refusal happens before a job row exists. A real job is stored ``completed`` together with
its assets and its credit debit in one transaction (``record``: the ledger's ``admit_job`` check on
the totals read in that transaction, then the job, its assets, its debit, its events and its
idempotency key, in order), so a debit never exists without its job; the daily cap and the balance
are enforced inside that transaction (``check_quota`` only spares rendering a job that is sure to
be refused), and the ``quota`` a response reports is the balance that transaction left.

A dry run needs no token: it is validated, selected and priced like any other, but nothing is
stored, so ``job_id``, ``job`` and the balance in ``quota`` are null (and the actor). With a
token it stores the planned job. A real request without a token is ``AUTH_REQUIRED``.

Documented mock rules:
- a prompt containing ``POLICY_DENY_MARKER`` is refused with ``CONTENT_POLICY_DENIED``;
- unknown-cost models are priced after execution at ``pricing.UNKNOWN_COST_USD_PER_MEGAPIXEL``;
- the seed of output ``i`` is ``model_parameters.seed`` (when none is given, the mock draws 0) plus
  ``i``; every output says which in ``seed_used``.
The prompt is never echoed in any message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import defects, ids, suggested
from image_skill_mock.clock import timestamp
from image_skill_mock.creative import (
    catalog,
    deferred,
    drawing,
    idempotency,
    pricing,
    references,
    selection,
    shapes,
)
from image_skill_mock.creative.events import Who, job_events
from image_skill_mock.creative.request import CreativeRequest, Plan, Price, Run
from image_skill_mock.creative.selection import Choice, Parameters
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.http.auth import auth_required
from image_skill_mock.http.call import Call
from image_skill_mock.ledger import activity
from image_skill_mock.ledger import credits as ledger
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.assets import NewAsset, insert_asset
from image_skill_mock.store.jobs import insert_job

POLICY_DENY_MARKER: Final = "[policy-test:deny]"


# ------------------------------------------------------------------------ refusals
def _daily_limit_exceeded(agent: Agent, now: datetime) -> ApiError:
    retry_after = ledger.seconds_until_reset(now)
    return ApiError(
        ErrorCode.DAILY_JOB_LIMIT_EXCEEDED,
        f"The daily limit of {agent.daily_job_limit} jobs is reached; it resets at UTC midnight.",
        recovery={"retry_after_seconds": retry_after, "suggested_command": suggested.CREDITS_METHODS},
    )


def _quota_exceeded(message: str) -> ApiError:
    return ApiError(
        ErrorCode.QUOTA_EXCEEDED, message, recovery={"suggested_command": suggested.CREDITS_METHODS}
    )


# --------------------------------------------------------------------------- steps
def authorize(call: Call, request: CreativeRequest) -> Run:
    """The caller: an agent, or nobody for a dry run (anything else needs a token)."""
    if call.agent is None and not request.dry_run:
        raise auth_required("Creating images needs an agent token (a dry run does not).")
    return Run(call, request, call.agent, call.now())


def screen(run: Run) -> None:
    """The content policy (the mock's rule: the deny marker in the prompt)."""
    if POLICY_DENY_MARKER in run.request.prompt:
        raise ApiError(ErrorCode.CONTENT_POLICY_DENIED, "The prompt was refused by the content policy.")


def select(run: Run) -> Choice:
    request = run.request
    return selection.select(
        request.operation,
        model_id=request.model_id,
        provider=request.provider,
        budget=request.budget,
        needs=request.needs,
    )


def check_request(run: Run, model: dict[str, Any]) -> None:
    """What the model can do: output count, aspect ratio, references."""
    request = run.request
    selection.check_output_count(model, request.output_count)
    selection.check_aspect_ratio(model, request.aspect_ratio)
    selection.check_references_supported(model, request.references, request.verb)
    selection.check_mask_supported(model, request.mask is not None)
    references.check_shape(model, request.references, request.verb)


def _owned(run: Run, asset_id: str) -> bool:
    return run.agent is not None and run.call.storage.asset(run.agent.agent_id, asset_id) is not None


def check_inputs(run: Run) -> None:
    """Every asset the job reads belongs to the caller (an anonymous caller owns none)."""
    if not all(_owned(run, reference["asset_id"]) for reference in run.request.references):
        raise ApiError(ErrorCode.NOT_FOUND, "A reference asset was not found.")
    if not all(_owned(run, asset_id) for asset_id in run.request.inputs):
        raise ApiError(ErrorCode.NOT_FOUND, "An input asset was not found.")
    for position, reference in enumerate(run.request.references):
        stored = run.call.storage.asset(run.agent.agent_id, reference["asset_id"]) if run.agent else None
        assert stored is not None, "proven owned above"
        references.check_media(position, stored)


def _source_size(run: Run) -> tuple[int, int] | None:
    """The edit input's width and height (what ``aspect_ratio: auto`` keeps), else None."""
    if run.request.verb != "edit" or run.agent is None:
        return None
    stored = run.call.storage.asset(run.agent.agent_id, run.request.inputs[0])
    if stored is None or not stored.width or not stored.height:
        return None
    return stored.width, stored.height


def price(run: Run, model: dict[str, Any], parameters: Parameters) -> Price:
    """Output size and cost; refuses what is over budget, or unknown-cost without confirmation."""
    request, effective = run.request, parameters.effective
    source = _source_size(run)
    width, height, resolution_class = catalog.output_size(
        model, request.aspect_ratio, effective, source=source
    )
    estimate = catalog.estimate_usd_per_image(model, effective, width, height)
    selection.check_budget(estimate, request.budget)
    selection.check_unknown_cost(model, estimate, request.accept_unknown_cost)
    confidence = model["pricing"]["confidence"] if estimate is not None else "unknown"
    # A real job with no price before execution is charged from its usage (the output's size).
    charged = estimate if estimate is not None or request.dry_run else pricing.usage_usd(width, height)
    credit_pricing = pricing.credit_pricing(charged, request.output_count, confidence=confidence)
    return Price(width, height, resolution_class, estimate, credit_pricing)


def plan(run: Run) -> Plan:
    """Select the model, then check the request against it and price it."""
    references.provider_native_key(run.request.parameters, run.request.verb, run.call.operation.command)
    choice = select(run)
    parameters = selection.check_parameters(choice, run.request.parameters)
    check_request(run, choice.model)
    check_inputs(run)
    return Plan(choice, parameters, price(run, choice.model, parameters))


def check_quota(run: Run, planned: Plan) -> None:
    """Early refusals that spare the rendering; ``record`` enforces both inside its transaction."""
    if run.agent is None or not run.executes:
        return
    balance = ledger.balance(run.call.storage, run.agent, run.now)
    if balance.jobs_remaining == 0:
        raise _daily_limit_exceeded(run.agent, run.now)
    if planned.price.credits > balance.remaining:
        raise _quota_exceeded(f"This job needs {planned.price.credits} credits; {balance.remaining} remain.")


def render(run: Run, planned: Plan, *, job_id: str, stamp: str) -> list[NewAsset]:
    """The outputs of a real job (none for a dry run): the provider call, where provider faults fire."""
    if run.agent is None or not run.executes:
        return []
    return drawing.outputs(run.call.storage, drawing.work_of(run, planned, job_id), stamp=stamp)


def seed_of(planned: Plan, index: int) -> int:
    """Output ``index``'s seed: the given ``model_parameters.seed`` (else the mock's draw, 0) + ``index``
    (``drawing.outputs`` draws with the same rule)."""
    return int(planned.parameters.effective.get("seed", 0)) + index


def describe(
    run: Run, planned: Plan, outputs: list[NewAsset], *, job_id: str, stamp: str, queued: bool = False
) -> dict[str, Any]:
    """The job as stored and served: completed with its outputs, planned with its receipt, or
    ``queued`` (admitted, to run in the background: ``deferred``)."""
    model, cost = planned.model, planned.price
    receipt = shapes.plan_receipt(
        model,
        width=cost.width,
        height=cost.height,
        count=run.request.output_count,
        credits_required=cost.credit_pricing["credits_required"],
        parameters=planned.parameters,
    )
    return shapes.job(
        job_id=job_id,
        verb=run.request.verb,
        trace_id=run.call.trace_id,
        stamp=stamp,
        capability_id=model["capability_id"],
        cost=shapes.cost(cost.credit_pricing),
        assets=[
            {**shapes.asset_object(output.meta, run.call.base_url), "seed_used": seed_of(planned, index)}
            for index, output in enumerate(outputs)
        ],
        plan=receipt if run.request.dry_run else None,
        queued=queued,
    )


def record(
    run: Run, job: dict[str, Any], outputs: list[NewAsset], *, debit: int, work: drawing.Work | None = None
) -> dict[str, Any]:
    """Store the job, its outputs and its debit at once (nothing for an anonymous dry run); its quota.
    A queued job (``work``) stores its work instead of outputs, and its events when it ends."""
    usage_event_id = ids.new_id("UsageEventId") if debit else None
    if run.agent is None:
        return shapes.job_quota(debit, None, usage_event_id)
    agent_id, counts, day = run.agent.agent_id, not run.request.dry_run, ledger.day_of(run.now)
    admit = ledger.admit_job(run.agent, debit=debit, counts_toward_daily_cap=counts)
    try:
        with run.call.storage.transaction() as conn:
            admit(ledger.credits_of(conn, agent_id), ledger.jobs_on_day(conn, agent_id, day))
            insert_job(conn, agent_id=agent_id, job=job, day=day, counts_toward_daily_cap=counts, debit=debit)
            if counts:
                ledger.count_job(conn, agent_id, day)
            for output in outputs:
                insert_asset(conn, output)
            if debit and usage_event_id:
                ledger.debit(
                    conn,
                    usage_event_id=usage_event_id,
                    agent_id=agent_id,
                    job_id=job["job_id"],
                    credits=defects.debit(run.call.settings.defects, debit),  # as asked, unless a test defect
                    created_at=job["created_at"],
                )
            left = ledger.credits_of(conn, agent_id)
            if work is not None:
                deferred.admit(conn, {**work, "usage_event_id": usage_event_id}, run.now, run.call.settings)
            ended = [] if work else job_events(Who.of(run), job, outputs, usage_event_id, debit)
            events = _stored(run, ended) if not work else []
            for item in events:
                activity.add(conn, item)
            if run.request.idempotency_key:  # the request's key, bound to the job it recorded
                idempotency.bind(conn, agent_id, run.request.idempotency_key, job["job_id"])
    except ledger.DailyJobLimitReached:
        raise _daily_limit_exceeded(run.agent, run.now) from None
    except ledger.InsufficientCredits:
        raise _quota_exceeded("Not enough credits remain for this job.") from None
    return shapes.job_quota(debit, ledger.spendable(left), usage_event_id)


def _stored(run: Run, events: list[activity.Event]) -> list[activity.Event]:
    """``events``, written last in ``record``'s transaction; an injected artifact storage fault fires
    here, after generation and the job's writes, and rolls all of them back (nothing is debited)."""
    if run.executes and faults.fires(run.call.fault, faults.STORAGE_FAILED):
        raise faults.storage_failed()
    return events


def respond(run: Run, planned: Plan, job: dict[str, Any], quota: dict[str, Any]) -> dict[str, Any]:
    cost = planned.price
    redirect = planned.choice.redirect
    if redirect is not None:
        run.call.warnings.append(
            f"{redirect['requested_model_id']} is retired; {redirect['model_id']} ran instead"
            " (request.selection.lifecycle_redirect)."
        )
    described = shapes.selection(
        planned.choice,
        planned.parameters,
        intent=run.request.intent,
        width=cost.width,
        height=cost.height,
        resolution_class=cost.resolution_class,
    )
    return shapes.creative_data(
        job,
        stored=run.stores,
        output_count=run.request.output_count,
        aspect_ratio=run.request.aspect_ratio,
        selection=described,
        quota=quota,
        input_assets=_input_assets(run),
    )


def _input_assets(run: Run) -> list[dict[str, Any]]:
    """What the job read: an edit's input, then its mask, then each reference (``check_inputs`` proved
    them the caller's); none for a plain create or an anonymous dry run."""
    if run.agent is None:
        return []
    roles = [("input", run.request.inputs[0])] if run.request.verb == "edit" else []
    roles += [("mask", run.request.mask)] if run.request.mask else []
    roles += [("reference", reference["asset_id"]) for reference in run.request.references]
    found = [(role, run.call.storage.asset(run.agent.agent_id, asset_id)) for role, asset_id in roles]
    return [shapes.input_asset(role, meta) for role, meta in found if meta is not None]


# ------------------------------------------------------------------------ pipeline
def run(call: Call, request: CreativeRequest) -> dict[str, Any]:
    """The request through every step; the ``CreativeData`` answer. With an idempotency key (and an
    agent) the steps run at most once per key: a retry gets the original answer (``idempotency``)."""
    this = authorize(call, request)
    if this.agent is None or request.idempotency_key is None:
        return _steps(this)
    return idempotency.once(
        call.storage,
        this.agent.agent_id,
        request.idempotency_key,
        request.fingerprint,
        lambda: _steps(this),
        now=call.now,
    )


def _steps(this: Run) -> dict[str, Any]:
    screen(this)
    planned = plan(this)
    check_quota(this, planned)
    job_id, stamp = ids.new_id("JobId"), timestamp(this.now)
    queued = this.executes and this.call.settings.job_latency_ms > 0
    work = drawing.work_of(this, planned, job_id) if queued else None
    outputs = [] if queued else render(this, planned, job_id=job_id, stamp=stamp)
    job = describe(this, planned, outputs, job_id=job_id, stamp=stamp, queued=queued)
    debit = planned.price.credits if this.executes else 0
    quota = record(this, job, outputs, debit=debit, work=work)
    return respond(this, planned, job, quota)
