"""image-skill credits methods: the payment rails (no auth; never takes payment credentials).

The other credits commands of the contract are not built yet: ``image_skill.usages.credits``
answers them (and refuses payment-credential flags) before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops

LABEL = ops.OPERATIONS["listPaymentMethods"].command


def parse(opts: Mapping[str, Any]) -> None:
    """credits methods has no options of its own."""


def run(ctx: Context, opts: None) -> dict[str, Any]:
    return relabel(ops.list_payment_methods(ctx.client), ctx.command)
