"""``POST /v1/credit-purchases/stripe-checkout-sessions``: a quote's Checkout Session, and the links to it.

Buying makes a payment attempt (``payatt_``) with its Checkout Session (``cs_test_``), its
PaymentIntent and charge ids, and the secret the checkout URL's ``#`` fragment carries. Idempotent
per agent and key; a quote has at most one open session (a second buy returns it). Creating it
records ``payment.checkout_session.created`` and changes no balance.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from image_skill_api.registry import MOCK_CHECKOUT_PATH, ActivityEventType, ErrorCode
from image_skill_mock import ids, suggested
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.ledger import activity
from image_skill_mock.payments.quotes import quote_state
from image_skill_mock.payments.records import parse_time
from image_skill_mock.payments.stripe_wire import stripe_id
from image_skill_mock.store import rows
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Connection, Storage

#: How long a Checkout Session stays open (Stripe's default: 24 h).
SESSION_TTL: Final = timedelta(hours=24)
#: Where the mock serves its test-mode checkout page (``checkout_url``'s path, before the session id).
CHECKOUT_PAGE_PATH: Final = "/checkout/c/pay/"


def handoff_url(base_url: str, attempt_id: str) -> str:
    return f"{base_url}{MOCK_CHECKOUT_PATH}{attempt_id}"


def checkout_url(base_url: str, attempt: dict[str, Any]) -> str:
    return f"{base_url}{CHECKOUT_PAGE_PATH}{attempt['checkout_session_id']}#{attempt['checkout_secret']}"


def attempt_status(attempt: dict[str, Any], now: datetime) -> str:
    """The attempt's status, ``expired`` once an unpaid session outlives ``SESSION_TTL``."""
    stored = str(attempt["status"])
    if stored == "requires_action" and now >= parse_time(attempt["created_at"]) + SESSION_TTL:
        return "expired"
    return stored


def after_payment(attempt_id: str) -> str:
    return (
        "open checkout_handoff_url or checkout_compact_url; use the full checkout_url only if no Image Skill"
        " handoff URL is available, and preserve its Stripe # fragment. Then poll "
        + suggested.status_command("--payment-attempt-id", attempt_id)
        + " or image-skill usage quota --json; credits are granted only after verified webhook fulfillment"
    )


def session_shape(quote_row: dict[str, Any], attempt: dict[str, Any], base_url: str) -> dict[str, Any]:
    handoff = handoff_url(base_url, attempt["payment_attempt_id"])
    raw = checkout_url(base_url, attempt)
    return {
        "state": "action_required",
        "quote_id": quote_row["quote_id"],
        "payment_attempt_id": attempt["payment_attempt_id"],
        "provider": suggested.PROVIDER,
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
            "after_payment": after_payment(attempt["payment_attempt_id"]),
        },
    }


def _rebuy(quote_id: str) -> dict[str, Any]:
    return {"suggested_command": suggested.buy_command(quote_id, suggested.fresh_key("buy"))}


def _open_attempt(
    quote_row: dict[str, Any], keyed: dict[str, Any] | None, attempts: list[dict[str, Any]], now: datetime
) -> dict[str, Any] | None:
    """The open attempt a buy answers with (the key's own, else the quote's latest), or None to create
    one; refuses a paid quote, a key whose session closed, and an expired quote."""
    quote_id = quote_row["quote_id"]
    if quote_row["state"] == "consumed" or any(a["status"] in ("processing", "succeeded") for a in attempts):
        raise ApiError(
            ErrorCode.CREDIT_QUOTE_CONSUMED,
            "This quote was already paid; it cannot be bought again.",
            recovery={"suggested_command": suggested.status_command("--quote-id", quote_id)},
        )
    open_attempts = [a for a in attempts if attempt_status(a, now) == "requires_action"]
    if keyed is not None:
        if keyed not in open_attempts:
            raise ApiError(
                ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
                "The Checkout Session this key created is no longer open; nothing was charged.",
                recovery=_rebuy(quote_id),
            )
        return keyed
    if open_attempts:
        return open_attempts[-1]
    if quote_state(quote_row, now) == "expired":
        again = suggested.quote_command(
            quote_row["credits"], quote_row["pack_id"], suggested.fresh_key("quote")
        )
        raise ApiError(
            ErrorCode.CREDIT_QUOTE_EXPIRED,
            f"The quote expired at {quote_row['expires_at']}; quote the same terms again.",
            recovery={"suggested_command": again},
        )
    return None


def _new_attempt(
    conn: Connection, quote_row: dict[str, Any], agent: Agent, key: str, *, stamp: str, trace_id: str
) -> dict[str, Any]:
    """Write a payment attempt with its Checkout Session and its ``payment.checkout_session.created``."""
    attempt = {
        "payment_attempt_id": ids.new_id("PaymentAttemptId"),
        "agent_id": agent.agent_id,
        "quote_id": quote_row["quote_id"],
        "idempotency_key": key,
        "checkout_session_id": "cs_test_" + secrets.token_hex(24),
        "checkout_secret": "fid" + secrets.token_urlsafe(48),
        "payment_intent_id": stripe_id("pi_"),
        "charge_id": stripe_id("ch_"),
        "status": "requires_action",
        "created_at": stamp,
        "updated_at": stamp,
    }
    rows.insert_row(conn, "payment_attempts", attempt)
    activity.add(
        conn,
        activity.event(
            ActivityEventType.PAYMENT_CHECKOUT_SESSION_CREATED,
            agent_id=agent.agent_id,
            subject_id=attempt["payment_attempt_id"],
            summary=f"Checkout session created for {quote_row['credits']} credits (awaits payment).",
            status="action_required",
            occurred_at=stamp,
            trace_id=trace_id,
            links={
                "quote_id": quote_row["quote_id"],
                "payment_attempt_id": attempt["payment_attempt_id"],
                "checkout_session_id": attempt["checkout_session_id"],
            },
        ),
    )
    return attempt


def buy(
    storage: Storage, agent: Agent, body: dict[str, Any], *, now: datetime, base_url: str, trace_id: str
) -> dict[str, Any]:
    """The open Checkout Session for a quote (the key's, the quote's, or a new one)."""
    quote_id: str = body["quote_id"]
    key: str = body["idempotency_key"]
    with storage.transaction() as conn:
        quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": quote_id, "agent_id": agent.agent_id})
        if quote_row is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such quote for this agent.")
        keyed = rows.select_row(
            conn, "payment_attempts", {"agent_id": agent.agent_id, "idempotency_key": key}
        )
        if keyed is not None and keyed["quote_id"] != quote_id:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_KEY_CONFLICT,
                "This idempotency key was already used to buy another quote; nothing was created.",
                recovery=_rebuy(quote_id),
            )
        attempts = rows.select_rows(conn, "payment_attempts", {"quote_id": quote_id}, order_by="created_at")
        attempt = _open_attempt(quote_row, keyed, attempts, now) or _new_attempt(
            conn, quote_row, agent, key, stamp=timestamp(now), trace_id=trace_id
        )
        return session_shape(quote_row, attempt, base_url)


# -------------------------------------------------------------- the checkout page's view
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
        attempt = rows.select_row(conn, "payment_attempts", {"checkout_session_id": checkout_session_id})
        if attempt is None:
            return None
        quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
    assert quote_row is not None
    return Session(
        attempt["payment_attempt_id"],
        attempt["checkout_session_id"],
        quote_row["credits"],
        quote_row["amount_cents"],
        quote_row["currency"],
        attempt_status(attempt, now),
        attempt["checkout_secret"],
    )


def handoff_target(storage: Storage, attempt_id: str, base_url: str) -> str | None:
    """Where ``<base>/pay/<payatt>`` redirects: the whole checkout URL, fragment included."""
    with storage.transaction() as conn:
        attempt = rows.select_row(conn, "payment_attempts", {"payment_attempt_id": attempt_id})
    return checkout_url(base_url, attempt) if attempt else None


def check_secret(session: Session, secret: str) -> None:
    """The fragment's secret, compared in constant time; ``CHECKOUT_LINK_INVALID`` when it is not it."""
    if not hmac.compare_digest(session.secret.encode(), secret.encode("utf-8", "replace")):
        raise ApiError(
            ErrorCode.CHECKOUT_LINK_INVALID,
            "This checkout link is incomplete: the part after # was trimmed or changed. Open the"
            " checkout_handoff_url instead.",
        )
