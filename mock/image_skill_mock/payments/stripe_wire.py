"""Stripe's webhook wire format, as Stripe's own test mode sends it: events and their signatures.

Signature (``Stripe-Signature`` header): ``t=<unix seconds>,v1=<hex>[,v1=<hex>...]`` where each ``v1``
is the hex HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with the endpoint's ``whsec_`` secret (the whole
string, prefix included, as Stripe's libraries use it). ``verify`` accepts a delivery when any
``v1`` matches (several are sent while a secret is being rolled), compared in constant time, and
its timestamp is within ``TOLERANCE_SECONDS`` of now (either side: a replayed old delivery and a
forged future one are both refused). Other schemes (``v0``) are ignored.

Events: ``{"id": "evt_...", "object": "event", "api_version", "created", "livemode": false,
"type", "data": {"object": {...}}, "pending_webhooks", "request"}``; ``data.object`` is the
checkout session, charge or dispute, with the quote and payment attempt in ``metadata``.

Pure functions, no I/O, standard library only: the server (``payments.webhook``), its webhook route
(``payments.page``) and the ``image-skill-mock stripe trigger`` command all build and check deliveries here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Final

SIGNATURE_HEADER: Final = "stripe-signature"
#: The mock's Stripe webhook endpoint.
WEBHOOK_PATH: Final = "/webhooks/stripe"
#: The mock's test-mode Stripe API: one payment attempt's session, charge and disputes.
OBJECTS_PATH: Final = "/stripe/v1/payment_attempts/"
TOLERANCE_SECONDS: Final = 300
API_VERSION: Final = "2025-10-29.clover"
#: The event types the mock sends and handles.
CHECKOUT_COMPLETED: Final = "checkout.session.completed"
CHECKOUT_EXPIRED: Final = "checkout.session.expired"
CHARGE_REFUNDED: Final = "charge.refunded"
DISPUTE_CREATED: Final = "charge.dispute.created"
DISPUTE_REINSTATED: Final = "charge.dispute.funds_reinstated"
EVENT_TYPES: Final = (
    CHECKOUT_COMPLETED,
    CHECKOUT_EXPIRED,
    CHARGE_REFUNDED,
    DISPUTE_CREATED,
    DISPUTE_REINSTATED,
)


class SignatureInvalid(Exception):
    """The delivery is unsigned, malformed, forged or outside the tolerance (the message says which)."""


def stripe_id(prefix: str) -> str:
    """A Stripe-shaped object id (``evt_``, ``pi_``, ``ch_``, ``re_``, ``dp_``): prefix + 24 alphanumerics."""
    return prefix + secrets.token_hex(12)


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The hex ``v1`` signature of ``payload`` sent at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign_header(secret: str, timestamp: int, payload: bytes, *, extra_v1: tuple[str, ...] = ()) -> str:
    """The ``Stripe-Signature`` header for ``payload`` (``extra_v1``: more candidate signatures)."""
    parts = [f"t={timestamp}", f"v1={signature(secret, timestamp, payload)}"]
    parts += [f"v1={value}" for value in extra_v1]
    return ",".join(parts)


@dataclass(frozen=True)
class ParsedHeader:
    timestamp: int
    v1: tuple[str, ...]


def parse_header(header: str | None) -> ParsedHeader:
    if not header:
        raise SignatureInvalid("The delivery carries no Stripe-Signature header.")
    timestamp: int | None = None
    v1: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureInvalid("The Stripe-Signature header is malformed.")
        if key == "t":
            if not (value.isascii() and value.isdigit()) or len(value) > 12 or timestamp is not None:
                raise SignatureInvalid("The Stripe-Signature timestamp is malformed.")
            timestamp = int(value)
        elif key == "v1":
            v1.append(value)
    if timestamp is None:
        raise SignatureInvalid("The Stripe-Signature header has no timestamp.")
    if not v1:
        raise SignatureInvalid("The Stripe-Signature header has no v1 signature.")
    return ParsedHeader(timestamp, tuple(v1))


def verify(secret: str, header: str | None, payload: bytes, *, now: int) -> None:
    """Raise ``SignatureInvalid`` unless ``header`` signs ``payload`` with ``secret`` within the tolerance."""
    parsed = parse_header(header)
    expected = signature(secret, parsed.timestamp, payload).encode()
    matched = False
    for candidate in parsed.v1:  # every candidate is compared: no early exit that timing could reveal
        matched |= hmac.compare_digest(expected, candidate.encode("ascii", "replace"))
    if not matched:
        raise SignatureInvalid("No v1 signature matches the payload for this endpoint's secret.")
    if abs(now - parsed.timestamp) > TOLERANCE_SECONDS:
        raise SignatureInvalid(
            f"The Stripe-Signature timestamp is more than {TOLERANCE_SECONDS} s from now (a stale or replayed"
            " delivery)."
        )


def event(type_: str, obj: dict[str, Any], *, created: int, event_id: str | None = None) -> dict[str, Any]:
    """A Stripe event envelope around ``obj`` (``data.object``)."""
    return {
        "id": event_id or stripe_id("evt_"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "livemode": False,
        "type": type_,
        "data": {"object": obj},
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }


def encode(event_: dict[str, Any]) -> bytes:
    """The delivery body (its bytes are what the signature covers)."""
    return json.dumps(event_, separators=(",", ":"), sort_keys=True).encode()


def delivery(secret: str, event_: dict[str, Any], *, now: int) -> tuple[bytes, dict[str, str]]:
    """A signed delivery of ``event_``: its body and headers."""
    body = encode(event_)
    headers = {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        SIGNATURE_HEADER: sign_header(secret, now, body),
    }
    return body, headers


def checkout_session(
    *,
    session_id: str,
    payment_intent: str,
    amount_cents: int,
    currency: str,
    metadata: dict[str, str],
    status: str,
    payment_status: str,
    created: int,
    expires_at: int,
    url: str | None,
) -> dict[str, Any]:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_subtotal": amount_cents,
        "amount_total": amount_cents,
        "currency": currency.lower(),
        "client_reference_id": metadata.get("payment_attempt_id"),
        "created": created,
        "expires_at": expires_at,
        "livemode": False,
        "metadata": metadata,
        "payment_intent": payment_intent,
        "payment_status": payment_status,
        "status": status,
        "url": url,
    }


def charge(
    *,
    charge_id: str,
    payment_intent: str,
    amount_cents: int,
    amount_refunded: int,
    currency: str,
    metadata: dict[str, str],
    created: int,
    refund_id: str | None = None,
    refund_amount: int = 0,
) -> dict[str, Any]:
    refunds = (
        [{"id": refund_id, "object": "refund", "amount": refund_amount, "charge": charge_id}]
        if refund_id
        else []
    )
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount_cents,
        "amount_captured": amount_cents,
        "amount_refunded": amount_refunded,
        "captured": True,
        "created": created,
        "currency": currency.lower(),
        "livemode": False,
        "metadata": metadata,
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount_cents,
        "refunds": {"object": "list", "data": refunds},
        "status": "succeeded",
    }


def dispute(
    *,
    dispute_id: str,
    charge_id: str,
    payment_intent: str,
    amount_cents: int,
    currency: str,
    status: str,
    metadata: dict[str, str],
    created: int,
) -> dict[str, Any]:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount_cents,
        "charge": charge_id,
        "created": created,
        "currency": currency.lower(),
        "livemode": False,
        "metadata": metadata,
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": status,
    }
