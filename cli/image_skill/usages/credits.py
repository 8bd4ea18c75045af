"""image-skill credits: its usage; payment-credential flags refused; the credits commands not built yet.

``credits methods`` runs. ``credits packs list|quote|buy|status`` are contract commands this release
does not build yet: their command lines answer PUBLIC_CLI_COMMAND_NOT_AVAILABLE (``unavailable``),
after any payment-credential flag has been refused (``reject_argv``).
"""

from __future__ import annotations

from image_skill.argv import positionals
from image_skill.envelope import Refusal
from image_skill.planned import not_yet, usage_note
from image_skill.suggestions import METHODS_COMMAND, QUOTA_COMMAND
from image_skill_api.constants import OPERATION_COMMANDS

USAGE = """
Usage:
  image-skill credits methods [options]

Payment credentials (cards, wallet keys, seed phrases, Stripe secrets, authorization headers,
payment tokens) never pass through the CLI: any such flag is refused before anything runs.

The contract's other credits commands:
  image-skill credits packs list
  image-skill credits quote (--credits=N | --pack=PACK_ID) [--payment-method=M] [--idempotency-key=KEY]
  image-skill credits buy --provider=stripe --quote-id=QUOTE_ID --idempotency-key=KEY
  image-skill credits status (--quote-id=ID | --payment-attempt-id=ID | --checkout-session-id=ID
      | --receipt-id=ID)
""" + usage_note("`credits packs list`, `credits quote`, `credits buy` and `credits status`")

#: Flag stems that look like payment credentials; a flag starting with any of them is refused.
CREDENTIAL_FLAG_STEMS = (
    "--card", "--cvc", "--cvv", "--expiry", "--exp-", "--wallet", "--private-key", "--seed-phrase",
    "--mnemonic", "--stripe-secret", "--secret-key", "--sk-", "--authorization", "--payment-token",
    "--spt", "--mpp", "--x402", "--promo",
)  # fmt: skip


def reject_argv(argv: list[str]) -> Refusal | None:
    """Payment-credential flags are refused before parsing, whatever else the command line says."""
    for arg in argv:
        flag = arg.split("=", 1)[0].lower()
        if flag.startswith(CREDENTIAL_FLAG_STEMS):
            return Refusal(
                "PAYMENT_CREDENTIAL_FLAG_REJECTED",
                f"{flag} is refused: payment credentials never pass through the CLI; pay in Stripe Checkout.",
            )
    return None


#: Subcommand -> (its operation, a built command that makes progress instead).
PLANNED = {
    "packs": ("listCreditPacks", METHODS_COMMAND),  # the same rail's default pack
    "quote": ("createCreditQuote", QUOTA_COMMAND),  # what the agent can still spend
    "buy": ("createStripeCheckoutSession", QUOTA_COMMAND),
    "status": ("getCreditPurchaseStatus", QUOTA_COMMAND),  # payment-backed credits land here
}


def unavailable(argv: list[str]) -> Refusal | None:
    """The refusal for a contract credits command this release does not build, else None."""
    for word in positionals(argv, "credits"):
        if word == "methods":
            return None
        if word in PLANNED:
            operation, instead = PLANNED[word]
            label = OPERATION_COMMANDS[operation]
            return not_yet(label, f"`{label}`", instead)
    return None
