"""effects: what each operation declares it does to the ledger is exactly what it does."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from image_skill_api.registry import PAYMENT_METHOD_ID_VALUES, ErrorCode
from image_skill_conformance.checks import Category, ensure
from image_skill_conformance.context import Context, Snapshot, data_of, error_code, require_ok
from image_skill_conformance.http import Exchange

CATEGORY = Category(
    "effects",
    "guides and dry runs change nothing, a create debits exactly its price once, and agents are isolated",
)
CONCURRENT_CALLS = 20
CREATE_REF = "spec/openapi.yaml#/paths/~1v1~1create"


def _agent(ctx: Context, purpose: str) -> str:
    key = f"effects.{purpose}"
    if key not in ctx.ids:
        ctx.ids[key] = ctx.fresh_agent(purpose)
    return ctx.ids[key]


def _unchanged(before: Snapshot, after: Snapshot, what: str) -> None:
    ensure(after == before, f"{what} changed the ledger: {before} -> {after}")


@CATEGORY.check(
    "guide-changes-nothing",
    "create --guide leaves credits, counted jobs and the activity ledger unchanged.",
    "cli.md: create --guide",
)
def guide_changes_nothing(ctx: Context) -> None:
    token = _agent(ctx, "ledger")
    before = ctx.snapshot(token)
    run = ctx.cli("create", "--guide", "--prompt", ctx.prompt("a quiet harbour"), "--json", token=token)
    ensure(run.exit_code == 0, f"create --guide exited {run.exit_code}", run.repro)
    _unchanged(before, ctx.snapshot(token), "create --guide")


@CATEGORY.check(
    "dry-run-changes-nothing",
    "A dry-run create debits nothing, counts no job and makes no asset; anonymous, it stores nothing.",
    CREATE_REF,
)
def dry_run_changes_nothing(ctx: Context) -> None:
    token = _agent(ctx, "ledger")
    before = ctx.snapshot(token)
    planned = require_ok(
        ctx.api.call(
            "createImage", token=token, body={"prompt": ctx.prompt("a glass tower"), "dry_run": True}
        )
    )
    after = ctx.snapshot(token)
    ensure(not planned["assets"], "a dry run answered assets")
    ensure(
        (after.credits, after.jobs_used) == (before.credits, before.jobs_used),
        f"a dry run changed the balance or job count: {before} -> {after}",
    )
    anonymous = require_ok(
        ctx.api.call("createImage", body={"prompt": ctx.prompt("a glass tower"), "dry_run": True})
    )
    ensure(anonymous["job_id"] is None and anonymous["job"] is None, "an anonymous dry run stored a job")


@CATEGORY.check(
    "create-debits-credits-required", "A create debits exactly its credits_required, once.", CREATE_REF
)
def create_debits(ctx: Context) -> None:
    token = _agent(ctx, "ledger")
    before = ctx.snapshot(token)
    made = ctx.api.call("createImage", token=token, body={"prompt": ctx.prompt("a copper kettle")})
    price = require_ok(made)["cost"]["credit_pricing"]["credits_required"]
    after = ctx.snapshot(token)
    ensure(isinstance(price, int), "a known-cost create answered no credits_required", made.repro())
    ensure(
        before.credits - after.credits == price,
        f"the create said {price} credits and debited {before.credits - after.credits}",
        made.repro(),
    )
    ensure(
        after.jobs_used == before.jobs_used + 1,
        f"one create counted {after.jobs_used - before.jobs_used} jobs",
    )


@CATEGORY.check(
    "idempotent-concurrent-create",
    f"The same idempotency key sent {CONCURRENT_CALLS} times at once makes one job and one debit.",
    CREATE_REF,
)
def idempotent_concurrent(ctx: Context) -> None:
    token = _agent(ctx, "idempotency")
    body = {"prompt": ctx.prompt("a paper crane"), "idempotency_key": f"kit-{uuid.uuid4().hex[:16]}"}
    before = ctx.snapshot(token)
    with ThreadPoolExecutor(CONCURRENT_CALLS) as pool:
        answers = list(
            pool.map(lambda _: ctx.api.call("createImage", token=token, body=body), range(CONCURRENT_CALLS))
        )
    after = ctx.snapshot(token)
    oks = [a for a in answers if (a.envelope or {}).get("ok")]
    refused = [
        a
        for a in answers
        if not (a.envelope or {}).get("ok") and error_code(a) != ErrorCode.IDEMPOTENCY_KEY_IN_USE
    ]
    ensure(
        bool(oks) and not refused,
        f"{len(refused)} of the concurrent creates failed otherwise than {ErrorCode.IDEMPOTENCY_KEY_IN_USE}",
        (refused or answers)[0].repro(),
    )
    jobs = {str((data_of(a) or {}).get("job_id")) for a in oks}
    ensure(len(jobs) == 1, f"one key made {len(jobs)} jobs", oks[0].repro())
    price = (data_of(oks[0]) or {})["cost"]["credit_pricing"]["credits_required"]
    ensure(
        before.credits - after.credits == price,
        f"one key debited {before.credits - after.credits} credits for a {price}-credit job",
        oks[0].repro(),
    )
    ensure(
        after.jobs_used == before.jobs_used + 1, f"one key counted {after.jobs_used - before.jobs_used} jobs"
    )


@CATEGORY.check(
    "idempotency-conflict",
    f"A different body with a used idempotency key is {ErrorCode.IDEMPOTENCY_KEY_CONFLICT};"
    " it debits nothing.",
    CREATE_REF,
)
def idempotency_conflict(ctx: Context) -> None:
    token = _agent(ctx, "idempotency")
    key = f"kit-{uuid.uuid4().hex[:16]}"
    require_ok(
        ctx.api.call(
            "createImage",
            token=token,
            body={"prompt": ctx.prompt("a plan"), "idempotency_key": key, "dry_run": True},
        )
    )
    before = ctx.snapshot(token)
    other = ctx.api.call(
        "createImage", token=token, body={"prompt": ctx.prompt("another plan"), "idempotency_key": key}
    )
    ensure(
        error_code(other) == ErrorCode.IDEMPOTENCY_KEY_CONFLICT,
        f"a reused key with another body answered {error_code(other)}",
        other.repro(),
    )
    _unchanged(before, ctx.snapshot(token), "a conflicting create")


@CATEGORY.check(
    "cross-agent-isolation",
    "Another agent sees none of an agent's jobs, assets, events, quotes or purchases.",
    "cli.md: Global Rules (agent isolation)",
)
def isolation(ctx: Context) -> None:
    owner, stranger = _agent(ctx, "owner"), _agent(ctx, "stranger")
    made = require_ok(
        ctx.api.call("createImage", token=owner, body={"prompt": ctx.prompt("a private garden")})
    )
    quote = require_ok(
        ctx.api.call(
            "createCreditQuote",
            token=owner,
            body={
                "credits": 10,
                "payment_method": PAYMENT_METHOD_ID_VALUES[0],
                "idempotency_key": f"kit-{uuid.uuid4().hex[:12]}",
            },
        )
    )
    bought = require_ok(
        ctx.api.call(
            "createStripeCheckoutSession",
            token=owner,
            body={"quote_id": quote["quote_id"], "idempotency_key": f"kit-{uuid.uuid4().hex[:12]}"},
        )
    )
    events = require_ok(ctx.api.call("listActivity", token=owner, query={"limit": 100}))["events"]
    probes: list[Exchange] = [
        ctx.api.call("getJob", token=stranger, path={"job_id": made["job_id"]}),
        ctx.api.call("getAsset", token=stranger, path={"asset_id": made["assets"][0]["asset_id"]}),
        ctx.api.call("getActivity", token=stranger, path={"ref": events[0]["event_id"]}),
        ctx.api.call(
            "getCreditPurchaseStatus",
            token=stranger,
            query={"payment_attempt_id": bought["payment_attempt_id"]},
        ),
        ctx.api.call(
            "createStripeCheckoutSession",
            token=stranger,
            body={"quote_id": quote["quote_id"], "idempotency_key": f"kit-{uuid.uuid4().hex[:12]}"},
        ),
    ]
    for probe in probes:
        ensure(
            error_code(probe) == ErrorCode.NOT_FOUND,
            f"another agent's {probe.operation_id} answered {error_code(probe) or 'ok'}",
            probe.repro(),
        )
    seen = require_ok(ctx.api.call("listActivity", token=stranger, query={"limit": 100}))["events"]
    mine = {e["event_id"] for e in events}
    ensure(not mine & {e["event_id"] for e in seen}, "another agent's activity list shows the owner's events")
