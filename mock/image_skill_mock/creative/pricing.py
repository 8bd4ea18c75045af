"""Credit math (Decimal): one credit is CREDIT_UNIT_USD, debits carry the single CREDIT_MARGIN."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from image_skill_api.registry import CREDIT_MARGIN, CREDIT_UNIT_USD

UNIT = Decimal(CREDIT_UNIT_USD)
MARGIN = Decimal(CREDIT_MARGIN)
#: Unknown-cost models are priced after execution from usage: this much per output megapixel.
UNKNOWN_COST_USD_PER_MEGAPIXEL = Decimal("0.04")


def credits_for_usd(usd: Decimal) -> int:
    """``ceil(usd * margin / unit)``: USD 0.07 -> 12 credits, USD 0.05 -> 9."""
    return int((usd * MARGIN / UNIT).to_integral_value(rounding=ROUND_CEILING))


def credit_pricing(usd_per_image: Decimal | None, outputs: int, *, confidence: str) -> dict[str, Any]:
    """A ``CreditPricing`` object for ``outputs`` images (credits are charged per image, then summed)."""
    if usd_per_image is None:
        return {
            "credit_unit_usd": float(UNIT),
            "credits_required": None,
            "estimated_provider_cost_usd": None,
            "estimated_revenue_usd": None,
            "pricing_confidence": "unknown",
        }
    credits = credits_for_usd(usd_per_image) * outputs
    return {
        "credit_unit_usd": float(UNIT),
        "credits_required": credits,
        "estimated_provider_cost_usd": float(usd_per_image * outputs),
        "estimated_revenue_usd": float(credits * UNIT),
        "pricing_confidence": confidence,
    }


def usage_usd(width: int, height: int) -> Decimal:
    """The post-execution usage price of one unknown-cost output."""
    return (UNKNOWN_COST_USD_PER_MEGAPIXEL * Decimal(width * height) / Decimal(1_000_000)).quantize(
        Decimal("0.0001")
    )
