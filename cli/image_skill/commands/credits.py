"""image-skill credits methods: the payment rails (no auth; never takes payment credentials)."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import CliError, relabel
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

USAGE = """
Usage:
  image-skill credits methods [options]
  image-skill credits [<args>...] [options]

Payment credentials (cards, wallet keys, seed phrases, Stripe secrets, authorization headers,
payment tokens) never pass through the CLI: any such flag is refused before anything runs.
"""

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


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill credits methods" if opts["methods"] else "image-skill credits"
    if not opts["methods"]:
        raise CliError(
            ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
            "This credits command is not available in this CLI yet; `credits methods` is.",
            recovery={"suggested_command": ctx.with_base_url("image-skill credits methods --json")},
        )
    return relabel(ops.list_payment_methods(ctx.client), ctx.command)
