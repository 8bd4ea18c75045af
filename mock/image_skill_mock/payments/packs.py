"""What can be bought: the credit packs, custom quote bounds, and the one payment method (Stripe
Checkout in test mode). One credit is one US cent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from image_skill_api.operations import OPERATIONS
from image_skill_mock import suggested

CURRENCY: Final = "USD"
MIN_CREDITS: Final = 1
MAX_CREDITS: Final = 5000


@dataclass(frozen=True)
class Pack:
    pack_id: str
    name: str
    credits: int

    def shape(self) -> dict[str, Any]:
        return {
            "pack_id": self.pack_id,
            "name": self.name,
            "credits": self.credits,
            "amount_cents": self.credits,  # one credit is one cent
            "currency": CURRENCY,
        }


PACKS: Final = (
    Pack("starter-500", "Starter", 500),
    Pack("creator-2000", "Creator", 2000),
    Pack("studio-5000", "Studio", 5000),
)
PACKS_BY_ID: Final = {pack.pack_id: pack for pack in PACKS}


def packs_data() -> dict[str, Any]:
    """``GET /v1/credit-packs``."""
    return {
        "credit_unit_cents": 1,
        "credit_unit_usd": 0.01,
        "currency": CURRENCY,
        "default_pack_id": suggested.DEFAULT_PACK_ID,
        "packs": [pack.shape() for pack in PACKS],
        "custom_quotes": {"supported": True, "min_credits": MIN_CREDITS, "max_credits": MAX_CREDITS},
    }


def methods_data() -> dict[str, Any]:
    """``GET /v1/payment-methods``: the one rail, a test-mode Stripe Checkout."""
    return {
        "contract_version": "image-skill.payment-methods.v1",
        "credit_unit_cents": 1,
        "currency": CURRENCY,
        "quote_endpoint": OPERATIONS["createCreditQuote"].path,
        "packs_endpoint": OPERATIONS["listCreditPacks"].path,
        "status_endpoint": OPERATIONS["getCreditPurchaseStatus"].path,
        "methods": [
            {
                "method_id": suggested.STRIPE_CHECKOUT,
                "status": "available",
                "available": True,
                "quoteable": True,
                "purchasable": True,
                "live_money": False,  # the mock is a test-mode rail: no real money ever moves
                "buyer_modes": ["hybrid", "human_only"],
                "requires_browser": True,
                "default_pack_id": suggested.DEFAULT_PACK_ID,
                "purchase_endpoint": OPERATIONS["createStripeCheckoutSession"].path,
                "recovery": {
                    "quote_command": suggested.CREDITS_QUOTE,
                    "purchase_command": suggested.CREDITS_BUY,
                    "status_command": suggested.CREDITS_STATUS,
                },
            }
        ],
    }
