"""flows: the contract's journeys work end to end and answer at least the contract's minimum data."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from image_skill_api.constants import MOCK_CHECKOUT_PATH
from image_skill_api.registry import (
    FEEDBACK_CONFIDENCE_VALUES,
    FEEDBACK_NEXT_STATE_VALUES,
    FEEDBACK_SEVERITY_VALUES,
    FEEDBACK_TYPE_VALUES,
    PAYMENT_METHOD_ID_VALUES,
    TERMINAL_JOB_STATUSES,
    ActivityEventType,
    JobStatus,
)
from image_skill_conformance import media
from image_skill_conformance.checks import Category, CheckFailed, ensure
from image_skill_conformance.context import CONTACT, RUNTIME, Context, require_ok

CATEGORY = Category(
    "flows",
    "the contract's journeys (first run, purchase, upload and edit, activity, feedback) work end to end",
)
#: Stripe's test-mode card that pays (the mock's checkout page takes Stripe's test cards).
TEST_CARD = {"card_number": "4242424242424242", "expiry": "12 / 34", "cvc": "123", "promotion_code": ""}
PAYMENT_DEADLINE_SECONDS = 20


def flows_agent(ctx: Context) -> str:
    if "flows.token" not in ctx.ids:
        ctx.ids["flows.token"] = ctx.fresh_agent("flows")
    return ctx.ids["flows.token"]


def fetch_media(ctx: Context, asset: dict[str, Any]) -> None:
    """The asset's url serves its bytes: a PNG of ``content_length`` bytes."""
    got = ctx.api.raw("GET", asset["url"], api=False)
    ensure(got.status == 200, f"GET {asset['url']} answered HTTP {got.status}", got.repro())
    ensure(
        len(got.content) == asset["content_length"],
        "the media's length differs from content_length",
        got.repro(),
    )
    ensure(
        got.content.startswith(media.PNG_SIGNATURE),
        "the media is not the PNG its mime_type says",
        got.repro(),
    )


@CATEGORY.check(
    "first-run-api",
    "signup → whoami → quota → create → jobs show → assets show → media works for a new agent.",
    "cli.md: First Run",
)
def first_run_api(ctx: Context) -> None:
    token = flows_agent(ctx)
    require_ok(ctx.api.call("getWhoami", token=token))
    quota = require_ok(ctx.api.call("getQuota", token=token))
    ensure(quota["limits"]["remaining_credits"] > 0, "a new agent has no credits to make a first image")
    created = require_ok(
        ctx.api.call("createImage", token=token, body={"prompt": ctx.prompt("a lighthouse at dawn")})
    )
    ensure(
        created["status"] in TERMINAL_JOB_STATUSES
        or created["status"] in (JobStatus.QUEUED, JobStatus.RUNNING),
        "create answered no job status",
    )
    job = wait_job(ctx, token, created["job_id"])
    ensure(
        job["status"] == JobStatus.COMPLETED and job["assets"],
        f"the job ended {job['status']} with {len(job['assets'])} assets",
    )
    asset = require_ok(
        ctx.api.call("getAsset", token=token, path={"asset_id": job["assets"][0]["asset_id"]})
    )["asset"]
    fetch_media(ctx, asset)
    ctx.ids.update(job_id=job["job_id"], asset_id=asset["asset_id"], trace_id=job["trace_id"])


def wait_job(ctx: Context, token: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = require_ok(ctx.api.call("getJob", token=token, path={"job_id": job_id}))["job"]
        if job["status"] in TERMINAL_JOB_STATUSES or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


@CATEGORY.check(
    "first-run-cli",
    "The client's first run (guide → signup → guide → create → jobs wait → assets get) exits 0 at each step.",
    "cli.md: First Run",
)
def first_run_cli(ctx: Context) -> None:
    prompt = ctx.prompt("a compact field camera")
    steps = [
        ("create", "--guide", "--prompt", prompt, "--json"),
        (
            "signup",
            "--agent",
            "--agent-contact",
            CONTACT,
            "--agent-name",
            "conformance-cli",
            "--runtime",
            RUNTIME,
            "--save",
            "--json",
        ),
        ("create", "--guide", "--prompt", prompt, "--json"),
        ("create", "--prompt", prompt, "--json"),
    ]
    runs = []
    for argv in steps:
        runs.append(ctx.cli(*argv))
        ensure(runs[-1].exit_code == 0, f"`{' '.join(argv[:2])}` exited {runs[-1].exit_code}", runs[-1].repro)
    job_id = str((runs[-1].envelope or {}).get("data", {}).get("job_id"))
    waited = ctx.cli("jobs", "wait", job_id, "--json")
    ensure(waited.exit_code == 0, f"jobs wait exited {waited.exit_code}", waited.repro)
    asset_id = (waited.envelope or {})["data"]["job"]["assets"][0]["asset_id"]
    target = f"first-run-{uuid.uuid4().hex[:8]}.png"
    got = ctx.cli("assets", "get", asset_id, "--output", target, "--json")
    ensure(
        got.exit_code == 0 and (ctx.options.workdir / target).is_file(),
        f"assets get exited {got.exit_code}",
        got.repro,
    )


@CATEGORY.check(
    "purchase",
    "quote → buy answers action_required with a handoff URL; paid in test mode,"
    " the credits arrive exactly once.",
    "cli.md: Credits",
)
def purchase(ctx: Context) -> None:
    token = flows_agent(ctx)
    before = require_ok(ctx.api.call("getQuota", token=token))["limits"]["payment_backed_remaining_credits"]
    key = f"kit-{uuid.uuid4().hex[:12]}"
    body = {"credits": 137, "payment_method": PAYMENT_METHOD_ID_VALUES[0], "idempotency_key": key}
    quote = require_ok(ctx.api.call("createCreditQuote", token=token, body=body))
    again = require_ok(ctx.api.call("createCreditQuote", token=token, body=body))
    ensure(again["quote_id"] == quote["quote_id"], "the same quote key and terms made a second quote")
    buy = {"quote_id": quote["quote_id"], "idempotency_key": f"{key}-buy"}
    bought = require_ok(ctx.api.call("createStripeCheckoutSession", token=token, body=buy))
    ensure(
        bought["state"] == "action_required" and bought["checkout_handoff_url"],
        "buy is not action_required with a handoff URL",
    )
    ctx.ids.update(quote_id=quote["quote_id"], payment_attempt_id=bought["payment_attempt_id"])
    status = {"payment_attempt_id": bought["payment_attempt_id"]}
    if not str(bought["checkout_url"]).startswith(ctx.options.base_url + MOCK_CHECKOUT_PATH):
        state = require_ok(ctx.api.call("getCreditPurchaseStatus", token=token, query=status))["state"]
        ensure(state in ("created", "action_required"), f"an unpaid purchase is {state}")
        return  # a live checkout: a human pays; the kit stops at action_required
    checkout = urlsplit(bought["checkout_url"])
    paid = ctx.api.raw(
        "POST", checkout.path + "/confirm", body={**TEST_CARD, "secret": checkout.fragment}, api=False
    )
    ensure(
        paid.status == 200, f"the test-mode checkout refused the test card (HTTP {paid.status})", paid.repro()
    )
    deadline = time.monotonic() + PAYMENT_DEADLINE_SECONDS
    while (
        state := require_ok(ctx.api.call("getCreditPurchaseStatus", token=token, query=status))["state"]
    ) != "succeeded":
        ensure(time.monotonic() < deadline, f"the paid purchase is still {state}")
        time.sleep(0.3)
    after = require_ok(ctx.api.call("getQuota", token=token))["limits"]["payment_backed_remaining_credits"]
    ensure(
        after - before == quote["credits"], f"paying for {quote['credits']} credits granted {after - before}"
    )


@CATEGORY.check(
    "upload-edit-mask",
    "upload (image and mask) → edit with the mask → a completed job whose asset serves a PNG.",
    "cli.md: Upload and Edit",
)
def upload_edit(ctx: Context) -> None:
    token = flows_agent(ctx)
    source = require_ok(
        ctx.api.call("uploadAsset", token=token, body=media.upload_body(media.source_image(), "source.png"))
    )
    mask = require_ok(
        ctx.api.call("uploadAsset", token=token, body=media.upload_body(media.mask_image(), "mask.png"))
    )
    ensure(source["asset"]["kind"] == "uploaded", "an upload is not an asset of kind uploaded")
    body = {
        "input_asset_id": source["asset"]["asset_id"],
        "mask_asset_id": mask["asset"]["asset_id"],
        "prompt": ctx.prompt("a red door"),
        "accept_unknown_cost": True,
    }
    edited = require_ok(ctx.api.call("editImage", token=token, body=body))
    job = wait_job(ctx, token, edited["job_id"])
    ensure(job["status"] == JobStatus.COMPLETED and job["assets"], f"the edit ended {job['status']}")
    fetch_media(ctx, job["assets"][0])
    ctx.ids["upload_asset_id"] = source["asset"]["asset_id"]


@CATEGORY.check(
    "activity",
    "The ledger lists the run's job.completed with its job_id link, and activity show finds it by job id.",
    "spec/openapi.yaml#/components/schemas/ActivityEventType",
)
def activity(ctx: Context) -> None:
    token = flows_agent(ctx)
    if "job_id" not in ctx.ids:
        first_run_api(ctx)
    events = require_ok(ctx.api.call("listActivity", token=token, query={"limit": 100}))["events"]
    mine = [
        e
        for e in events
        if e["type"] == ActivityEventType.JOB_COMPLETED and e["links"].get("job_id") == ctx.ids["job_id"]
    ]
    ensure(len(mine) == 1, f"the ledger holds {len(mine)} job.completed events for the run's job")
    ctx.ids["event_id"] = mine[0]["event_id"]
    shown = require_ok(ctx.api.call("getActivity", token=token, path={"ref": ctx.ids["job_id"]}))["events"]
    ensure(
        any(e["event_id"] == mine[0]["event_id"] for e in shown),
        "activity show by job id misses its job.completed",
    )


@CATEGORY.check(
    "feedback",
    "feedback create answers a feedback_id and the ledger records feedback.created for it.",
    "cli.md: Feedback",
)
def feedback(ctx: Context) -> None:
    token = flows_agent(ctx)
    body = {
        "type": FEEDBACK_TYPE_VALUES[0], "severity": FEEDBACK_SEVERITY_VALUES[1],
        "confidence": FEEDBACK_CONFIDENCE_VALUES[1], "next_state": FEEDBACK_NEXT_STATE_VALUES[0],
        "surface": ["cli"], "title": "conformance kit", "body": "The kit checks feedback.",
    }  # fmt: skip
    made = require_ok(ctx.api.call("createFeedback", token=token, body=body))
    events = require_ok(ctx.api.call("getActivity", token=token, path={"ref": made["feedback_id"]}))["events"]
    if not any(e["type"] == ActivityEventType.FEEDBACK_CREATED for e in events):
        raise CheckFailed("no feedback.created event for the new feedback")
