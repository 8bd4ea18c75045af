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
the rows read in that transaction, then the job, its assets, its debit, its events and its
idempotency key, in order), so a debit never exists without its job; the daily cap and the balance
are enforced inside that transaction (``check_quota`` only spares rendering a job that is sure to
be refused), and the ``quota`` a response reports is the balance that transaction left.

A dry run needs no token: it is validated, selected and priced like any other, but nothing is
stored, so ``job_id``, ``job`` and ``quota.remaining_credits`` are null (and the actor). With a
token it stores the planned job. A real request without a token is ``AUTH_REQUIRED``.

Documented mock rules:
- a prompt containing ``POLICY_DENY_MARKER`` is refused with ``CONTENT_POLICY_DENIED``;
- unknown-cost models are priced after execution at ``pricing.UNKNOWN_COST_USD_PER_MEGAPIXEL``;
- the seed of output ``i`` is ``model_parameters.seed`` (default 0) plus ``i``.
The prompt is never echoed in any message.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import defects, ids, suggested
from image_skill_mock.clock import timestamp
from image_skill_mock.creative import catalog, idempotency, pricing, references, selection, shapes, sniff
from image_skill_mock.creative.events import job_events
from image_skill_mock.creative.render import render_edit_png, render_png, with_references
from image_skill_mock.creative.request import CreativeRequest, Plan, Price, Run
from image_skill_mock.creative.selection import Choice, Parameters
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.http.call import Call
from image_skill_mock.ledger import activity
from image_skill_mock.ledger import credits as ledger
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.assets import NewAsset, StoredAsset, insert_asset
from image_skill_mock.store.credit_entries import credit_entries
from image_skill_mock.store.jobs import insert_job, insert_usage_event, jobs_on_day

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
        raise ApiError(ErrorCode.AUTH_REQUIRED, "Creating images needs an agent token (a dry run does not).")
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
    if faults.fires(run.call.fault, faults.PROVIDER_FAILED):
        raise faults.provider_failed()
    if faults.fires(run.call.fault, faults.PROVIDER_TIMEOUT):
        raise faults.provider_timeout()
    seed = int(planned.parameters.effective.get("seed", 0))
    width, height = planned.price.width, planned.price.height
    outputs = []
    for index in range(run.request.output_count):
        data = _draw(run, seed=seed + index, width=width, height=height)
        meta = StoredAsset(
            asset_id=ids.new_asset_id(),
            agent_id=run.agent.agent_id,
            job_id=job_id,
            kind="generated",
            mime_type=shapes.OUTPUT_MIME_TYPE,
            extension="png",
            width=width,
            height=height,
            sha256=hashlib.sha256(data).hexdigest(),
            content_length=len(data),
            created_at=stamp,
        )
        outputs.append(NewAsset(meta, data))
    return outputs


def _draw(run: Run, *, seed: int, width: int, height: int) -> bytes:
    """One output: a create drawn from the prompt, an edit drawn from its input (and mask); either
    carries its references' dominant colours."""
    assert run.agent is not None
    request, storage, agent_id = run.request, run.call.storage, run.agent.agent_id

    def read(asset_id: str) -> bytes:
        data = storage.asset_bytes(agent_id, asset_id)
        assert data is not None, "check_inputs proved every input is the caller's"
        return data

    colours = [sniff.dominant_colour(read(reference["asset_id"])) for reference in request.references]
    if request.verb != "edit":
        drawn = render_png(prompt=request.prompt, seed=seed, width=width, height=height)
        return with_references(drawn, colours)
    mask = read(request.mask) if request.mask else None
    try:
        return render_edit_png(
            source=read(request.inputs[0]),
            mask=mask,
            colours=colours,
            prompt=request.prompt,
            seed=seed,
            width=width,
            height=height,
        )
    except (OSError, ValueError, SyntaxError):  # Pillow's ways of refusing a corrupt or exotic image
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED, "The input or mask could not be decoded as an image."
        ) from None


def describe(run: Run, planned: Plan, outputs: list[NewAsset], *, job_id: str, stamp: str) -> dict[str, Any]:
    """The job as stored and served: completed with its outputs, or planned with its receipt."""
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
        assets=[shapes.asset_object(output.meta, run.call.base_url) for output in outputs],
        plan=receipt if run.request.dry_run else None,
    )


def record(run: Run, job: dict[str, Any], outputs: list[NewAsset], *, debit: int) -> dict[str, Any]:
    """Store the job, its outputs and its debit at once (nothing for an anonymous dry run); its quota."""
    usage_event_id = ids.new_id("UsageEventId") if debit else None
    if run.agent is None:
        return shapes.job_quota(debit, None, usage_event_id)
    agent_id, counts, day = run.agent.agent_id, not run.request.dry_run, ledger.day_of(run.now)
    admit = ledger.admit_job(run.agent, debit=debit, counts_toward_daily_cap=counts)
    try:
        with run.call.storage.transaction() as conn:
            admit(credit_entries(conn, agent_id), jobs_on_day(conn, agent_id, day))
            insert_job(conn, agent_id=agent_id, job=job, day=day, counts_toward_daily_cap=counts, debit=debit)
            for output in outputs:
                insert_asset(conn, output)
            if debit and usage_event_id:
                insert_usage_event(
                    conn,
                    usage_event_id=usage_event_id,
                    agent_id=agent_id,
                    job_id=job["job_id"],
                    credits=defects.debit(run.call.settings.defects, debit),  # as asked, unless a test defect
                    created_at=job["created_at"],
                )
            entries = credit_entries(conn, agent_id)
            for item in _stored(run, job_events(run, job, outputs, usage_event_id, debit)):
                activity.add(conn, item)
            if run.request.idempotency_key:  # the request's key, bound to the job it recorded
                idempotency.bind(conn, agent_id, run.request.idempotency_key, job["job_id"])
    except ledger.DailyJobLimitReached:
        raise _daily_limit_exceeded(run.agent, run.now) from None
    except ledger.InsufficientCredits:
        raise _quota_exceeded("Not enough credits remain for this job.") from None
    return shapes.job_quota(debit, ledger.remaining(entries), usage_event_id)


def _stored(run: Run, events: list[activity.Event]) -> list[activity.Event]:
    """``events``, written last in ``record``'s transaction; an injected artifact storage fault fires
    here, after generation and the job's writes, and rolls all of them back (nothing is debited)."""
    if run.executes and faults.fires(run.call.fault, faults.STORAGE_FAILED):
        raise faults.storage_failed()
    return events


def respond(run: Run, planned: Plan, job: dict[str, Any], quota: dict[str, Any]) -> dict[str, Any]:
    cost = planned.price
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
    )


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
    outputs = render(this, planned, job_id=job_id, stamp=stamp)
    job = describe(this, planned, outputs, job_id=job_id, stamp=stamp)
    quota = record(this, job, outputs, debit=planned.price.credits if this.executes else 0)
    return respond(this, planned, job, quota)
