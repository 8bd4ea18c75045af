"""GET /v1/payment-methods: the rails an agent can quote and buy credits with."""

from __future__ import annotations

from typing import Any

from image_skill_api.operations import OPERATIONS
from image_skill_mock import commands
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


HANDLERS = {"listPaymentMethods": list_payment_methods}
