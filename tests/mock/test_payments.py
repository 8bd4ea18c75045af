"""The payment rail through HTTP (strict app, in-process webhook delivery): packs, quotes and their
idempotency and expiry, Checkout Sessions, the handoff redirect, the test-mode checkout page and its
test cards, purchase status, and the activity each state change records."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from image_skill_api.registry import ID_PATTERNS, MOCK_CHECKOUT_PATH, ErrorCode

from .conftest import NOON, Api

QUOTES = "/v1/credit-quotes"
BUY = "/v1/credit-purchases/stripe-checkout-sessions"
STATUS = "/v1/credit-purchases/status"
SUCCEEDS, DECLINED, NO_FUNDS = "4242 4242 4242 4242", "4000000000000002", "4000 0000 0000 9995"


def quote(api: Api, key: str = "quote-1", **terms: Any) -> Any:
    body = {
        "payment_method": "stripe_checkout",
        "idempotency_key": key,
        **(terms or {"pack_id": "starter-500"}),
    }
    return api.request("POST", QUOTES, json=body)


def buy(api: Api, quote_id: str, key: str = "buy-1") -> Any:
    return api.request("POST", BUY, json={"quote_id": quote_id, "idempotency_key": key})


def status(api: Api, **ref: str) -> Any:
    return api.request("GET", STATUS, params=ref)


def page_call(api: Api, checkout_url: str, action: str, **body: str) -> Any:
    path, secret = urlsplit(checkout_url).path, checkout_url.partition("#")[2]
    return api.request("POST", f"{path}/{action}", json={"secret": secret, **body})


def pay(api: Api, checkout_url: str, card: str = SUCCEEDS, **extra: str) -> Any:
    fields = {"card_number": card, "expiry": "12 / 34", "cvc": "123", "promotion_code": "", **extra}
    return page_call(api, checkout_url, "confirm", **fields)


def activity_types(api: Api) -> list[str]:
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    return [event["type"] for event in reversed(storage.activity(agent_id, limit=100))]


@pytest.fixture
def clock() -> list[Any]:
    return [NOON]


@pytest.fixture
def paying(make_api: Callable[..., Api], clock: list[Any]) -> Api:
    api = make_api(clock=lambda: clock[0])
    api.signup()
    return api


def test_packs_need_no_token(api: Api) -> None:
    data = api.request("GET", "/v1/credit-packs")["data"]
    assert data["default_pack_id"] == "starter-500"
    starter = next(p for p in data["packs"] if p["pack_id"] == "starter-500")
    assert starter == {"pack_id": "starter-500", "name": "Starter", "credits": 500, "amount_cents": 500,
                       "currency": "USD"}  # fmt: skip
    assert len(data["packs"]) >= 3
    assert all(p["amount_cents"] == p["credits"] for p in data["packs"])  # one credit is one cent
    assert data["custom_quotes"] == {"supported": True, "min_credits": 1, "max_credits": 5000}


def test_a_quote_is_idempotent_per_key_and_terms(paying: Api) -> None:
    first = quote(paying)
    assert first["status"] == 201
    data = first["data"]
    assert re.fullmatch(ID_PATTERNS["QuoteId"], data["quote_id"])
    assert data["state"] == "created"
    assert (data["credits"], data["price_amount_cents"], data["currency"]) == (500, 500, "USD")
    assert data["pack"]["pack_id"] == "starter-500"
    assert data["live_money"] is False
    assert data["expires_at"] == "2026-11-24T12:30:00.000Z"
    again = quote(paying)["data"]
    assert again == data
    custom = quote(paying, "quote-2", credits=137)["data"]
    assert (custom["credits"], custom["price_amount_cents"], custom["pack_id"]) == (137, 137, None)
    both = quote(paying, "quote-3", credits=500, pack_id="starter-500")  # the wire takes exactly one
    assert both["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


def test_a_key_reused_for_other_terms_is_a_conflict_with_a_fresh_key(paying: Api) -> None:
    quote(paying, "quote-run-001", credits=10)
    refused = quote(paying, "quote-run-001", credits=11)
    assert refused["status"] == 409
    assert refused["error"]["code"] == ErrorCode.CREDIT_QUOTE_CONFLICT
    argv = shlex.split(refused["error"]["recovery"]["suggested_command"])
    assert argv[:3] == ["image-skill", "credits", "quote"]
    assert argv[argv.index("--credits") + 1] == "11"  # the attempted terms
    fresh = argv[argv.index("--idempotency-key") + 1]
    assert fresh != "quote-run-001"
    assert fresh.startswith("quote-")
    followed = quote(paying, fresh, credits=11)
    assert followed["status"] == 201


def test_unknown_packs_and_out_of_range_credits_are_invalid(paying: Api) -> None:
    unknown = quote(paying, "q-unknown", pack_id="no-such-pack")
    assert unknown["error"]["code"] == ErrorCode.NOT_FOUND
    assert "credits packs list" in unknown["error"]["recovery"]["suggested_command"]
    for credits in (0, 5001):
        assert quote(paying, f"q-{credits}", credits=credits)["status"] == 400
    assert paying.request("POST", QUOTES, json={"payment_method": "stripe_checkout",
                                                "idempotency_key": "q-none"})["status"] == 400  # fmt: skip


def test_quotes_and_purchases_need_a_token(api: Api) -> None:
    assert quote(api)["error"]["code"] == ErrorCode.AUTH_REQUIRED
    assert status(api, quote_id="quote_" + "0" * 32)["error"]["code"] == ErrorCode.AUTH_REQUIRED


def test_an_expired_quote_cannot_be_bought_and_recovery_requotes(paying: Api, clock: list[Any]) -> None:
    data = quote(paying, credits=42)["data"]
    clock[0] = NOON + timedelta(minutes=31)
    assert status(paying, quote_id=data["quote_id"])["data"]["state"] == "expired"
    assert quote(paying, credits=42)["data"]["state"] == "expired"  # the replay says so too
    refused = buy(paying, data["quote_id"])
    assert refused["status"] == 410
    assert refused["error"]["code"] == ErrorCode.CREDIT_QUOTE_EXPIRED
    argv = shlex.split(refused["error"]["recovery"]["suggested_command"])
    assert argv[:3] == ["image-skill", "credits", "quote"]
    assert argv[argv.index("--credits") + 1] == "42"
    assert quote(paying, argv[argv.index("--idempotency-key") + 1], credits=42)["status"] == 201


def test_buy_creates_one_open_session_and_changes_no_balance(paying: Api) -> None:
    quote_id = quote(paying)["data"]["quote_id"]
    before = paying.request("GET", "/v1/quota")["data"]["limits"]
    bought = buy(paying, quote_id)
    assert bought["status"] == 201
    data = bought["data"]
    assert data["state"] == "action_required"
    assert data["provider"] == "stripe"
    assert data["payment_attempt_id"].startswith("payatt_")
    assert data["checkout_session_id"].startswith("cs_test_")
    assert (
        data["checkout_handoff_url"] == f"http://testserver{MOCK_CHECKOUT_PATH}{data['payment_attempt_id']}"
    )
    assert data["checkout_compact_url"] == data["checkout_handoff_url"]
    assert "#fid" in data["checkout_url"]
    assert data["next"]["fallback_checkout_url"] == data["checkout_url"]
    assert data["next"]["human_action"] == "open_checkout_url"
    assert (data["credits"], data["amount_cents"]) == (500, 500)
    assert paying.request("GET", "/v1/quota")["data"]["limits"] == before
    assert buy(paying, quote_id)["data"] == data  # same key: the same session
    assert buy(paying, quote_id, "buy-2")["data"]["payment_attempt_id"] == data["payment_attempt_id"]
    other = quote(paying, "quote-other", credits=7)["data"]["quote_id"]
    conflict = buy(paying, other)  # buy-1 already bought another quote
    assert conflict["error"]["code"] == ErrorCode.IDEMPOTENCY_KEY_CONFLICT
    assert "--quote-id " + other in conflict["error"]["recovery"]["suggested_command"]
    assert activity_types(paying) == ["payment.checkout_session.created"]


def test_another_agents_quote_is_not_found(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.signup("owner")
    quote_id = quote(api)["data"]["quote_id"]
    api.signup("stranger")
    assert buy(api, quote_id)["error"]["code"] == ErrorCode.NOT_FOUND
    assert status(api, quote_id=quote_id)["error"]["code"] == ErrorCode.NOT_FOUND


def test_status_takes_at_most_one_reference_and_none_is_the_balance(paying: Api) -> None:
    data = quote(paying)["data"]
    balance = status(paying)["data"]  # issue 15 item 10: no reference answers the balance
    assert balance["state"] == "balance"
    assert balance["reference"] is None
    assert balance["limits"] == paying.request("GET", "/v1/quota")["data"]["limits"]
    bought = buy(paying, data["quote_id"])["data"]
    two = status(paying, quote_id=data["quote_id"], payment_attempt_id=bought["payment_attempt_id"])
    assert two["error"]["code"] == ErrorCode.CREDIT_PURCHASE_REFERENCE_REQUIRED


def test_handoff_redirects_to_the_whole_checkout_url(paying: Api) -> None:
    data = buy(paying, quote(paying)["data"]["quote_id"])["data"]
    response = paying.client.get(urlsplit(data["checkout_handoff_url"]).path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == data["checkout_url"]
    assert "#" in response.headers["location"]
    missing = paying.client.get(MOCK_CHECKOUT_PATH + "payatt_" + "0" * 32, follow_redirects=False)
    assert missing.status_code == 404


def test_the_checkout_page_is_test_mode_and_shows_the_terms(paying: Api) -> None:
    data = buy(paying, quote(paying, credits=137)["data"]["quote_id"])["data"]
    page = paying.client.get(urlsplit(data["checkout_url"]).path)
    assert page.status_code == 200
    assert "TEST MODE" in page.text
    assert "$1.37 USD" in page.text
    assert "137 credits" in page.text
    assert "script-src 'nonce-" in page.headers["content-security-policy"]
    assert data["checkout_url"].partition("#")[2] not in page.text  # the secret is only in the fragment


def test_a_trimmed_or_altered_fragment_cannot_pay(paying: Api) -> None:
    data = buy(paying, quote(paying)["data"]["quote_id"])["data"]
    trimmed = data["checkout_url"].partition("#")[0]
    for url in (trimmed + "#", trimmed + "#fidWRONG"):
        refused = pay(paying, url)
        assert refused["error"]["code"] == ErrorCode.CHECKOUT_LINK_INVALID
        assert page_call(paying, url, "verify")["error"]["code"] == ErrorCode.CHECKOUT_LINK_INVALID
    assert status(paying, payment_attempt_id=data["payment_attempt_id"])["data"]["state"] == "action_required"


@pytest.mark.parametrize(
    ("card", "expiry", "cvc", "promotion", "code"),
    [
        ("4242 4242 4242 4241", "12 / 34", "123", "", ErrorCode.INVALID_ARGUMENTS),  # fails Luhn
        ("4242424242424242", "01 / 20", "123", "", ErrorCode.INVALID_ARGUMENTS),  # expired card
        ("4242424242424242", "13 / 34", "123", "", ErrorCode.INVALID_ARGUMENTS),
        ("4242424242424242", "12 / 34", "12", "", ErrorCode.INVALID_ARGUMENTS),
        ("4242424242424242", "12 / 34", "123", "FREEMONEY", ErrorCode.INVALID_ARGUMENTS),
        (
            "5555 5555 5555 4444",
            "12 / 34",
            "123",
            "",
            ErrorCode.PAYMENT_DECLINED,
        ),  # not a card the mock knows
        (DECLINED, "12 / 34", "123", "", ErrorCode.PAYMENT_DECLINED),
        (NO_FUNDS, "12 / 34", "123", "", ErrorCode.PAYMENT_DECLINED),
    ],
)
def test_refused_cards_leave_the_session_open(
    paying: Api, card: str, expiry: str, cvc: str, promotion: str, code: ErrorCode
) -> None:
    data = buy(paying, quote(paying)["data"]["quote_id"])["data"]
    refused = pay(paying, data["checkout_url"], card, expiry=expiry, cvc=cvc, promotion_code=promotion)
    assert refused["error"]["code"] == code
    if card == NO_FUNDS:
        assert "insufficient funds" in refused["error"]["message"]
    after = status(paying, payment_attempt_id=data["payment_attempt_id"])["data"]
    assert after["state"] == "action_required"
    assert paying.request("GET", "/v1/quota")["data"]["limits"]["payment_backed_remaining_credits"] == 0


def test_paying_grants_exactly_the_pack_once(paying: Api) -> None:
    quote_data = quote(paying)["data"]
    data = buy(paying, quote_data["quote_id"])["data"]
    assert pay(paying, data["checkout_url"], DECLINED)["error"]["code"] == ErrorCode.PAYMENT_DECLINED
    paid = pay(paying, data["checkout_url"])
    assert paid["ok"], paid
    after = status(paying, payment_attempt_id=data["payment_attempt_id"])["data"]
    assert after["state"] == "succeeded"
    assert after["payment_attempt"]["attempt_status"] == "succeeded"
    assert after["receipt"]["receipt_id"].startswith("rcpt_")
    assert (after["receipt"]["credits"], after["receipt"]["amount_cents"]) == (500, 500)
    assert after["credit_event"]["credit_event_id"].startswith("credevt_")
    assert after["credit_event"]["kind"] == "payment_backed_granted"
    assert after["limits"] == {  # remaining_credits is the preview part; the total is the sum
        "remaining_credits": 50,
        "preview_remaining_credits": 50,
        "payment_backed_remaining_credits": 500,
        "total_remaining_credits": 550,
    }
    assert after["next"]["human_action"] == "none"
    for ref in (
        {"quote_id": quote_data["quote_id"]},
        {"checkout_session_id": data["checkout_session_id"]},
        {"receipt_id": after["receipt"]["receipt_id"]},
    ):
        assert status(paying, **ref)["data"] == after
    again = pay(paying, data["checkout_url"])
    assert again["error"]["code"] == ErrorCode.CHECKOUT_SESSION_NOT_OPEN
    assert (
        buy(paying, quote_data["quote_id"], "buy-again")["error"]["code"] == ErrorCode.CREDIT_QUOTE_CONSUMED
    )
    limits = paying.request("GET", "/v1/quota")["data"]["limits"]
    assert limits["payment_backed_remaining_credits"] == 500
    assert limits["remaining_credits"] == limits["preview_remaining_credits"] == 50  # the preview part only
    assert limits["total_remaining_credits"] == 550
    assert activity_types(paying) == ["payment.checkout_session.created", "credits.payment_backed_granted"]


def test_preview_credits_are_spent_before_paid_ones(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=10)
    api.signup()
    data = buy(api, quote(api, credits=100)["data"]["quote_id"])["data"]
    assert pay(api, data["checkout_url"])["ok"]
    api.create()  # 12 credits
    limits = api.request("GET", "/v1/quota")["data"]["limits"]
    assert limits["preview_remaining_credits"] == 38
    assert limits["payment_backed_remaining_credits"] == 100
    for _ in range(5):  # 60 more: the preview 38 run out, then 22 paid ones go
        api.create()
    limits = api.request("GET", "/v1/quota")["data"]["limits"]
    assert (limits["preview_remaining_credits"], limits["payment_backed_remaining_credits"]) == (0, 78)


def test_hostile_calls_to_the_stripe_side_routes_get_envelopes(paying: Api) -> None:
    data = buy(paying, quote(paying)["data"]["quote_id"])["data"]
    path = urlsplit(data["checkout_url"]).path
    for body in (b"not json", b"[]", b'{"secret": 7}', b'{"secret": "' + b"x" * 300 + b'"}'):
        refused = paying.request("POST", path + "/confirm", content=body)
        assert refused["error"]["code"] in (ErrorCode.INVALID_ARGUMENTS, ErrorCode.CHECKOUT_LINK_INVALID)
    huge = paying.request("POST", "/webhooks/stripe", content=b"{" + b" " * (70 * 1024) + b"}")
    assert huge["error"]["code"] == ErrorCode.REQUEST_TOO_LARGE
    unknown_page = paying.client.get("/checkout/c/pay/cs_test_" + "0" * 48)
    assert unknown_page.status_code == 404
    assert "does not exist" in unknown_page.text
    objects = f"/stripe/v1/payment_attempts/{data['payment_attempt_id']}"
    assert paying.request("GET", objects, token="whsec_wrong")["error"]["code"] == ErrorCode.AUTH_REQUIRED
    assert status(paying, payment_attempt_id=data["payment_attempt_id"])["data"]["state"] == "action_required"
