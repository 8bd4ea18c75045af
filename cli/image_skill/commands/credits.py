"""image-skill credits methods: the payment rails (no auth; never takes payment credentials).

``credits packs list|quote|buy|status`` are contract commands this release does not build yet:
their command lines answer PUBLIC_CLI_COMMAND_NOT_AVAILABLE (``unavailable``), after any
payment-credential flag has been refused (``reject_argv``).
"""

from __future__ import annotations

from typing import Any

from image_skill.commands.planned import NotYet, positionals, usage_note
from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

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


def reject_argv(argv: list[str]) -> None:
    """Refuse payment-credential flags before parsing, whatever else the command line says."""
    for arg in argv:
        flag = arg.split("=", 1)[0].lower()
        if flag.startswith(CREDENTIAL_FLAG_STEMS):
            raise CliError(
                ErrorCode.PAYMENT_CREDENTIAL_FLAG_REJECTED,
                f"{flag} is refused: payment credentials never pass through the CLI; pay in Stripe Checkout.",
            )


METHODS_COMMAND = "image-skill credits methods --json"
QUOTA_COMMAND = "image-skill usage quota --json"

#: Subcommand -> (command label, a built command that makes progress instead).
PLANNED = {
    "packs": ("image-skill credits packs list", METHODS_COMMAND),  # the same rail's default pack
    "quote": ("image-skill credits quote", QUOTA_COMMAND),  # what the agent can still spend
    "buy": ("image-skill credits buy", QUOTA_COMMAND),
    "status": ("image-skill credits status", QUOTA_COMMAND),  # payment-backed credits land here
}


def unavailable(argv: list[str]) -> NotYet | None:
    """The refusal for a contract credits command this release does not build, else None."""
    for word in positionals(argv, "credits"):
        if word == "methods":
            return None
        if word in PLANNED:
            label, instead = PLANNED[word]
            return NotYet(label, f"`{label}`", instead)
    return None


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill credits methods"
    return relabel(ops.list_payment_methods(ctx.client), ctx.command)
