"""The Stripe-side objects of a payment attempt, as the test-mode API returns them: its Checkout
Session, its charge (refunded so far) and its disputes (read by ``stripe trigger``; the session is
also what a paid checkout's completion event carries)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.payments import stripe_wire
from image_skill_mock.payments.records import parse_time
from image_skill_mock.payments.sessions import SESSION_TTL
from image_skill_mock.store import rows
from image_skill_mock.store.database import Storage


def _metadata(attempt: dict[str, Any]) -> dict[str, str]:
    return {
        "quote_id": attempt["quote_id"],
        "payment_attempt_id": attempt["payment_attempt_id"],
        "agent_id": attempt["agent_id"],
    }


def _epoch(stamp: str) -> int:
    return int(parse_time(stamp).timestamp())


def session_object(
    quote_row: dict[str, Any], attempt: dict[str, Any], *, paid: bool | None
) -> dict[str, Any]:
    """The attempt's Checkout Session: paid (complete), unpaid (open) or, with ``paid=None``, expired."""
    created = _epoch(attempt["created_at"])
    return stripe_wire.checkout_session(
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


def _disputes(attempt: dict[str, Any], reversals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        stripe_wire.dispute(
            dispute_id=r["provider_ref"],
            charge_id=attempt["charge_id"],
            payment_intent=attempt["payment_intent_id"],
            amount_cents=r["amount_cents"],
            currency=r["currency"],
            status="won" if r["status"] == "reinstated" else "needs_response",
            metadata=_metadata(attempt),
            created=_epoch(r["created_at"]),
        )
        for r in reversals
        if r["kind"] == "dispute" and r["status"] != "rejected"
    ]


def stripe_objects(storage: Storage, attempt_id: str) -> dict[str, Any] | None:
    """The session, charge and disputes of one payment attempt; None when there is no such attempt."""
    with storage.transaction() as conn:
        attempt = rows.select_row(conn, "payment_attempts", {"payment_attempt_id": attempt_id})
        if attempt is None:
            return None
        quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
        receipt = rows.select_row(conn, "receipts", {"payment_attempt_id": attempt_id})
        reversals = (
            rows.select_rows(conn, "payment_reversals", {"receipt_id": receipt["receipt_id"]})
            if receipt
            else []
        )
    assert quote_row is not None
    refunded = sum(
        r["amount_cents"] for r in reversals if r["kind"] == "refund" and r["status"] != "rejected"
    )
    charge = stripe_wire.charge(
        charge_id=attempt["charge_id"],
        payment_intent=attempt["payment_intent_id"],
        amount_cents=quote_row["amount_cents"],
        amount_refunded=refunded,
        currency=quote_row["currency"],
        metadata=_metadata(attempt),
        created=_epoch(attempt["updated_at"]),
    )
    paid = True if receipt else (None if attempt["status"] == "expired" else False)
    return {
        "checkout_session": session_object(quote_row, attempt, paid=paid),
        "charge": charge,
        "disputes": _disputes(attempt, reversals),
    }
