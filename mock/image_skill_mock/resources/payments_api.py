"""Tag ``payments``: payment methods, credit packs, quotes, Stripe Checkout sessions and purchase
status (the rail is ``payments``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.payments import packs, quotes, sessions, status


def list_payment_methods(call: Call) -> dict[str, Any]:
    return packs.methods_data()


def list_credit_packs(call: Call) -> dict[str, Any]:
    return packs.packs_data()


def create_credit_quote(call: Call) -> dict[str, Any]:
    ttl = call.settings.quote_ttl_seconds
    return quotes.quote(call.storage, call.require_agent(), call.body or {}, now=call.now(), ttl_seconds=ttl)


def create_stripe_checkout_session(call: Call) -> dict[str, Any]:
    agent, body = call.require_agent(), call.body or {}
    return sessions.buy(
        call.storage, agent, body, now=call.now(), base_url=call.base_url, trace_id=call.trace_id
    )


def get_credit_purchase_status(call: Call) -> dict[str, Any]:
    return status.status(
        call.storage, call.require_agent(), call.query, now=call.now(), base_url=call.base_url
    )


HANDLERS = {
    "listPaymentMethods": list_payment_methods,
    "listCreditPacks": list_credit_packs,
    "createCreditQuote": create_credit_quote,
    "createStripeCheckoutSession": create_stripe_checkout_session,
    "getCreditPurchaseStatus": get_credit_purchase_status,
}
