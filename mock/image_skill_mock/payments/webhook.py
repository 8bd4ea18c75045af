"""One webhook delivery: a Stripe-format event, signature verified, handled exactly once.

The event id is recorded in the transaction that applies it (a repeat is a ``duplicate``), and each
event type's handler (``HANDLERS``) is idempotent on its own: the grant is unique per payment
attempt, a reversal per provider reference. An event type not in ``HANDLERS`` is ``ignored``.
A new payment event: a constant and ``EVENT_TYPES`` entry in ``stripe_wire``, its handler here,
and its case in ``trigger.build``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.payments import fulfilment, reversals, stripe_wire
from image_skill_mock.payments.records import NotReady
from image_skill_mock.store import rows
from image_skill_mock.store.database import Connection, Storage

Handler = Callable[[Connection, dict[str, Any], datetime], str]

#: The event types the mock handles, each to the function that applies it (returns the outcome).
HANDLERS: Final[dict[str, Handler]] = {
    stripe_wire.CHECKOUT_COMPLETED: fulfilment.completed,
    stripe_wire.CHECKOUT_EXPIRED: fulfilment.expired,
    stripe_wire.CHARGE_REFUNDED: reversals.refunded,
    stripe_wire.DISPUTE_CREATED: reversals.disputed,
    stripe_wire.DISPUTE_REINSTATED: reversals.reinstated,
}


def _parse(payload: bytes) -> tuple[str, str, dict[str, Any]]:
    """The event's id, type and ``data.object``; ``INVALID_ARGUMENTS`` for anything else."""
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
    return event_id, type_, obj


def receive(
    storage: Storage, secret: str, payload: bytes, signature: str | None, *, now: datetime
) -> dict[str, Any]:
    """One webhook delivery: verified, parsed and handled exactly once; what was done with it."""
    try:
        stripe_wire.verify(secret, signature, payload, now=int(now.timestamp()))
    except stripe_wire.SignatureInvalid as exc:
        raise ApiError(ErrorCode.WEBHOOK_SIGNATURE_INVALID, f"{exc} Nothing was recorded.") from None
    event_id, type_, obj = _parse(payload)
    handler = HANDLERS.get(type_)
    try:
        with storage.transaction() as conn:
            if rows.select_row(conn, "stripe_events", {"event_id": event_id}) is not None:
                return {"received": True, "event_id": event_id, "type": type_, "outcome": "duplicate"}
            outcome = handler(conn, obj, now) if handler else "ignored"
            rows.insert_row(
                conn,
                "stripe_events",
                {"event_id": event_id, "type": type_, "outcome": outcome, "received_at": timestamp(now)},
            )
    except NotReady as exc:
        raise ApiError(
            ErrorCode.WEBHOOK_EVENT_NOT_READY, f"{exc} Nothing was recorded; deliver it again."
        ) from None
    return {"received": True, "event_id": event_id, "type": type_, "outcome": outcome}
