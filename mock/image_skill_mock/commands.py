"""Every ``image-skill`` command line the mock suggests, one constant each.

Built from the spec's command labels (``Operation.command``), so a renamed command changes here
by itself. They appear in ``recovery.suggested_command``, the model list's recommended filters
and the payment methods' recovery commands.
"""

from __future__ import annotations

from typing import Final

from image_skill_api.operations import OPERATIONS
from image_skill_mock.catalog import EDIT, GENERATE

#: The pack and rail the suggested quote names (also the payment methods' ``default_pack_id``).
DEFAULT_PACK_ID: Final = "starter-500"
STRIPE_CHECKOUT: Final = "stripe_checkout"


def _command(operation_id: str, *args: str) -> str:
    return " ".join((OPERATIONS[operation_id].command, *args, "--json"))


MODELS_LIST: Final = _command("listModels", "--available")
#: ``models list`` narrowed to the models an operation runs (create: GENERATE, edit: EDIT).
MODELS_LIST_FOR: Final = {
    operation: _command("listModels", "--available", "--operation", operation)
    for operation in (GENERATE, EDIT)
}
CAPABILITIES_LIST: Final = _command("listCapabilities")
CREDITS_METHODS: Final = _command("listPaymentMethods")
CREDITS_QUOTE: Final = _command(
    "createCreditQuote", "--pack", DEFAULT_PACK_ID, "--payment-method", STRIPE_CHECKOUT
)
CREDITS_BUY: Final = _command(
    "createStripeCheckoutSession",
    "--provider",
    "stripe",
    "--quote-id",
    "QUOTE_ID",
    "--idempotency-key",
    "KEY",
)
CREDITS_STATUS: Final = _command("getCreditPurchaseStatus", "--payment-attempt-id", "PAYMENT_ATTEMPT_ID")


def models_show(model_id: str) -> str:
    return _command("getModel", model_id)
