"""The checkout page's card form, as Stripe test mode checks it, and a successful payment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.payments import stripe_wire
from image_skill_mock.payments.sessions import Session, attempt_status
from image_skill_mock.payments.stripe_objects import session_object
from image_skill_mock.store import outbox, rows
from image_skill_mock.store.database import Storage

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


def _check_form(number: str, expiry: str, cvc: str, promotion_code: str, *, now: datetime) -> None:
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


def check_card(card_number: str, expiry: str, cvc: str, promotion_code: str, *, now: datetime) -> None:
    """Stripe test mode's checks of the form: a valid card shape, a future expiry, a CVC, a known test
    card (``TEST_CARDS``); raises the refusal the page shows."""
    number = card_number.replace(" ", "").replace("-", "")
    _check_form(number, expiry, cvc, promotion_code, now=now)
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
    """A test card succeeded: the attempt is ``processing`` and, in the same transaction, the
    completion event it causes is owed to the webhook (the outbox ``delivery`` empties); the event."""
    with storage.transaction() as conn:
        attempt = rows.select_row(
            conn, "payment_attempts", {"checkout_session_id": session.checkout_session_id}
        )
        assert attempt is not None
        if attempt_status(attempt, now) != "requires_action":
            raise ApiError(
                ErrorCode.CHECKOUT_SESSION_NOT_OPEN,
                "This checkout session is no longer open (already paid or expired); nothing was charged.",
            )
        stamp = timestamp(now)
        rows.update_rows(
            conn,
            "payment_attempts",
            {"payment_attempt_id": attempt["payment_attempt_id"]},
            {"status": "processing", "updated_at": stamp},
        )
        quote_row = rows.select_row(conn, "credit_quotes", {"quote_id": attempt["quote_id"]})
        assert quote_row is not None
        event = stripe_wire.event(
            stripe_wire.CHECKOUT_COMPLETED,
            session_object(quote_row, attempt, paid=True),
            created=int(now.timestamp()),
        )
        outbox.enqueue(conn, event, attempt["payment_attempt_id"], stamp=stamp)
    return event
