"""The clock and the checkout, moved by hand: ``/_mock/clock``, ``/_mock/clock/advance`` and
``/_mock/payments/pay`` (a checkout paid as a human on the card form would, with the test card
4242 4242 4242 4242, its completion webhook delivered in-process, signed and verified, before the
answer: the purchase has succeeded, or failed as the webhook says, when it returns)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import Clock
from image_skill_mock.control.state import clock_state
from image_skill_mock.errors import ApiError
from image_skill_mock.payments import cards
from image_skill_mock.payments.delivery import deliver
from image_skill_mock.payments.sessions import session_by_id
from image_skill_mock.settings import Settings
from image_skill_mock.store import rows
from image_skill_mock.store.database import Storage

#: What the card form is filled with (a Stripe test card that succeeds, a future expiry, a CVC).
TEST_CARD: Final = ("4242424242424242", "12 / 99", "123", "")


def show_clock(settings: Settings) -> dict[str, Any]:
    """``GET /_mock/clock``."""
    return clock_state(settings)


def advance_clock(settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_mock/clock/advance``."""
    clock = settings.clock
    if not isinstance(clock, Clock):
        raise ApiError(
            ErrorCode.MOCK_CONTROL_REQUEST_INVALID,
            "This server's clock was handed in by a test; it cannot move.",
        )
    try:
        clock.advance(float(body["seconds"]))
    except ValueError as exc:
        raise ApiError(ErrorCode.MOCK_CONTROL_REQUEST_INVALID, f"{exc}.") from None
    return clock_state(settings)


def pay(storage: Storage, settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_mock/payments/pay``: the attempt's open session paid and its webhook handled."""
    attempt_id = body["payment_attempt_id"]
    with storage.reading() as conn:
        attempt = rows.select_row(conn, "payment_attempts", {"payment_attempt_id": attempt_id})
    if attempt is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No such payment attempt.")
    now = settings.clock()
    session = session_by_id(storage, attempt["checkout_session_id"], now=now)
    assert session is not None
    if session.status != "requires_action":
        raise ApiError(
            ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
            "This checkout session is no longer open (already paid or expired); nothing was charged.",
        )
    cards.check_card(*TEST_CARD, now=now)
    event = cards.pay(storage, session, now=now)
    deliver(replace(settings, webhook_delivery_base_url=None), storage, event)  # in-process, now
    with storage.reading() as conn:
        handled = rows.select_row(conn, "stripe_events", {"event_id": event["id"]})
    assert handled is not None
    return {
        "payment_attempt_id": attempt_id,
        "checkout_session_id": session.checkout_session_id,
        "event_id": event["id"],
        "outcome": handled["outcome"],
    }
