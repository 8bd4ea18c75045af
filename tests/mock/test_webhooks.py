"""Stripe-format webhooks: signature verification (forged, stale, unsigned, malformed, rolled
secrets), exactly-once fulfillment under at-least-once delivery (replays, duplicates, 50 concurrent
deliveries, out-of-order events), and refunds and disputes that never make a balance negative."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from image_skill_api.registry import ErrorCode
from image_skill_mock.payments import stripe_wire as stripe
from image_skill_mock.payments import trigger
from image_skill_mock.payments.stripe_objects import stripe_objects

from .conftest import NOON, Api, LiveServer, fixed_clock, ledger_check

SECRET = "whsec_test0123456789abcdef0123456789"
WEBHOOK = stripe.WEBHOOK_PATH
NOW = int(NOON.timestamp())


def deliver(api: Api, body: bytes, signature: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers[stripe.SIGNATURE_HEADER] = signature
    return api.request("POST", WEBHOOK, content=body, headers=headers)


def send(api: Api, event: dict[str, Any], *, at: int = NOW, secret: str = SECRET) -> Any:
    body = stripe.encode(event)
    return deliver(api, body, stripe.sign_header(secret, at, body))


class Purchase:
    """One agent's bought (not yet paid) quote on ``api``, and the events about it."""

    def __init__(self, api: Api, credits: int = 500) -> None:
        self.api = api
        quote = api.request(
            "POST", "/v1/credit-quotes",
            json={"credits": credits, "payment_method": "stripe_checkout", "idempotency_key": f"q-{credits}"},
        )["data"]  # fmt: skip
        self.session = api.request(
            "POST", "/v1/credit-purchases/stripe-checkout-sessions",
            json={"quote_id": quote["quote_id"], "idempotency_key": f"b-{credits}"},
        )["data"]  # fmt: skip
        self.attempt_id = self.session["payment_attempt_id"]

    def objects(self) -> dict[str, Any]:
        found = stripe_objects(self.api.client.app.state.storage, self.attempt_id)  # type: ignore[attr-defined]
        assert found is not None
        return found

    def event(self, type_: str, **options: Any) -> dict[str, Any]:
        return trigger.build(type_, self.objects(), now=NOW, **options)

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = self.api.request(
            "GET", "/v1/credit-purchases/status", params={"payment_attempt_id": self.attempt_id}
        )["data"]
        return data


def limits(api: Api) -> dict[str, Any]:
    data: dict[str, Any] = api.request("GET", "/v1/quota")["data"]["limits"]
    return data


def activity(api: Api) -> list[dict[str, Any]]:
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    return list(reversed(storage.activity(agent_id, limit=200)))


def types(api: Api) -> list[str]:
    return [event["type"] for event in activity(api)]


@pytest.fixture
def shop(make_api: Callable[..., Api]) -> Api:
    api = make_api(webhook_secret=SECRET, clock=fixed_clock(NOON), free_credits=0, daily_jobs=100)
    api.signup()
    return api


# ----------------------------------------------------------------------- signatures
def test_a_signed_completion_grants_once(shop: Api) -> None:
    purchase = Purchase(shop)
    answer = send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    assert answer["data"]["outcome"] == "granted"
    assert purchase.status()["state"] == "succeeded"
    assert limits(shop)["payment_backed_remaining_credits"] == 500
    granted = [e for e in activity(shop) if e["type"] == "credits.payment_backed_granted"]
    assert len(granted) == 1
    links = granted[0]["links"]
    assert set(links) == {"quote_id", "receipt_id", "credit_event_id"}
    assert links["receipt_id"] == purchase.status()["receipt"]["receipt_id"]


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        (None, "no Stripe-Signature"),
        ("", "no Stripe-Signature"),
        ("garbage", "malformed"),
        (f"t={NOW}", "no v1"),
        ("v1=" + "0" * 64, "no timestamp"),
        (f"t=abc,v1={'0' * 64}", "timestamp is malformed"),
        (f"t={NOW},v1={'0' * 64}", "No v1 signature matches"),
        (f"t={NOW},v0=" + "0" * 64, "no v1"),
    ],
)
def test_unsigned_malformed_and_forged_deliveries_grant_nothing(
    shop: Api, signature: str | None, why: str
) -> None:
    purchase = Purchase(shop)
    refused = deliver(shop, stripe.encode(purchase.event(stripe.CHECKOUT_COMPLETED)), signature)
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.WEBHOOK_SIGNATURE_INVALID
    assert why in refused["error"]["message"]
    assert limits(shop)["payment_backed_remaining_credits"] == 0
    assert purchase.status()["state"] == "action_required"


def test_another_secret_or_an_altered_body_is_forged(shop: Api) -> None:
    purchase = Purchase(shop)
    event = purchase.event(stripe.CHECKOUT_COMPLETED)
    assert (
        send(shop, event, secret="whsec_" + "f" * 32)["error"]["code"] == ErrorCode.WEBHOOK_SIGNATURE_INVALID
    )
    body = stripe.encode(event)
    tampered = body.replace(b'"amount_total":500', b'"amount_total":5000')
    assert tampered != body
    refused = deliver(shop, tampered, stripe.sign_header(SECRET, NOW, body))
    assert refused["error"]["code"] == ErrorCode.WEBHOOK_SIGNATURE_INVALID
    assert limits(shop)["payment_backed_remaining_credits"] == 0


@pytest.mark.parametrize(("offset", "accepted"), [(-301, False), (-300, True), (299, True), (301, False)])
def test_timestamps_outside_300_seconds_are_refused(shop: Api, offset: int, accepted: bool) -> None:
    purchase = Purchase(shop)
    answer = send(shop, purchase.event(stripe.CHECKOUT_COMPLETED), at=NOW + offset)
    assert answer["ok"] is accepted
    if not accepted:
        assert answer["error"]["code"] == ErrorCode.WEBHOOK_SIGNATURE_INVALID
        assert "300 s" in answer["error"]["message"]
    assert limits(shop)["payment_backed_remaining_credits"] == (500 if accepted else 0)


def test_any_of_several_v1_signatures_may_match(shop: Api) -> None:
    purchase = Purchase(shop)
    body = stripe.encode(purchase.event(stripe.CHECKOUT_COMPLETED))
    header = f"t={NOW},v1={'a' * 64},v1={stripe.signature(SECRET, NOW, body)},v0={'b' * 64}"
    assert deliver(shop, body, header)["data"]["outcome"] == "granted"


def test_a_body_that_is_not_a_stripe_event_is_refused_after_verification(shop: Api) -> None:
    for body in (b"[]", b"not json", json.dumps({"id": "x", "type": 1}).encode()):
        refused = deliver(shop, body, stripe.sign_header(SECRET, NOW, body))
        assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    unknown = stripe.event("customer.created", {"id": "cus_1", "object": "customer"}, created=NOW)
    assert send(shop, unknown)["data"]["outcome"] == "ignored"


# ------------------------------------------------------------- at-least-once delivery
def test_a_replayed_event_and_a_duplicate_with_another_id_grant_once(shop: Api) -> None:
    purchase = Purchase(shop)
    event = purchase.event(stripe.CHECKOUT_COMPLETED)
    assert send(shop, event)["data"]["outcome"] == "granted"
    assert send(shop, event, at=NOW + 60)["data"]["outcome"] == "duplicate"  # re-signed, same event id
    assert send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))["data"]["outcome"] == "already_granted"
    assert limits(shop)["payment_backed_remaining_credits"] == 500
    assert types(shop).count("credits.payment_backed_granted") == 1


def test_out_of_order_events(shop: Api) -> None:
    purchase = Purchase(shop)
    early_refund = send(shop, purchase.event(stripe.CHARGE_REFUNDED, amount=100))
    assert early_refund["status"] == 503  # before fulfillment: Stripe delivers it again later
    assert early_refund["error"]["code"] == ErrorCode.WEBHOOK_EVENT_NOT_READY
    completed = purchase.event(stripe.CHECKOUT_COMPLETED)
    expired = purchase.event(stripe.CHECKOUT_EXPIRED)
    assert send(shop, completed)["data"]["outcome"] == "granted"
    assert send(shop, expired)["data"]["outcome"] == "ignored_not_open"  # a late expiry changes nothing
    assert purchase.status()["state"] == "succeeded"
    assert limits(shop)["payment_backed_remaining_credits"] == 500


def test_an_expired_session_then_its_completion_still_grants(shop: Api) -> None:
    purchase = Purchase(shop)
    assert send(shop, purchase.event(stripe.CHECKOUT_EXPIRED))["data"]["outcome"] == "expired"
    assert purchase.status()["state"] == "expired"
    assert (
        send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))["data"]["outcome"] == "granted"
    )  # money moved
    assert purchase.status()["state"] == "succeeded"


def test_a_completion_that_does_not_match_the_quote_fails_and_grants_nothing(shop: Api) -> None:
    purchase = Purchase(shop)
    assert send(shop, purchase.event(stripe.CHECKOUT_COMPLETED, amount=1))["data"]["outcome"] == (
        "failed_terms_mismatch"
    )
    assert purchase.status()["state"] == "failed"
    assert limits(shop)["payment_backed_remaining_credits"] == 0


def test_50_concurrent_duplicate_deliveries_grant_exactly_once(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server("--webhook-secret", SECRET)
    base = server.base_url
    token = requests.post(
        base + "/v1/agent-signups",
        json={"agent_contact": "dup@example.com", "agent_name": "dup", "return_token": True},
        timeout=30,
    ).json()["data"]["token"]
    auth = {"authorization": f"Bearer {token}"}
    quote = requests.post(
        base + "/v1/credit-quotes", headers=auth, timeout=30,
        json={"pack_id": "starter-500", "payment_method": "stripe_checkout", "idempotency_key": "dup-q"},
    ).json()["data"]  # fmt: skip
    attempt = requests.post(
        base + "/v1/credit-purchases/stripe-checkout-sessions", headers=auth, timeout=30,
        json={"quote_id": quote["quote_id"], "idempotency_key": "dup-b"},
    ).json()["data"]["payment_attempt_id"]  # fmt: skip
    event = trigger.build(
        stripe.CHECKOUT_COMPLETED, trigger.objects(base, SECRET, attempt), now=int(time.time())
    )

    def post(index: int) -> str:
        # half the deliveries repeat the event id, half are re-sent copies under new event ids
        copy = event if index % 2 == 0 else {**event, "id": stripe.stripe_id("evt_")}
        status, answer = trigger.send(base, SECRET, copy, now=int(time.time()))
        assert status == 200, answer
        return str(answer["data"]["outcome"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = Counter(pool.map(post, range(50)))
    elapsed = time.monotonic() - started
    assert outcomes["granted"] == 1, outcomes
    assert sum(outcomes.values()) == 50
    assert set(outcomes) <= {"granted", "duplicate", "already_granted"}
    quota = requests.get(base + "/v1/quota", headers=auth, timeout=30).json()["data"]["limits"]
    assert quota["payment_backed_remaining_credits"] == 500
    assert ledger_check(server.db_path)["differences"] == []
    print(f"\n50 concurrent deliveries: {dict(outcomes)}; 500 credits granted once; {elapsed:.2f} s")


# --------------------------------------------------------------- refunds and disputes
def spend(api: Api, jobs: int) -> int:
    spent = 0
    for _ in range(jobs):
        spent += api.create()["data"]["cost"]["credit_pricing"]["credits_required"]
    return spent


def test_a_partial_then_full_refund(shop: Api) -> None:
    purchase = Purchase(shop)
    send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    assert send(shop, purchase.event(stripe.CHARGE_REFUNDED, amount=200))["data"]["outcome"] == "applied"
    assert limits(shop)["payment_backed_remaining_credits"] == 300
    assert purchase.status()["state"] == "refunded"
    assert purchase.status()["credit_event"]["kind"] == "payment_backed_refunded"
    assert purchase.status()["credit_event"]["credits"] == -200
    rest = purchase.event(stripe.CHARGE_REFUNDED)  # the remaining 300 (cumulative amount_refunded 500)
    assert rest["data"]["object"]["amount_refunded"] == 500
    assert send(shop, rest)["data"]["outcome"] == "applied"
    assert limits(shop)["payment_backed_remaining_credits"] == 0
    refunded = [e for e in activity(shop) if e["type"] == "credits.payment_backed_refunded"]
    assert len(refunded) == 2
    assert set(refunded[0]["links"]) == {"quote_id", "receipt_id", "payment_reversal_id", "credit_event_id"}
    assert all(e["links"]["payment_reversal_id"].startswith("prev_") for e in refunded)


def test_a_refund_after_credits_were_spent_leaves_a_pending_reversal_and_no_negative_balance(
    shop: Api,
) -> None:
    purchase = Purchase(shop, credits=100)
    send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    spent = spend(shop, 3)  # 36 of the 100 paid credits
    answer = send(shop, purchase.event(stripe.CHARGE_REFUNDED))
    assert answer["data"]["outcome"] == "pending"
    after = limits(shop)
    assert after["remaining_credits"] == 0
    assert after["payment_backed_remaining_credits"] == 0
    pending = [e for e in activity(shop) if e["type"] == "credits.payment_backed_reversal_pending"]
    assert len(pending) == 1
    assert f"{spent} remain pending" in pending[0]["summary"]
    refunded = [e for e in activity(shop) if e["type"] == "credits.payment_backed_refunded"]
    assert f"debited {100 - spent} " in refunded[0]["summary"]
    assert shop.create()["error"]["code"] == ErrorCode.QUOTA_EXCEEDED  # nothing left to spend


def test_refunds_that_cannot_reconcile_are_rejected(shop: Api) -> None:
    purchase = Purchase(shop)
    send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    for options in (
        {"amount": 501},
        {"currency": "eur", "amount": 10},
        {"charge_id": "ch_unknown000000000000"},
    ):
        assert send(shop, purchase.event(stripe.CHARGE_REFUNDED, **options))["data"]["outcome"] == "rejected"
    assert limits(shop)["payment_backed_remaining_credits"] == 500
    rejected = [e for e in activity(shop) if e["type"] == "credits.payment_backed_reversal_rejected"]
    assert len(rejected) == 3
    assert purchase.status()["state"] == "succeeded"
    stranger = stripe.charge(
        charge_id="ch_nobody00000000000000", payment_intent="pi_nobody", amount_cents=100,
        amount_refunded=100, currency="usd", metadata={}, created=NOW, refund_id="re_x", refund_amount=100,
    )  # fmt: skip
    ignored = send(shop, stripe.event(stripe.CHARGE_REFUNDED, stranger, created=NOW))
    assert ignored["data"]["outcome"] == "ignored_unknown_charge"


def test_a_dispute_then_reinstatement(shop: Api) -> None:
    purchase = Purchase(shop)
    send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    spend(shop, 10)  # 120 spent
    dispute = purchase.event(stripe.DISPUTE_CREATED)
    assert send(shop, dispute)["data"]["outcome"] == "pending"  # 380 taken, 120 pending
    assert limits(shop)["payment_backed_remaining_credits"] == 0
    assert purchase.status()["state"] == "disputed"
    assert send(shop, dispute, at=NOW + 1)["data"]["outcome"] == "duplicate"
    reinstated = purchase.event(stripe.DISPUTE_REINSTATED)
    assert send(shop, reinstated)["data"]["outcome"] == "reinstated"
    assert limits(shop)["payment_backed_remaining_credits"] == 380  # what the dispute took comes back
    assert purchase.status()["state"] == "succeeded"
    assert purchase.status()["credit_event"]["kind"] == "payment_backed_reinstated"
    again = stripe.event(stripe.DISPUTE_REINSTATED, reinstated["data"]["object"], created=NOW)
    assert send(shop, again)["data"]["outcome"] == "already_recorded"
    assert types(shop)[-3:] == [
        "credits.payment_backed_disputed",
        "credits.payment_backed_reversal_pending",
        "credits.payment_backed_reinstated",
    ]
    for kind in ("credits.payment_backed_disputed", "credits.payment_backed_reinstated"):
        assert types(shop).count(kind) == 1


def test_a_reinstatement_before_its_dispute_is_not_ready(shop: Api) -> None:
    purchase = Purchase(shop)
    send(shop, purchase.event(stripe.CHECKOUT_COMPLETED))
    dispute = purchase.event(stripe.DISPUTE_CREATED)["data"]["object"]
    early = stripe.event(stripe.DISPUTE_REINSTATED, {**dispute, "status": "won"}, created=NOW)
    assert send(shop, early)["error"]["code"] == ErrorCode.WEBHOOK_EVENT_NOT_READY
    assert (
        send(shop, stripe.event(stripe.DISPUTE_CREATED, dispute, created=NOW))["data"]["outcome"] == "applied"
    )
    assert send(shop, early)["data"]["outcome"] == "reinstated"  # the redelivery now applies
    assert limits(shop)["payment_backed_remaining_credits"] == 500


def test_stripe_trigger_refuses_what_it_cannot_send() -> None:
    for base_url in ("not a url", "http://[bad", "http://127.0.0.1:9"):
        code, report = trigger.run(
            stripe.CHECKOUT_COMPLETED, attempt_id="payatt_x/../../v1/quota", base_url=base_url, secret=SECRET
        )
        assert code == 1
        assert report["ok"] is False
        assert "could not" in report["error"] or "base URL" in report["error"]
    with pytest.raises(trigger.TriggerFailed, match="unsupported event"):
        trigger.build("customer.created", {"checkout_session": {}, "charge": {}, "disputes": []}, now=NOW)
