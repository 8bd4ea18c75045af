"""``checkout.session.completed`` and ``checkout.session.expired``: a paid session grants its credits
once; an unpaid one closes.

A completion that is paid, with the quote's amount and currency and the attempt's PaymentIntent,
writes a receipt (``rcpt_``), a payment-backed credit event (``credevt_``, +credits) and
``credits.payment_backed_granted``; the grant is unique per payment attempt (the receipt), so a
duplicate with another event id grants nothing. A completion that does not match the quote fails
the attempt and grants nothing. An expiry closes an open attempt (a paid one stays paid).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from image_skill_api.registry import ActivityEventType
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.payments.records import count, credit_event, record, text
from image_skill_mock.store import rows
from image_skill_mock.store.database import Connection


def _set_status(conn: Connection, attempt: dict[str, Any], status: str, stamp: str) -> None:
    rows.update_rows(
        conn,
        "payment_attempts",
        {"payment_attempt_id": attempt["payment_attempt_id"]},
        {"status": status, "updated_at": stamp},
    )


def _grant(conn: Connection, attempt: dict[str, Any], quote_row: dict[str, Any], stamp: str) -> None:
    """The receipt, its credit event, the attempt and quote closed, and the activity event."""
    receipt_id, credit_event_id = ids.new_id("ReceiptId"), ids.new_id("CreditEventId")
    rows.insert_row(
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
    credit_event(
        conn,
        attempt,
        receipt_id,
        None,
        "payment_backed_granted",
        quote_row["credits"],
        stamp,
        credit_event_id,
    )
    _set_status(conn, attempt, "succeeded", stamp)
    rows.update_rows(conn, "credit_quotes", {"quote_id": quote_row["quote_id"]}, {"state": "consumed"})
    record(
        conn,
        attempt,
        ActivityEventType.CREDITS_PAYMENT_BACKED_GRANTED,
        credit_event_id,
        f"Verified Stripe payment granted {quote_row['credits']} payment-backed credits.",
        "granted",
        stamp,
        {"quote_id": quote_row["quote_id"], "receipt_id": receipt_id, "credit_event_id": credit_event_id},
    )


def completed(conn: Connection, obj: dict[str, Any], now: datetime) -> str:
    attempt = rows.select_row(conn, "payment_attempts", {"checkout_session_id": text(obj, "id")})
    if attempt is None:
        return "ignored_unknown_session"
    if text(obj, "payment_status") != "paid":
        return "ignored_unpaid"
    if rows.select_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]}):
        return "already_granted"
    quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
    assert quote_row is not None
    stamp = timestamp(now)
    matches = (
        count(obj, "amount_total") == quote_row["amount_cents"]
        and text(obj, "currency").upper() == quote_row["currency"]
        and text(obj, "payment_intent") == attempt["payment_intent_id"]
    )
    if not matches:
        _set_status(conn, attempt, "failed", stamp)
        return "failed_terms_mismatch"
    _grant(conn, attempt, quote_row, stamp)
    return "granted"


def expired(conn: Connection, obj: dict[str, Any], now: datetime) -> str:
    attempt = rows.select_row(conn, "payment_attempts", {"checkout_session_id": text(obj, "id")})
    if attempt is None:
        return "ignored_unknown_session"
    if attempt["status"] != "requires_action":
        return "ignored_not_open"
    _set_status(conn, attempt, "expired", timestamp(now))
    return "expired"
