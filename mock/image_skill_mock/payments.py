"""The payment rail, as Stripe test mode runs it: packs, quotes, Checkout Sessions, webhook
fulfillment, refunds and disputes. Every state change and its activity event share one transaction.

Quotes (``quote``): a pack or an exact number of credits (1 credit = 1 US cent), idempotent per agent
and key: the same key and terms return the same quote, the same key with other terms is
``CREDIT_QUOTE_CONFLICT`` whose recovery carries a fresh key for the attempted terms. A quote can be
bought until ``expires_at`` (``Settings.quote_ttl_seconds``).

Checkout (``buy``): a payment attempt (``payatt_``) with its Checkout Session (``cs_test_``), its
PaymentIntent and charge ids, and the secret the checkout URL's ``#`` fragment carries. Idempotent
per agent and key; a quote has at most one open session (a second buy returns it). Creating it
records ``payment.checkout_session.created`` and changes no balance.

Fulfillment (``receive``): a Stripe-format event, signature verified (``stripe.verify``), handled
exactly once whatever the delivery order or repetition: the event id is recorded in the transaction
that applies it, and the grant itself is unique per payment attempt (a receipt row), so duplicates
with other event ids grant nothing either.

- ``checkout.session.completed`` (paid, amount and currency of the quote): receipt (``rcpt_``), a
  payment-backed credit event (``credevt_``, +credits), ``credits.payment_backed_granted``. A
  completion that does not match the quote fails the attempt and grants nothing.
- ``checkout.session.expired``: the open attempt expires (a paid one stays paid).
- ``charge.refunded`` (cumulative ``amount_refunded``, full or partial) and
  ``charge.dispute.created``: a reversal (``prev_``) that debits the payment-backed credits still
  unspent, never more (a balance never goes negative): ``credits.payment_backed_refunded`` /
  ``_disputed`` for what was taken, ``credits.payment_backed_reversal_pending`` for what could not be.
  A reversal that cannot be reconciled (a charge that is not the attempt's, more than was paid,
  another currency) is recorded as ``rejected`` (``credits.payment_backed_reversal_rejected``).
- ``charge.dispute.funds_reinstated``: what the dispute took is granted back
  (``credits.payment_backed_reinstated``) and its pending part is dropped.
- A refund or dispute event for a payment not yet fulfilled (or a reinstatement before its
  dispute) is ``WEBHOOK_EVENT_NOT_READY`` (503): nothing is recorded and Stripe delivers it again.

Which credits a job spends first: preview credits, then payment-backed ones (``ledger``); so a
reversal can take back whatever paid credits are still unspent. Pending reversal amounts are
recorded, not collected later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shlex
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import MOCK_CHECKOUT_PATH, ActivityEventType, ErrorCode
from image_skill_mock import activity, commands, ids, ledger, stripe
from image_skill_mock.clock import timestamp
from image_skill_mock.envelope import ApiError
from image_skill_mock.storage import Agent, Storage

CURRENCY: Final = "USD"
STRIPE_CHECKOUT: Final = commands.STRIPE_CHECKOUT
PROVIDER: Final = "stripe"
MIN_CREDITS: Final = 1
MAX_CREDITS: Final = 5000
#: How long a Checkout Session stays open (Stripe's default: 24 h).
SESSION_TTL: Final = timedelta(hours=24)
#: Where the mock serves its test-mode checkout page (``checkout_url``'s path, before the session id).
CHECKOUT_PAGE_PATH: Final = "/checkout/c/pay/"
#: The mock's Stripe webhook endpoint.
WEBHOOK_PATH: Final = "/webhooks/stripe"
#: Seconds an agent waits between status polls while the payment is pending.
POLL_SECONDS: Final = {"action_required": 10, "processing": 2}


@dataclass(frozen=True)
class Pack:
    pack_id: str
    name: str
    credits: int

    def shape(self) -> dict[str, Any]:
        return {
            "pack_id": self.pack_id,
            "name": self.name,
            "credits": self.credits,
            "amount_cents": self.credits,  # one credit is one cent
            "currency": CURRENCY,
        }


PACKS: Final = (
    Pack("starter-500", "Starter", 500),
    Pack("creator-2000", "Creator", 2000),
    Pack("studio-5000", "Studio", 5000),
)
DEFAULT_PACK_ID: Final = commands.DEFAULT_PACK_ID
PACKS_BY_ID: Final = {pack.pack_id: pack for pack in PACKS}


def packs_data() -> dict[str, Any]:
    return {
        "credit_unit_cents": 1,
        "credit_unit_usd": 0.01,
        "currency": CURRENCY,
        "default_pack_id": DEFAULT_PACK_ID,
        "packs": [pack.shape() for pack in PACKS],
        "custom_quotes": {"supported": True, "min_credits": MIN_CREDITS, "max_credits": MAX_CREDITS},
    }


# ----------------------------------------------------------------------- commands
def _command(operation_id: str, *args: str) -> str:
    return shlex.join([*OPERATIONS[operation_id].command.split(), *args, "--json"])


def fresh_key(prefix: str) -> str:
    """A new idempotency key: ``<prefix>-<epoch ms>-<8 hex>`` (the CLI generates the same shape)."""
    return f"{prefix}-{int(time.time() * 1000)}-{secrets.token_hex(4)}"


def quote_command(credits: int | None, pack_id: str | None, key: str) -> str:
    terms = ["--pack", pack_id] if pack_id else []
    terms += ["--credits", str(credits)] if credits is not None and not pack_id else []
    return _command(
        "createCreditQuote", *terms, "--payment-method", STRIPE_CHECKOUT, "--idempotency-key", key
    )


def buy_command(quote_id: str, key: str) -> str:
    return _command(
        "createStripeCheckoutSession",
        "--provider",
        PROVIDER,
        "--quote-id",
        quote_id,
        "--idempotency-key",
        key,
    )


def status_command(flag: str, ref: str) -> str:
    return _command("getCreditPurchaseStatus", flag, ref)


# -------------------------------------------------------------------------- quotes
def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def _parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _quote_state(row: dict[str, Any], now: datetime) -> str:
    if row["state"] == "consumed":
        return "consumed"
    return "expired" if now >= _parse_time(row["expires_at"]) else "created"


def _quote_shape(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    pack = PACKS_BY_ID.get(row["pack_id"] or "")
    return {
        "quote_id": row["quote_id"],
        "state": _quote_state(row, now),
        "credits": row["credits"],
        "price_amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "expires_at": row["expires_at"],
        "accepted_payment_method": row["payment_method"],
        "idempotency_key": row["idempotency_key"],
        "pack_id": row["pack_id"],
        "pack": pack.shape() if pack else None,
        "live_money": False,  # a test-mode rail: no real money ever moves
    }


def quote(
    storage: Storage, agent: Agent, body: dict[str, Any], *, now: datetime, ttl_seconds: int
) -> dict[str, Any]:
    """``POST /v1/credit-quotes``: the quote for these terms under this key (new or replayed)."""
    pack_id: str | None = body.get("pack_id")
    requested: int | None = body.get("credits")
    method: str = body["payment_method"]
    key: str = body["idempotency_key"]
    if pack_id is not None:
        pack = PACKS_BY_ID.get(pack_id)
        if pack is None:
            raise ApiError(
                ErrorCode.NOT_FOUND,
                f"There is no credit pack {pack_id!r}.",
                recovery={"suggested_command": _command("listCreditPacks")},
            )
        credits = pack.credits
    else:
        assert requested is not None  # the spec requires exactly one of credits and pack_id
        if not MIN_CREDITS <= requested <= MAX_CREDITS:
            raise ApiError(
                ErrorCode.INVALID_ARGUMENTS, f"A custom quote is {MIN_CREDITS} to {MAX_CREDITS} credits."
            )
        credits = requested
    fingerprint = _fingerprint(credits, pack_id, method)
    row = {
        "quote_id": ids.new_id("QuoteId"),
        "agent_id": agent.agent_id,
        "idempotency_key": key,
        "fingerprint": fingerprint,
        "credits": credits,
        "amount_cents": credits,
        "currency": CURRENCY,
        "pack_id": pack_id,
        "payment_method": method,
        "state": "created",
        "created_at": timestamp(now),
        "expires_at": timestamp(now + timedelta(seconds=ttl_seconds)),
    }
    with storage.transaction() as conn:
        if not Storage.payment_insert(conn, "credit_quotes", row):
            existing = Storage.payment_row(
                conn, "credit_quotes", {"agent_id": agent.agent_id, "idempotency_key": key}
            )
            assert existing is not None
            if existing["fingerprint"] != fingerprint:
                raise ApiError(
                    ErrorCode.CREDIT_QUOTE_CONFLICT,
                    "This idempotency key was already used for other quote terms; nothing was quoted."
                    " Use the fresh key in the suggested command for these terms.",
                    recovery={"suggested_command": quote_command(requested, pack_id, fresh_key("quote"))},
                )
            row = existing
    return _quote_shape(row, now)


# ------------------------------------------------------------------------ checkout
def handoff_url(base_url: str, attempt_id: str) -> str:
    return f"{base_url}{MOCK_CHECKOUT_PATH}{attempt_id}"


def checkout_url(base_url: str, attempt: dict[str, Any]) -> str:
    return f"{base_url}{CHECKOUT_PAGE_PATH}{attempt['checkout_session_id']}#{attempt['checkout_secret']}"


def _attempt_status(attempt: dict[str, Any], now: datetime) -> str:
    status = str(attempt["status"])
    if status == "requires_action" and now >= _parse_time(attempt["created_at"]) + SESSION_TTL:
        return "expired"
    return status


def _after_payment(attempt_id: str) -> str:
    return (
        "open checkout_handoff_url or checkout_compact_url; use the full checkout_url only if no Image Skill"
        " handoff URL is available, and preserve its Stripe # fragment. Then poll "
        + status_command("--payment-attempt-id", attempt_id)
        + " or image-skill usage quota --json; credits are granted only after verified webhook fulfillment"
    )


def _session_shape(quote_row: dict[str, Any], attempt: dict[str, Any], base_url: str) -> dict[str, Any]:
    handoff = handoff_url(base_url, attempt["payment_attempt_id"])
    raw = checkout_url(base_url, attempt)
    return {
        "state": "action_required",
        "quote_id": quote_row["quote_id"],
        "payment_attempt_id": attempt["payment_attempt_id"],
        "provider": PROVIDER,
        "accepted_payment_method": quote_row["payment_method"],
        "checkout_session_id": attempt["checkout_session_id"],
        "checkout_handoff_url": handoff,
        "checkout_compact_url": handoff,
        "checkout_url": raw,
        "credits": quote_row["credits"],
        "amount_cents": quote_row["amount_cents"],
        "currency": quote_row["currency"],
        "live_money": False,
        "next": {
            "human_action": "open_checkout_url",
            "checkout_handoff_url": handoff,
            "checkout_compact_url": handoff,
            "fallback_checkout_url": raw,
            "after_payment": _after_payment(attempt["payment_attempt_id"]),
        },
    }


def buy(
    storage: Storage, agent: Agent, body: dict[str, Any], *, now: datetime, base_url: str, trace_id: str
) -> dict[str, Any]:
    """``POST /v1/credit-purchases/stripe-checkout-sessions``: the open Checkout Session for a quote."""
    quote_id: str = body["quote_id"]
    key: str = body["idempotency_key"]
    with storage.transaction() as conn:
        quote_row = Storage.payment_row(
            conn, "credit_quotes", {"quote_id": quote_id, "agent_id": agent.agent_id}
        )
        if quote_row is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such quote for this agent.")
        keyed = Storage.payment_row(
            conn, "payment_attempts", {"agent_id": agent.agent_id, "idempotency_key": key}
        )
        if keyed is not None and keyed["quote_id"] != quote_id:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_KEY_CONFLICT,
                "This idempotency key was already used to buy another quote; nothing was created.",
                recovery={"suggested_command": buy_command(quote_id, fresh_key("buy"))},
            )
        attempts = Storage.payment_rows(
            conn, "payment_attempts", {"quote_id": quote_id}, order_by="created_at"
        )
        if quote_row["state"] == "consumed" or any(
            a["status"] in ("processing", "succeeded") for a in attempts
        ):
            raise ApiError(
                ErrorCode.CREDIT_QUOTE_CONSUMED,
                "This quote was already paid; it cannot be bought again.",
                recovery={"suggested_command": status_command("--quote-id", quote_id)},
            )
        open_attempts = [a for a in attempts if _attempt_status(a, now) == "requires_action"]
        if keyed is not None:
            if keyed not in open_attempts:
                raise ApiError(
                    ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
                    "The Checkout Session this key created is no longer open; nothing was charged.",
                    recovery={"suggested_command": buy_command(quote_id, fresh_key("buy"))},
                )
            return _session_shape(quote_row, keyed, base_url)
        if open_attempts:
            return _session_shape(quote_row, open_attempts[-1], base_url)
        if _quote_state(quote_row, now) == "expired":
            raise ApiError(
                ErrorCode.CREDIT_QUOTE_EXPIRED,
                f"The quote expired at {quote_row['expires_at']}; quote the same terms again.",
                recovery={
                    "suggested_command": quote_command(
                        quote_row["credits"], quote_row["pack_id"], fresh_key("quote")
                    )
                },
            )
        stamp = timestamp(now)
        attempt = {
            "payment_attempt_id": ids.new_id("PaymentAttemptId"),
            "agent_id": agent.agent_id,
            "quote_id": quote_id,
            "idempotency_key": key,
            "checkout_session_id": "cs_test_" + secrets.token_hex(24),
            "checkout_secret": "fid" + secrets.token_urlsafe(48),
            "payment_intent_id": stripe.stripe_id("pi_"),
            "charge_id": stripe.stripe_id("ch_"),
            "status": "requires_action",
            "created_at": stamp,
            "updated_at": stamp,
        }
        Storage.payment_insert(conn, "payment_attempts", attempt)
        links = {
            "quote_id": quote_id,
            "payment_attempt_id": attempt["payment_attempt_id"],
            "checkout_session_id": attempt["checkout_session_id"],
        }
        Storage.add_activity(
            conn,
            activity.event(
                ActivityEventType.PAYMENT_CHECKOUT_SESSION_CREATED,
                agent_id=agent.agent_id,
                subject_id=attempt["payment_attempt_id"],
                summary=f"Checkout session created for {quote_row['credits']} credits (awaits payment).",
                status="action_required",
                occurred_at=stamp,
                trace_id=trace_id,
                links=links,
            ),
        )
        return _session_shape(quote_row, attempt, base_url)


# -------------------------------------------------------------------------- status
REFERENCES: Final = {
    "quote_id": ("credit_quotes", "quote_id"),
    "payment_attempt_id": ("payment_attempts", "payment_attempt_id"),
    "checkout_session_id": ("payment_attempts", "checkout_session_id"),
    "receipt_id": ("receipts", "receipt_id"),
}


def status(
    storage: Storage, agent: Agent, query: dict[str, Any], *, now: datetime, base_url: str
) -> dict[str, Any]:
    """``GET /v1/credit-purchases/status``: the durable state behind exactly one reference."""
    given = {name: query[name] for name in REFERENCES if query.get(name) is not None}
    if len(given) != 1:
        raise ApiError(
            ErrorCode.CREDIT_PURCHASE_REFERENCE_REQUIRED,
            "Give exactly one of quote_id, payment_attempt_id, checkout_session_id or receipt_id.",
        )
    ((name, ref),) = given.items()
    table, column = REFERENCES[name]
    with storage.transaction() as conn:
        row = Storage.payment_row(conn, table, {column: ref, "agent_id": agent.agent_id})
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such purchase reference for this agent.")
        quote_row = Storage.payment_row(conn, "credit_quotes", {"quote_id": row["quote_id"]})
        assert quote_row is not None
        if table == "payment_attempts":
            attempt: dict[str, Any] | None = row
        elif table == "receipts":
            attempt = Storage.payment_row(
                conn, "payment_attempts", {"payment_attempt_id": row["payment_attempt_id"]}
            )
        else:
            attempts = Storage.payment_rows(
                conn, "payment_attempts", {"quote_id": row["quote_id"]}, order_by="created_at"
            )
            paid = [a for a in attempts if a["status"] in ("processing", "succeeded")]
            candidates = paid or attempts
            attempt = candidates[-1] if candidates else None
        receipt = (
            Storage.payment_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]})
            if attempt
            else None
        )
        events = (
            Storage.payment_rows(
                conn, "credit_events", {"receipt_id": receipt["receipt_id"]}, order_by="created_at"
            )
            if receipt
            else []
        )
        reversals = (
            Storage.payment_rows(conn, "payment_reversals", {"receipt_id": receipt["receipt_id"]})
            if receipt
            else []
        )
        entries = Storage.ledger_entries(conn, agent.agent_id)
    return _status_shape(quote_row, attempt, receipt, events, reversals, entries, now=now, base_url=base_url)


def _status_shape(  # noqa: PLR0917
    quote_row: dict[str, Any],
    attempt: dict[str, Any] | None,
    receipt: dict[str, Any] | None,
    events: list[dict[str, Any]],
    reversals: list[dict[str, Any]],
    entries: list[Any],
    *,
    now: datetime,
    base_url: str,
) -> dict[str, Any]:
    attempt_status = _attempt_status(attempt, now) if attempt else None
    if attempt_status is None:
        state = "expired" if _quote_state(quote_row, now) == "expired" else "created"
    elif attempt_status == "requires_action":
        state = "action_required"
    else:
        state = attempt_status
    standing = [r for r in reversals if r["status"] in ("applied", "pending")]
    if state == "succeeded" and standing:
        state = "disputed" if standing[-1]["kind"] == "dispute" else "refunded"
    payment_attempt = None
    next_: dict[str, Any] = {"human_action": "none"}
    if attempt is not None:
        handoff = handoff_url(base_url, attempt["payment_attempt_id"])
        payment_attempt = {
            "payment_attempt_id": attempt["payment_attempt_id"],
            "checkout_session_id": attempt["checkout_session_id"],
            "checkout_handoff_url": handoff,
            "checkout_compact_url": handoff,
            "checkout_url": checkout_url(base_url, attempt),
            "attempt_status": attempt_status,
        }
        if state == "action_required":
            next_ = {
                "retry_after_seconds": POLL_SECONDS[state],
                "human_action": "open_checkout_url",
                "checkout_handoff_url": handoff,
                "checkout_compact_url": handoff,
                "fallback_checkout_url": payment_attempt["checkout_url"],
                "after_payment": _after_payment(attempt["payment_attempt_id"]),
            }
        elif state == "processing":
            next_ = {"retry_after_seconds": POLL_SECONDS[state], "human_action": "none"}
    if state == "created":
        next_["after_payment"] = "buy the quote: " + buy_command(quote_row["quote_id"], fresh_key("buy"))
    elif state in ("expired", "failed"):
        again = quote_command(quote_row["credits"], quote_row["pack_id"], fresh_key("quote"))
        next_["after_payment"] = "nothing was charged; quote again: " + again
    data: dict[str, Any] = {
        "state": state,
        "quote": {
            "quote_id": quote_row["quote_id"],
            "credits": quote_row["credits"],
            "price_amount_cents": quote_row["amount_cents"],
            "accepted_payment_method": quote_row["payment_method"],
            "pack_id": quote_row["pack_id"],
            "x402": None,
        },
        "payment_attempt": payment_attempt,
        "receipt": None,
        "credit_event": None,
        "next": next_,
    }
    if receipt is not None:
        data["receipt"] = {
            "receipt_id": receipt["receipt_id"],
            "credits": receipt["credits"],
            "amount_cents": receipt["amount_cents"],
            "currency": receipt["currency"],
            "paid_at": receipt["paid_at"],
        }
        latest = events[-1]
        data["credit_event"] = {
            "credit_event_id": latest["credit_event_id"],
            "credits": latest["credits"],
            "kind": latest["kind"],
            "occurred_at": latest["created_at"],
        }
        summed = ledger.credits(entries)
        data["limits"] = {
            "remaining_credits": summed.remaining,
            "payment_backed_remaining_credits": summed.payment_backed_remaining,
        }
    return data


# -------------------------------------------------------------- the checkout page
@dataclass(frozen=True)
class Session:
    """What the checkout page shows about one session."""

    payment_attempt_id: str
    checkout_session_id: str
    credits: int
    amount_cents: int
    currency: str
    status: str
    secret: str


def session_by_id(storage: Storage, checkout_session_id: str, *, now: datetime) -> Session | None:
    with storage.transaction() as conn:
        attempt = Storage.payment_row(conn, "payment_attempts", {"checkout_session_id": checkout_session_id})
        if attempt is None:
            return None
        quote_row = Storage.payment_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
    assert quote_row is not None
    return Session(
        attempt["payment_attempt_id"],
        attempt["checkout_session_id"],
        quote_row["credits"],
        quote_row["amount_cents"],
        quote_row["currency"],
        _attempt_status(attempt, now),
        attempt["checkout_secret"],
    )


def handoff_target(storage: Storage, attempt_id: str, base_url: str) -> str | None:
    """Where ``<base>/pay/<payatt>`` redirects: the whole checkout URL, fragment included."""
    with storage.transaction() as conn:
        attempt = Storage.payment_row(conn, "payment_attempts", {"payment_attempt_id": attempt_id})
    return checkout_url(base_url, attempt) if attempt else None


def check_secret(session: Session, secret: str) -> None:
    """The fragment's secret, compared in constant time; ``CHECKOUT_LINK_INVALID`` when it is not it."""
    if not hmac.compare_digest(session.secret.encode(), secret.encode("utf-8", "replace")):
        raise ApiError(
            ErrorCode.CHECKOUT_LINK_INVALID,
            "This checkout link is incomplete: the part after # was trimmed or changed. Open the"
            " checkout_handoff_url instead.",
        )


#: Stripe's test cards the mock knows: number -> None (succeeds) or the decline message.
TEST_CARDS: Final[dict[str, str | None]] = {
    "4242424242424242": None,
    "4000000000000002": "Your card was declined.",
    "4000000000009995": "Your card has insufficient funds.",
}


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def check_card(card_number: str, expiry: str, cvc: str, promotion_code: str, *, now: datetime) -> None:
    """Stripe test mode's checks of the form: a valid card shape, a future expiry, a CVC, a known test
    card (``TEST_CARDS``); raises the refusal the page shows."""
    number = card_number.replace(" ", "").replace("-", "")
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19 and _luhn(number)):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "Your card number is invalid.")
    month, _, year = expiry.replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) in (2, 4)):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "Your card's expiration date is incomplete (MM / YY).")
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    if (full_year, int(month)) < (now.year, now.month):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "Your card's expiration date is in the past.")
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) in (3, 4)):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "Your card's security code is incomplete.")
    if promotion_code.strip():
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "This promotion code is invalid.")
    if number not in TEST_CARDS:
        raise ApiError(
            ErrorCode.PAYMENT_DECLINED,
            "Your card was declined. This is a test-mode checkout: use a Stripe test card such as"
            " 4242 4242 4242 4242.",
        )
    declined = TEST_CARDS[number]
    if declined is not None:
        raise ApiError(ErrorCode.PAYMENT_DECLINED, declined + " Try another card.")


def pay(storage: Storage, session: Session, *, now: datetime) -> dict[str, Any]:
    """A test card succeeded: the attempt is ``processing`` and the completion event to deliver is built."""
    with storage.transaction() as conn:
        attempt = Storage.payment_row(
            conn, "payment_attempts", {"checkout_session_id": session.checkout_session_id}
        )
        assert attempt is not None
        if _attempt_status(attempt, now) != "requires_action":
            raise ApiError(
                ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
                "This checkout session is no longer open (already paid or expired); nothing was charged.",
            )
        Storage.payment_update(
            conn,
            "payment_attempts",
            {"payment_attempt_id": attempt["payment_attempt_id"]},
            {"status": "processing", "updated_at": timestamp(now)},
        )
        quote_row = Storage.payment_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
    assert quote_row is not None
    return stripe.event(
        stripe.CHECKOUT_COMPLETED,
        _session_object(quote_row, attempt, paid=True),
        created=int(now.timestamp()),
    )


# ------------------------------------------------------------ Stripe's own objects
def _metadata(attempt: dict[str, Any]) -> dict[str, str]:
    return {
        "quote_id": attempt["quote_id"],
        "payment_attempt_id": attempt["payment_attempt_id"],
        "agent_id": attempt["agent_id"],
    }


def _epoch(stamp: str) -> int:
    return int(_parse_time(stamp).timestamp())


def _session_object(
    quote_row: dict[str, Any], attempt: dict[str, Any], *, paid: bool | None
) -> dict[str, Any]:
    created = _epoch(attempt["created_at"])
    return stripe.checkout_session(
        session_id=attempt["checkout_session_id"],
        payment_intent=attempt["payment_intent_id"],
        amount_cents=quote_row["amount_cents"],
        currency=quote_row["currency"],
        metadata=_metadata(attempt),
        status="complete" if paid else ("expired" if paid is None else "open"),
        payment_status="paid" if paid else "unpaid",
        created=created,
        expires_at=created + int(SESSION_TTL.total_seconds()),
        url=None,
    )


def stripe_objects(storage: Storage, attempt_id: str) -> dict[str, Any] | None:
    """The Stripe-side objects of one payment attempt, as the test-mode API returns them to the
    ``stripe trigger`` command: the session, its charge (refunded so far) and its disputes."""
    with storage.transaction() as conn:
        attempt = Storage.payment_row(conn, "payment_attempts", {"payment_attempt_id": attempt_id})
        if attempt is None:
            return None
        quote_row = Storage.payment_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
        receipt = Storage.payment_row(conn, "receipts", {"payment_attempt_id": attempt_id})
        reversals = (
            Storage.payment_rows(conn, "payment_reversals", {"receipt_id": receipt["receipt_id"]})
            if receipt
            else []
        )
    assert quote_row is not None
    refunded = sum(
        r["amount_cents"] for r in reversals if r["kind"] == "refund" and r["status"] != "rejected"
    )
    metadata = _metadata(attempt)
    charge = stripe.charge(
        charge_id=attempt["charge_id"],
        payment_intent=attempt["payment_intent_id"],
        amount_cents=quote_row["amount_cents"],
        amount_refunded=refunded,
        currency=quote_row["currency"],
        metadata=metadata,
        created=_epoch(attempt["updated_at"]),
    )
    disputes = [
        stripe.dispute(
            dispute_id=r["provider_ref"],
            charge_id=attempt["charge_id"],
            payment_intent=attempt["payment_intent_id"],
            amount_cents=r["amount_cents"],
            currency=r["currency"],
            status="won" if r["status"] == "reinstated" else "needs_response",
            metadata=metadata,
            created=_epoch(r["created_at"]),
        )
        for r in reversals
        if r["kind"] == "dispute" and r["status"] != "rejected"
    ]
    return {
        "checkout_session": _session_object(
            quote_row, attempt, paid=True if receipt else (None if attempt["status"] == "expired" else False)
        ),
        "charge": charge,
        "disputes": disputes,
    }


# --------------------------------------------------------------------- the webhook
class NotReady(Exception):
    """The event depends on one not handled yet: nothing is recorded, Stripe delivers it again."""


def receive(
    storage: Storage, secret: str, payload: bytes, signature: str | None, *, now: datetime
) -> dict[str, Any]:
    """One webhook delivery: verified, parsed and handled exactly once; what was done with it."""
    try:
        stripe.verify(secret, signature, payload, now=int(now.timestamp()))
    except stripe.SignatureInvalid as exc:
        raise ApiError(ErrorCode.WEBHOOK_SIGNATURE_INVALID, f"{exc} Nothing was recorded.") from None
    try:
        event = json.loads(payload)
    except ValueError:
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "The webhook body is not JSON.") from None
    obj = (
        event.get("data", {}).get("object")
        if isinstance(event, dict) and isinstance(event.get("data"), dict)
        else None
    )
    event_id, type_ = (event.get("id"), event.get("type")) if isinstance(event, dict) else (None, None)
    if not (
        isinstance(event_id, str)
        and event_id.startswith("evt_")
        and isinstance(type_, str)
        and isinstance(obj, dict)
    ):
        raise ApiError(ErrorCode.INVALID_ARGUMENTS, "The webhook body is not a Stripe event.")
    handler = _HANDLERS.get(type_)
    try:
        with storage.transaction() as conn:
            seen = Storage.payment_row(conn, "stripe_events", {"event_id": event_id})
            if seen is not None:
                return {"received": True, "event_id": event_id, "type": type_, "outcome": "duplicate"}
            outcome = handler(conn, obj, now) if handler else "ignored"
            Storage.payment_insert(
                conn,
                "stripe_events",
                {"event_id": event_id, "type": type_, "outcome": outcome, "received_at": timestamp(now)},
            )
    except NotReady as exc:
        raise ApiError(
            ErrorCode.WEBHOOK_EVENT_NOT_READY, f"{exc} Nothing was recorded; deliver it again."
        ) from None
    return {"received": True, "event_id": event_id, "type": type_, "outcome": outcome}


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _credit_event(  # noqa: PLR0917
    conn: Any,
    attempt: dict[str, Any],
    receipt_id: str,
    reversal_id: str | None,
    kind: str,
    credits: int,
    stamp: str,
    credit_event_id: str | None = None,
) -> str:
    credit_event_id = credit_event_id or ids.new_id("CreditEventId")
    Storage.payment_insert(
        conn,
        "credit_events",
        {
            "credit_event_id": credit_event_id,
            "agent_id": attempt["agent_id"],
            "receipt_id": receipt_id,
            "payment_reversal_id": reversal_id,
            "kind": kind,
            "credits": credits,
            "created_at": stamp,
        },
    )
    return credit_event_id


def _record(  # noqa: PLR0917
    conn: Any,
    attempt: dict[str, Any],
    type_: ActivityEventType,
    subject_id: str,
    summary: str,
    status_: str,
    stamp: str,
    links: dict[str, str | None],
) -> None:
    Storage.add_activity(
        conn,
        activity.event(
            type_,
            agent_id=attempt["agent_id"],
            subject_id=subject_id,
            summary=summary,
            status=status_,
            occurred_at=stamp,
            trace_id=None,
            links=links,
        ),
    )


def _completed(conn: Any, obj: dict[str, Any], now: datetime) -> str:
    attempt = Storage.payment_row(conn, "payment_attempts", {"checkout_session_id": _text(obj, "id")})
    if attempt is None:
        return "ignored_unknown_session"
    if _text(obj, "payment_status") != "paid":
        return "ignored_unpaid"
    if Storage.payment_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]}):
        return "already_granted"
    quote_row = Storage.payment_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
    assert quote_row is not None
    stamp = timestamp(now)
    matches = (
        _int(obj, "amount_total") == quote_row["amount_cents"]
        and _text(obj, "currency").upper() == quote_row["currency"]
        and _text(obj, "payment_intent") == attempt["payment_intent_id"]
    )
    if not matches:
        Storage.payment_update(
            conn,
            "payment_attempts",
            {"payment_attempt_id": attempt["payment_attempt_id"]},
            {"status": "failed", "updated_at": stamp},
        )
        return "failed_terms_mismatch"
    receipt_id, credit_event_id = ids.new_id("ReceiptId"), ids.new_id("CreditEventId")
    Storage.payment_insert(
        conn,
        "receipts",
        {
            "receipt_id": receipt_id,
            "agent_id": attempt["agent_id"],
            "quote_id": quote_row["quote_id"],
            "payment_attempt_id": attempt["payment_attempt_id"],
            "charge_id": attempt["charge_id"],
            "credits": quote_row["credits"],
            "amount_cents": quote_row["amount_cents"],
            "currency": quote_row["currency"],
            "paid_at": stamp,
            "credit_event_id": credit_event_id,
        },
    )
    _credit_event(
        conn,
        attempt,
        receipt_id,
        None,
        "payment_backed_granted",
        quote_row["credits"],
        stamp,
        credit_event_id,
    )
    Storage.payment_update(
        conn,
        "payment_attempts",
        {"payment_attempt_id": attempt["payment_attempt_id"]},
        {"status": "succeeded", "updated_at": stamp},
    )
    Storage.payment_update(conn, "credit_quotes", {"quote_id": quote_row["quote_id"]}, {"state": "consumed"})
    _record(
        conn,
        attempt,
        ActivityEventType.CREDITS_PAYMENT_BACKED_GRANTED,
        credit_event_id,
        f"Verified Stripe payment granted {quote_row['credits']} payment-backed credits.",
        "granted",
        stamp,
        {"quote_id": quote_row["quote_id"], "receipt_id": receipt_id, "credit_event_id": credit_event_id},
    )
    return "granted"


def _expired(conn: Any, obj: dict[str, Any], now: datetime) -> str:
    attempt = Storage.payment_row(conn, "payment_attempts", {"checkout_session_id": _text(obj, "id")})
    if attempt is None:
        return "ignored_unknown_session"
    if attempt["status"] != "requires_action":
        return "ignored_not_open"
    Storage.payment_update(
        conn,
        "payment_attempts",
        {"payment_attempt_id": attempt["payment_attempt_id"]},
        {"status": "expired", "updated_at": timestamp(now)},
    )
    return "expired"


def _attempt_for_charge(
    conn: Any, obj: dict[str, Any], charge_key: str
) -> tuple[dict[str, Any] | None, bool]:
    """The attempt a charge event is about, and whether its charge id is the attempt's own."""
    attempt = Storage.payment_row(conn, "payment_attempts", {"charge_id": _text(obj, charge_key)})
    if attempt is not None:
        return attempt, True
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    claimed = metadata.get("payment_attempt_id")
    if isinstance(claimed, str):
        return Storage.payment_row(conn, "payment_attempts", {"payment_attempt_id": claimed}), False
    return None, False


def _reversal(conn: Any, obj: dict[str, Any], now: datetime, *, kind: str) -> str:
    charge_key = "id" if kind == "refund" else "charge"
    attempt, own_charge = _attempt_for_charge(conn, obj, charge_key)
    if attempt is None:
        return "ignored_unknown_charge"
    receipt = Storage.payment_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]})
    if receipt is None and own_charge and attempt["status"] in ("requires_action", "processing"):
        raise NotReady(f"The {kind} is for a payment that is not fulfilled yet.")
    stamp = timestamp(now)
    prior = (
        Storage.payment_rows(conn, "payment_reversals", {"receipt_id": receipt["receipt_id"]})
        if receipt
        else []
    )
    if kind == "refund":
        refunds = (obj.get("refunds") or {}).get("data") if isinstance(obj.get("refunds"), dict) else None
        latest = refunds[0] if isinstance(refunds, list) and refunds and isinstance(refunds[0], dict) else {}
        cumulative = _int(obj, "amount_refunded")
        already = sum(r["amount_cents"] for r in prior if r["kind"] == "refund" and r["status"] != "rejected")
        amount = (cumulative - already) if cumulative is not None else None
        provider_ref = _text(latest, "id") or _text(obj, "id") + f":{cumulative}"
        if amount is not None and amount <= 0 and receipt is not None and own_charge:
            return "already_recorded"
    else:
        amount = _int(obj, "amount")
        provider_ref = _text(obj, "id")
    if Storage.payment_row(conn, "payment_reversals", {"kind": kind, "provider_ref": provider_ref}):
        return "already_recorded"
    paid = receipt["amount_cents"] if receipt else 0
    taken_before = sum(r["amount_cents"] for r in prior if r["status"] in ("applied", "pending"))
    reason = None
    if receipt is None or not own_charge:
        reason = "the charge is not this payment's"
    elif amount is None or amount <= 0 or not provider_ref:
        reason = "the amount is missing"
    elif _text(obj, "currency").upper() != receipt["currency"]:
        reason = "the currency is not the payment's"
    elif taken_before + amount > paid:
        reason = "the amount is more than was paid"
    reversal_id = ids.new_id("PaymentReversalId")
    row = {
        "payment_reversal_id": reversal_id,
        "agent_id": attempt["agent_id"],
        "receipt_id": receipt["receipt_id"] if receipt else None,
        "quote_id": attempt["quote_id"],
        "kind": kind,
        "provider_ref": provider_ref or stripe.stripe_id("unknown_"),
        "amount_cents": amount or 0,
        "currency": _text(obj, "currency").upper() or "?",
        "credits_applied": 0,
        "credits_pending": 0,
        "status": "rejected",
        "created_at": stamp,
        "updated_at": stamp,
    }
    links: dict[str, str | None] = {
        "quote_id": attempt["quote_id"],
        "receipt_id": receipt["receipt_id"] if receipt else None,
        "payment_reversal_id": reversal_id,
    }
    if reason is not None:
        Storage.payment_insert(conn, "payment_reversals", row)
        _record(
            conn,
            attempt,
            ActivityEventType.CREDITS_PAYMENT_BACKED_REVERSAL_REJECTED,
            reversal_id,
            f"A Stripe {kind} was rejected: {reason}; no credits were changed.",
            "rejected",
            stamp,
            links,
        )
        return "rejected"
    assert receipt is not None
    assert amount is not None
    credits = amount * receipt["credits"] // receipt["amount_cents"]
    unspent = ledger.credits(Storage.ledger_entries(conn, attempt["agent_id"])).payment_backed_remaining
    taken = min(credits, unspent)
    pending = credits - taken
    row.update(credits_applied=taken, credits_pending=pending, status="pending" if pending else "applied")
    Storage.payment_insert(conn, "payment_reversals", row)
    if taken:
        event_kind = "payment_backed_refunded" if kind == "refund" else "payment_backed_disputed"
        credit_event_id = _credit_event(
            conn, attempt, receipt["receipt_id"], reversal_id, event_kind, -taken, stamp
        )
        type_ = (
            ActivityEventType.CREDITS_PAYMENT_BACKED_REFUNDED
            if kind == "refund"
            else ActivityEventType.CREDITS_PAYMENT_BACKED_DISPUTED
        )
        _record(
            conn,
            attempt,
            type_,
            credit_event_id,
            f"A Stripe {kind} debited {taken} payment-backed credits.",
            "applied",
            stamp,
            {**links, "credit_event_id": credit_event_id},
        )
    if pending:
        _record(
            conn,
            attempt,
            ActivityEventType.CREDITS_PAYMENT_BACKED_REVERSAL_PENDING,
            reversal_id,
            f"A Stripe {kind} of {credits} credits could take only {taken} (the rest was spent);"
            f" {pending} remain pending.",
            "pending",
            stamp,
            links,
        )
    return "pending" if pending else "applied"


def _refunded(conn: Any, obj: dict[str, Any], now: datetime) -> str:
    return _reversal(conn, obj, now, kind="refund")


def _disputed(conn: Any, obj: dict[str, Any], now: datetime) -> str:
    return _reversal(conn, obj, now, kind="dispute")


def _reinstated(conn: Any, obj: dict[str, Any], now: datetime) -> str:
    reversal = Storage.payment_row(
        conn, "payment_reversals", {"kind": "dispute", "provider_ref": _text(obj, "id")}
    )
    if reversal is None:
        attempt, _ = _attempt_for_charge(conn, obj, "charge")
        if attempt is None:
            return "ignored_unknown_dispute"
        raise NotReady("The reinstatement is for a dispute that is not recorded yet.")
    if reversal["status"] != "applied" and reversal["status"] != "pending":
        return "already_recorded"
    attempt = Storage.payment_row(
        conn, "payment_attempts", {"quote_id": reversal["quote_id"], "status": "succeeded"}
    )
    assert attempt is not None
    stamp = timestamp(now)
    if reversal["credits_applied"]:
        _credit_event(
            conn,
            attempt,
            reversal["receipt_id"],
            reversal["payment_reversal_id"],
            "payment_backed_reinstated",
            reversal["credits_applied"],
            stamp,
        )
    Storage.payment_update(
        conn,
        "payment_reversals",
        {"payment_reversal_id": reversal["payment_reversal_id"]},
        {"status": "reinstated", "credits_pending": 0, "updated_at": stamp},
    )
    _record(
        conn,
        attempt,
        ActivityEventType.CREDITS_PAYMENT_BACKED_REINSTATED,
        reversal["payment_reversal_id"],
        f"Stripe dispute funds were reinstated: {reversal['credits_applied']} payment-backed credits"
        " granted back.",
        "reinstated",
        stamp,
        {
            "quote_id": reversal["quote_id"],
            "receipt_id": reversal["receipt_id"],
            "payment_reversal_id": reversal["payment_reversal_id"],
        },
    )
    return "reinstated"


_HANDLERS: Final = {
    stripe.CHECKOUT_COMPLETED: _completed,
    stripe.CHECKOUT_EXPIRED: _expired,
    stripe.CHARGE_REFUNDED: _refunded,
    stripe.DISPUTE_CREATED: _disputed,
    stripe.DISPUTE_REINSTATED: _reinstated,
}
