"""Every ``image-skill`` command line the mock suggests, built here with one joiner.

Built from the spec's command labels (``Operation.command``), so a renamed command changes here
by itself. They appear in ``recovery.suggested_command``, the model list's recommended filters,
the payment methods' recovery commands and a purchase's next steps.
"""

from __future__ import annotations

import secrets
import shlex
from typing import Final

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import OPERATION_VALUES
from image_skill_mock.clock import utc_now

#: The pack and rail the suggested quote names (also the payment methods' ``default_pack_id``).
DEFAULT_PACK_ID: Final = "starter-500"
STRIPE_CHECKOUT: Final = "stripe_checkout"
#: The one payment provider the mock's rail speaks for.
PROVIDER: Final = "stripe"


def command(operation_id: str, *args: str) -> str:
    """The command line of ``operation_id`` with ``args``, shell-quoted, ending in ``--json``."""
    return shlex.join([*OPERATIONS[operation_id].command.split(), *args, "--json"])


MODELS_LIST: Final = command("listModels", "--available")
#: ``models list`` narrowed to the models an operation runs (create: image.generate, edit: image.edit).
MODELS_LIST_FOR: Final[dict[str, str]] = {
    operation: command("listModels", "--available", "--operation", operation)
    for operation in OPERATION_VALUES
}
CAPABILITIES_LIST: Final = command("listCapabilities")
CREDITS_METHODS: Final = command("listPaymentMethods")
CREDITS_PACKS: Final = command("listCreditPacks")
CREDITS_QUOTE: Final = command(
    "createCreditQuote", "--pack", DEFAULT_PACK_ID, "--payment-method", STRIPE_CHECKOUT
)
CREDITS_BUY: Final = command(
    "createStripeCheckoutSession",
    "--provider",
    PROVIDER,
    "--quote-id",
    "QUOTE_ID",
    "--idempotency-key",
    "KEY",
)
CREDITS_STATUS: Final = command("getCreditPurchaseStatus", "--payment-attempt-id", "PAYMENT_ATTEMPT_ID")


def models_show(model_id: str) -> str:
    return command("getModel", model_id)


def fresh_key(prefix: str) -> str:
    """A new idempotency key: ``<prefix>-<epoch ms>-<8 hex>`` (the CLI generates the same shape)."""
    return f"{prefix}-{int(utc_now().timestamp() * 1000)}-{secrets.token_hex(4)}"


def quote_command(credits: int | None, pack_id: str | None, key: str) -> str:
    """``credits quote`` for these terms (a pack, else a number of credits) under ``key``."""
    terms = ["--pack", pack_id] if pack_id else []
    terms += ["--credits", str(credits)] if credits is not None and not pack_id else []
    return command("createCreditQuote", *terms, "--payment-method", STRIPE_CHECKOUT, "--idempotency-key", key)


def buy_command(quote_id: str, key: str) -> str:
    return command(
        "createStripeCheckoutSession",
        "--provider",
        PROVIDER,
        "--quote-id",
        quote_id,
        "--idempotency-key",
        key,
    )


def status_command(flag: str, ref: str) -> str:
    return command("getCreditPurchaseStatus", flag, ref)
