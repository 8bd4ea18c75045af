"""image-skill capabilities [list] / capabilities show CAPABILITY_ID."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import require
from image_skill_api import operations as ops

USAGE = """
Usage:
  image-skill capabilities [list] [options]
  image-skill capabilities show <capability_id> [options]
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    if opts["show"]:
        ctx.command = "image-skill capabilities show"
        capability_id = require(ctx, "CapabilityId", opts["<capability_id>"], "capabilities")
        return relabel(ops.get_capability(ctx.client, capability_id), ctx.command)
    ctx.command = "image-skill capabilities list"
    return relabel(ops.list_capabilities(ctx.client), ctx.command)
