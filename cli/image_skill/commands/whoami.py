"""image-skill whoami: the authenticated actor, organization, claim state, token class and grants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops

LABEL = ops.OPERATIONS["getWhoami"].command


def parse(opts: Mapping[str, Any]) -> None:
    """whoami has no options of its own."""


def run(ctx: Context, opts: None) -> dict[str, Any]:
    return relabel(ops.get_whoami(ctx.client), ctx.command)
