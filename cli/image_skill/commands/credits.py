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

Options:
  --card=X            Rejected: payment credentials never pass through the CLI.
  --card-number=X     Rejected: payment credentials never pass through the CLI.
  --cvc=X             Rejected: payment credentials never pass through the CLI.
  --payment-token=X   Rejected: payment credentials never pass through the CLI.
"""

CREDENTIAL_FLAGS = ("--card", "--card-number", "--cvc", "--payment-token")


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill credits methods" if opts["methods"] else "image-skill credits"
    rejected = [flag for flag in CREDENTIAL_FLAGS if opts.get(flag)]
    if rejected:
        raise CliError(
            ErrorCode.PAYMENT_CREDENTIAL_FLAG_REJECTED,
            f"{rejected[0]} is refused: card data never passes through the CLI; pay in Stripe Checkout.",
        )
    if not opts["methods"]:
        raise CliError(
            ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
            "This credits command is not available in this CLI yet; `credits methods` is.",
            recovery={"suggested_command": ctx.with_base_url("image-skill credits methods --json")},
        )
    return relabel(ops.list_payment_methods(ctx.client), ctx.command)
