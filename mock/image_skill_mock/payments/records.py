"""What every payment change writes besides its own row: a credit event and an activity event; and
the readers of a Stripe object's fields (a webhook's object is hostile input: never trusted to have
a key, or a key of the right type)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from image_skill_api.registry import ActivityEventType
from image_skill_mock import ids
from image_skill_mock.ledger import activity
from image_skill_mock.ledger import credits as ledger
from image_skill_mock.store.database import Connection


class NotReady(Exception):
    """The event depends on one not handled yet: nothing is recorded, Stripe delivers it again."""


def text(obj: dict[str, Any], key: str) -> str:
    """``obj[key]`` when it is a string, else ``""``."""
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def count(obj: dict[str, Any], key: str) -> int | None:
    """``obj[key]`` when it is a non-negative integer, else None."""
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def credit_event(  # noqa: PLR0917
    conn: Connection,
    attempt: dict[str, Any],
    receipt_id: str,
    reversal_id: str | None,
    kind: str,
    credits: int,
    stamp: str,
    credit_event_id: str | None = None,
) -> str:
    """Write a payment-backed credit event (a ``credit_entries`` row); its id."""
    credit_event_id = credit_event_id or ids.new_id("CreditEventId")
    ledger.post_payment_backed(
        conn,
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


def record(  # noqa: PLR0917
    conn: Connection,
    attempt: dict[str, Any],
    type_: ActivityEventType,
    subject_id: str,
    summary: str,
    status: str,
    stamp: str,
    links: dict[str, str | None],
) -> None:
    """Write the activity event of a payment change (a webhook's: no trace id)."""
    activity.add(
        conn,
        activity.event(
            type_,
            agent_id=attempt["agent_id"],
            subject_id=subject_id,
            summary=summary,
            status=status,
            occurred_at=stamp,
            trace_id=None,
            links=links,
        ),
    )
