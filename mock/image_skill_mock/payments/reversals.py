"""``charge.refunded``, ``charge.dispute.created`` and ``charge.dispute.funds_reinstated``.

A refund (cumulative ``amount_refunded``, full or partial) or a dispute is a reversal (``prev_``)
that debits the payment-backed credits still unspent, never more (a balance never goes negative):
``credits.payment_backed_refunded`` / ``_disputed`` for what was taken,
``credits.payment_backed_reversal_pending`` for what could not be (recorded, not collected later).
A reversal that cannot be reconciled (a charge that is not the attempt's, more than was paid,
another currency) is recorded as ``rejected`` (``credits.payment_backed_reversal_rejected``).
A reinstatement grants back what its dispute took (``credits.payment_backed_reinstated``) and drops
its pending part. A refund or dispute for a payment not yet fulfilled (or a reinstatement before
its dispute) is ``NotReady``: nothing is recorded and Stripe delivers it again.

``reverse`` reads in steps: the claim (which attempt, receipt and earlier reversals), the amount,
whether it is already recorded, the reason to reject it, then reject or apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from image_skill_api.registry import ActivityEventType
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.ledger.credits import credits_of
from image_skill_mock.payments.records import NotReady, count, credit_event, record, text
from image_skill_mock.payments.stripe_wire import stripe_id
from image_skill_mock.store import rows
from image_skill_mock.store.database import Connection


@dataclass(frozen=True)
class Claim:
    """A refund or dispute and what it is about: the attempt, whether the charge is the attempt's
    own, its receipt (None before fulfilment) and the reversals recorded against that receipt."""

    kind: str  # refund | dispute
    obj: dict[str, Any]
    attempt: dict[str, Any]
    own_charge: bool
    receipt: dict[str, Any] | None
    prior: list[dict[str, Any]]


def _attempt_for_charge(
    conn: Connection, obj: dict[str, Any], charge_key: str
) -> tuple[dict[str, Any] | None, bool]:
    """The attempt a charge event is about, and whether its charge id is the attempt's own."""
    attempt = rows.select_row(conn, "payment_attempts", {"charge_id": text(obj, charge_key)})
    if attempt is not None:
        return attempt, True
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    claimed = metadata.get("payment_attempt_id")
    if isinstance(claimed, str):
        return rows.select_row(conn, "payment_attempts", {"payment_attempt_id": claimed}), False
    return None, False


def _claim(conn: Connection, obj: dict[str, Any], kind: str) -> Claim | None:
    """What the event claims; None for an unknown charge; ``NotReady`` before the payment is fulfilled."""
    attempt, own_charge = _attempt_for_charge(conn, obj, "id" if kind == "refund" else "charge")
    if attempt is None:
        return None
    receipt = rows.select_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]})
    if receipt is None and own_charge and attempt["status"] in ("requires_action", "processing"):
        raise NotReady(f"The {kind} is for a payment that is not fulfilled yet.")
    prior = (
        rows.select_rows(conn, "payment_reversals", {"receipt_id": receipt["receipt_id"]}) if receipt else []
    )
    return Claim(kind, obj, attempt, own_charge, receipt, prior)


def _amount(claim: Claim) -> tuple[int | None, str]:
    """The cents this event reverses and its provider reference. A refund's amount is the growth of the
    charge's cumulative ``amount_refunded`` over the refunds already recorded."""
    obj = claim.obj
    if claim.kind != "refund":
        return count(obj, "amount"), text(obj, "id")
    refunds = (obj.get("refunds") or {}).get("data") if isinstance(obj.get("refunds"), dict) else None
    latest = refunds[0] if isinstance(refunds, list) and refunds and isinstance(refunds[0], dict) else {}
    cumulative = count(obj, "amount_refunded")
    already = sum(
        r["amount_cents"] for r in claim.prior if r["kind"] == "refund" and r["status"] != "rejected"
    )
    amount = (cumulative - already) if cumulative is not None else None
    return amount, text(latest, "id") or text(obj, "id") + f":{cumulative}"


def _already_recorded(conn: Connection, claim: Claim, amount: int | None, provider_ref: str) -> bool:
    refunded_already = claim.kind == "refund" and amount is not None and amount <= 0
    if refunded_already and claim.receipt is not None and claim.own_charge:
        return True
    where = {"kind": claim.kind, "provider_ref": provider_ref}
    return rows.select_row(conn, "payment_reversals", where) is not None


def _reject_reason(claim: Claim, amount: int | None, provider_ref: str) -> str | None:
    """Why the reversal cannot be reconciled with the payment, or None when it can."""
    receipt = claim.receipt
    if receipt is None or not claim.own_charge:
        return "the charge is not this payment's"
    if amount is None or amount <= 0 or not provider_ref:
        return "the amount is missing"
    if text(claim.obj, "currency").upper() != receipt["currency"]:
        return "the currency is not the payment's"
    taken_before = sum(r["amount_cents"] for r in claim.prior if r["status"] in ("applied", "pending"))
    if taken_before + amount > receipt["amount_cents"]:
        return "the amount is more than was paid"
    return None


def _row(claim: Claim, amount: int | None, provider_ref: str, stamp: str) -> dict[str, Any]:
    """The reversal's row, as a rejection (``_apply`` fills in what was taken)."""
    return {
        "payment_reversal_id": ids.new_id("PaymentReversalId"),
        "agent_id": claim.attempt["agent_id"],
        "receipt_id": claim.receipt["receipt_id"] if claim.receipt else None,
        "quote_id": claim.attempt["quote_id"],
        "kind": claim.kind,
        "provider_ref": provider_ref or stripe_id("unknown_"),
        "amount_cents": amount or 0,
        "currency": text(claim.obj, "currency").upper() or "?",
        "credits_applied": 0,
        "credits_pending": 0,
        "status": "rejected",
        "created_at": stamp,
        "updated_at": stamp,
    }


def _links(row: dict[str, Any]) -> dict[str, str | None]:
    return {
        "quote_id": row["quote_id"],
        "receipt_id": row["receipt_id"],
        "payment_reversal_id": row["payment_reversal_id"],
    }


def _reject(conn: Connection, claim: Claim, row: dict[str, Any], reason: str) -> str:
    rows.insert_row(conn, "payment_reversals", row)
    record(
        conn,
        claim.attempt,
        ActivityEventType.CREDITS_PAYMENT_BACKED_REVERSAL_REJECTED,
        row["payment_reversal_id"],
        f"A Stripe {claim.kind} was rejected: {reason}; no credits were changed.",
        "rejected",
        row["created_at"],
        _links(row),
    )
    return "rejected"


def _apply(conn: Connection, claim: Claim, row: dict[str, Any], amount: int) -> str:
    """Debit what is still unspent of the reversed credits; record the rest as pending."""
    receipt, attempt, kind, stamp = claim.receipt, claim.attempt, claim.kind, row["created_at"]
    assert receipt is not None
    credits = amount * receipt["credits"] // receipt["amount_cents"]
    unspent = credits_of(conn, attempt["agent_id"]).payment_backed_remaining
    taken = min(credits, unspent)
    pending = credits - taken
    row = {
        **row,
        "credits_applied": taken,
        "credits_pending": pending,
        "status": "pending" if pending else "applied",
    }
    rows.insert_row(conn, "payment_reversals", row)
    reversal_id, links = row["payment_reversal_id"], _links(row)
    if taken:
        event_kind = "payment_backed_refunded" if kind == "refund" else "payment_backed_disputed"
        credit_event_id = credit_event(
            conn, attempt, receipt["receipt_id"], reversal_id, event_kind, -taken, stamp
        )
        type_ = (
            ActivityEventType.CREDITS_PAYMENT_BACKED_REFUNDED
            if kind == "refund"
            else ActivityEventType.CREDITS_PAYMENT_BACKED_DISPUTED
        )
        summary = f"A Stripe {kind} debited {taken} payment-backed credits."
        record(
            conn,
            attempt,
            type_,
            credit_event_id,
            summary,
            "applied",
            stamp,
            {**links, "credit_event_id": credit_event_id},
        )
    if pending:
        summary = (
            f"A Stripe {kind} of {credits} credits could take only {taken} (the rest was spent);"
            f" {pending} remain pending."
        )
        pending_type = ActivityEventType.CREDITS_PAYMENT_BACKED_REVERSAL_PENDING
        record(conn, attempt, pending_type, reversal_id, summary, "pending", stamp, links)
    return "pending" if pending else "applied"


def reverse(conn: Connection, obj: dict[str, Any], now: datetime, *, kind: str) -> str:
    """A refund or dispute: its outcome (ignored, already recorded, rejected, applied or pending)."""
    claim = _claim(conn, obj, kind)
    if claim is None:
        return "ignored_unknown_charge"
    amount, provider_ref = _amount(claim)
    if _already_recorded(conn, claim, amount, provider_ref):
        return "already_recorded"
    row = _row(claim, amount, provider_ref, timestamp(now))
    reason = _reject_reason(claim, amount, provider_ref)
    if reason is not None:
        return _reject(conn, claim, row, reason)
    assert amount is not None
    return _apply(conn, claim, row, amount)


def refunded(conn: Connection, obj: dict[str, Any], now: datetime) -> str:
    return reverse(conn, obj, now, kind="refund")


def disputed(conn: Connection, obj: dict[str, Any], now: datetime) -> str:
    return reverse(conn, obj, now, kind="dispute")


def reinstated(conn: Connection, obj: dict[str, Any], now: datetime) -> str:
    """A won dispute: what it took is granted back and its pending part dropped."""
    reversal = rows.select_row(
        conn, "payment_reversals", {"kind": "dispute", "provider_ref": text(obj, "id")}
    )
    if reversal is None:
        attempt, _ = _attempt_for_charge(conn, obj, "charge")
        if attempt is None:
            return "ignored_unknown_dispute"
        raise NotReady("The reinstatement is for a dispute that is not recorded yet.")
    if reversal["status"] != "applied" and reversal["status"] != "pending":
        return "already_recorded"
    attempt = rows.select_row(
        conn, "payment_attempts", {"quote_id": reversal["quote_id"], "status": "succeeded"}
    )
    assert attempt is not None
    stamp = timestamp(now)
    reversal_id, applied = reversal["payment_reversal_id"], reversal["credits_applied"]
    if applied:
        credit_event(
            conn, attempt, reversal["receipt_id"], reversal_id, "payment_backed_reinstated", applied, stamp
        )
    rows.update_rows(
        conn,
        "payment_reversals",
        {"payment_reversal_id": reversal_id},
        {"status": "reinstated", "credits_pending": 0, "updated_at": stamp},
    )
    record(
        conn,
        attempt,
        ActivityEventType.CREDITS_PAYMENT_BACKED_REINSTATED,
        reversal_id,
        f"Stripe dispute funds were reinstated: {applied} payment-backed credits granted back.",
        "reinstated",
        stamp,
        {
            "quote_id": reversal["quote_id"],
            "receipt_id": reversal["receipt_id"],
            "payment_reversal_id": reversal_id,
        },
    )
    return "reinstated"
