"""The payment resources: rails, credit packs, quotes, Stripe Checkout sessions and purchase status.

The logic (idempotency, expiry, the state of a purchase) is ``image_skill_mock.payments``'s.
"""

from __future__ import annotations

from typing import Any

from image_skill_api.operations import OPERATIONS
from image_skill_mock import commands, payments
from image_skill_mock.state import Call


def list_payment_methods(call: Call) -> dict[str, Any]:
    return {
        "contract_version": "image-skill.payment-methods.v1",
        "credit_unit_cents": 1,
        "currency": "USD",
        "quote_endpoint": OPERATIONS["createCreditQuote"].path,
        "packs_endpoint": OPERATIONS["listCreditPacks"].path,
        "status_endpoint": OPERATIONS["getCreditPurchaseStatus"].path,
        "methods": [
            {
                "method_id": commands.STRIPE_CHECKOUT,
                "status": "available",
                "available": True,
                "quoteable": True,
                "purchasable": True,
                "live_money": False,  # the mock is a test-mode rail: no real money ever moves
                "buyer_modes": ["hybrid", "human_only"],
                "requires_browser": True,
                "default_pack_id": commands.DEFAULT_PACK_ID,
                "purchase_endpoint": OPERATIONS["createStripeCheckoutSession"].path,
                "recovery": {
                    "quote_command": commands.CREDITS_QUOTE,
                    "purchase_command": commands.CREDITS_BUY,
                    "status_command": commands.CREDITS_STATUS,
                },
            }
        ],
    }


def list_credit_packs(call: Call) -> dict[str, Any]:
    return payments.packs_data()


def create_credit_quote(call: Call) -> dict[str, Any]:
    return payments.quote(
        call.storage,
        call.require_agent(),
        call.body or {},
        now=call.now(),
        ttl_seconds=call.settings.quote_ttl_seconds,
    )


def create_stripe_checkout_session(call: Call) -> dict[str, Any]:
    return payments.buy(
        call.storage,
        call.require_agent(),
        call.body or {},
        now=call.now(),
        base_url=call.base_url,
        trace_id=call.trace_id,
    )


def get_credit_purchase_status(call: Call) -> dict[str, Any]:
    return payments.status(
        call.storage, call.require_agent(), call.query, now=call.now(), base_url=call.base_url
    )


HANDLERS = {
    "listPaymentMethods": list_payment_methods,
    "listCreditPacks": list_credit_packs,
    "createCreditQuote": create_credit_quote,
    "createStripeCheckoutSession": create_stripe_checkout_session,
    "getCreditPurchaseStatus": get_credit_purchase_status,
}
