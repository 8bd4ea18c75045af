"""``GET /v1/credit-purchases/status``: the durable state of a purchase behind one reference, or the
balance (``state: balance``, the quota data) when the request names none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import suggested
from image_skill_mock.errors import ApiError
from image_skill_mock.ledger.credits import Credits, credits_of, quota_data, spendable
from image_skill_mock.payments.quotes import quote_state
from image_skill_mock.payments.sessions import after_payment, attempt_status, checkout_url, handoff_url
from image_skill_mock.store import rows
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Connection, Storage

#: The references a status can be asked by: the query parameter -> (table, column).
REFERENCES: Final = {
    "quote_id": ("credit_quotes", "quote_id"),
    "payment_attempt_id": ("payment_attempts", "payment_attempt_id"),
    "checkout_session_id": ("payment_attempts", "checkout_session_id"),
    "receipt_id": ("receipts", "receipt_id"),
}
#: Seconds an agent waits between status polls while the payment is pending.
POLL_SECONDS: Final = {"action_required": 10, "processing": 2}


@dataclass(frozen=True)
class Purchase:
    """Every row behind one reference: the quote, its attempt (if any), receipt, credit events and
    reversals, and the agent's credits."""

    quote: dict[str, Any]
    attempt: dict[str, Any] | None
    receipt: dict[str, Any] | None
    events: list[dict[str, Any]]
    reversals: list[dict[str, Any]]
    credits: Credits


def _attempt_of(conn: Connection, table: str, row: dict[str, Any]) -> dict[str, Any] | None:
    """The attempt a reference names: itself, a receipt's, or a quote's paid (else latest) one."""
    if table == "payment_attempts":
        return row
    if table == "receipts":
        return rows.select_row(conn, "payment_attempts", {"payment_attempt_id": row["payment_attempt_id"]})
    attempts = rows.select_rows(
        conn, "payment_attempts", {"quote_id": row["quote_id"]}, order_by="created_at"
    )
    paid = [a for a in attempts if a["status"] in ("processing", "succeeded")]
    candidates = paid or attempts
    return candidates[-1] if candidates else None


def _purchase(conn: Connection, agent: Agent, table: str, row: dict[str, Any]) -> Purchase:
    quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": row["quote_id"]})
    assert quote_row is not None
    attempt = _attempt_of(conn, table, row)
    receipt = (
        rows.select_row(conn, "receipts", {"payment_attempt_id": attempt["payment_attempt_id"]})
        if attempt
        else None
    )
    by_receipt = {"receipt_id": receipt["receipt_id"]} if receipt else None
    events = rows.select_rows(conn, "credit_events", by_receipt, order_by="created_at") if by_receipt else []
    reversals = rows.select_rows(conn, "payment_reversals", by_receipt) if by_receipt else []
    return Purchase(quote_row, attempt, receipt, events, reversals, credits_of(conn, agent.agent_id))


def status(
    storage: Storage, agent: Agent, query: dict[str, Any], *, now: datetime, base_url: str
) -> dict[str, Any]:
    """The durable state behind the one reference given; the balance when none is."""
    given = {name: query[name] for name in REFERENCES if query.get(name) is not None}
    if not given:
        return {**quota_data(storage, agent, now), "state": "balance", "reference": None}
    if len(given) != 1:
        raise ApiError(
            ErrorCode.CREDIT_PURCHASE_REFERENCE_REQUIRED,
            "Give exactly one of quote_id, payment_attempt_id, checkout_session_id or receipt_id.",
        )
    ((name, ref),) = given.items()
    table, column = REFERENCES[name]
    with storage.transaction() as conn:
        row = rows.select_row(conn, table, {column: ref, "agent_id": agent.agent_id})
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such purchase reference for this agent.")
        found = _purchase(conn, agent, table, row)
    return _status_shape(found, now=now, base_url=base_url)


def _state(found: Purchase, attempt_status_: str | None, now: datetime) -> str:
    if attempt_status_ is None:
        state = "expired" if quote_state(found.quote, now) == "expired" else "created"
    elif attempt_status_ == "requires_action":
        state = "action_required"
    else:
        state = attempt_status_
    standing = [r for r in found.reversals if r["status"] in ("applied", "pending")]
    if state == "succeeded" and standing:
        state = "disputed" if standing[-1]["kind"] == "dispute" else "refunded"
    return state


def _attempt_view(attempt: dict[str, Any], attempt_status_: str | None, base_url: str) -> dict[str, Any]:
    handoff = handoff_url(base_url, attempt["payment_attempt_id"])
    return {
        "payment_attempt_id": attempt["payment_attempt_id"],
        "checkout_session_id": attempt["checkout_session_id"],
        "checkout_handoff_url": handoff,
        "checkout_compact_url": handoff,
        "checkout_url": checkout_url(base_url, attempt),
        "attempt_status": attempt_status_,
    }


def _next(state: str, quote_row: dict[str, Any], view: dict[str, Any] | None) -> dict[str, Any]:
    """What the agent does next in ``state`` (poll, open the checkout, buy, or quote again)."""
    next_: dict[str, Any] = {"human_action": "none"}
    if view is not None and state == "action_required":
        next_ = {
            "retry_after_seconds": POLL_SECONDS[state],
            "human_action": "open_checkout_url",
            "checkout_handoff_url": view["checkout_handoff_url"],
            "checkout_compact_url": view["checkout_compact_url"],
            "fallback_checkout_url": view["checkout_url"],
            "after_payment": after_payment(view["payment_attempt_id"]),
        }
    elif view is not None and state == "processing":
        next_ = {"retry_after_seconds": POLL_SECONDS[state], "human_action": "none"}
    if state == "created":
        next_["after_payment"] = "buy the quote: " + suggested.buy_command(
            quote_row["quote_id"], suggested.fresh_key("buy")
        )
    elif state in ("expired", "failed"):
        again = suggested.quote_command(
            quote_row["credits"], quote_row["pack_id"], suggested.fresh_key("quote")
        )
        next_["after_payment"] = "nothing was charged; quote again: " + again
    return next_


def _paid_views(found: Purchase, receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt, the latest credit event and the balance of a paid purchase."""
    latest = found.events[-1]
    total = found.credits
    return {
        "receipt": {
            "receipt_id": receipt["receipt_id"],
            "credits": receipt["credits"],
            "amount_cents": receipt["amount_cents"],
            "currency": receipt["currency"],
            "paid_at": receipt["paid_at"],
        },
        "credit_event": {
            "credit_event_id": latest["credit_event_id"],
            "credits": latest["credits"],
            "kind": latest["kind"],
            "occurred_at": latest["created_at"],
        },
        "limits": spendable(total),
    }


def _status_shape(found: Purchase, *, now: datetime, base_url: str) -> dict[str, Any]:
    quote_row, attempt = found.quote, found.attempt
    attempt_status_ = attempt_status(attempt, now) if attempt else None
    state = _state(found, attempt_status_, now)
    view = _attempt_view(attempt, attempt_status_, base_url) if attempt is not None else None
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
        "payment_attempt": view,
        "receipt": None,
        "credit_event": None,
        "next": _next(state, quote_row, view),
    }
    if found.receipt is not None:
        data.update(_paid_views(found, found.receipt))
    return data
