"""image-skill usage quota (and its alias `image-skill quota`)."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops

USAGE = """
Usage:
  image-skill usage quota [options]
  image-skill quota [options]
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = (
        "image-skill quota" if opts.get("quota") and not opts.get("usage") else "image-skill usage quota"
    )
    ctx.require_token()
    return relabel(ops.get_quota(ctx.client), ctx.command)
