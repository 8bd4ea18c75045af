"""GET /v1/payment-methods: the rails an agent can quote and buy credits with."""

from __future__ import annotations

from typing import Any

from image_skill_mock.state import Call

QUOTE_COMMAND = "image-skill credits quote --pack starter-500 --payment-method stripe_checkout --json"
PURCHASE_COMMAND = (
    "image-skill credits buy --provider stripe --quote-id QUOTE_ID --idempotency-key KEY --json"
)
STATUS_COMMAND = "image-skill credits status --payment-attempt-id PAYMENT_ATTEMPT_ID --json"


def list_payment_methods(call: Call) -> dict[str, Any]:
    return {
        "contract_version": "image-skill.payment-methods.v1",
        "credit_unit_cents": 1,
        "currency": "USD",
        "quote_endpoint": "/v1/credit-quotes",
        "packs_endpoint": "/v1/credit-packs",
        "status_endpoint": "/v1/credit-purchases/status",
        "methods": [
            {
                "method_id": "stripe_checkout",
                "status": "available",
                "available": True,
                "quoteable": True,
                "purchasable": True,
                "live_money": False,  # the mock is a test-mode rail: no real money ever moves
                "buyer_modes": ["hybrid", "human_only"],
                "requires_browser": True,
                "default_pack_id": "starter-500",
                "purchase_endpoint": "/v1/credit-purchases/stripe-checkout-sessions",
                "recovery": {
                    "quote_command": QUOTE_COMMAND,
                    "purchase_command": PURCHASE_COMMAND,
                    "status_command": STATUS_COMMAND,
                },
            }
        ],
    }


HANDLERS = {"listPaymentMethods": list_payment_methods}
