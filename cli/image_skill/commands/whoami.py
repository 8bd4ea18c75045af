"""image-skill whoami."""

from __future__ import annotations

from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops

USAGE = """
Usage:
  image-skill whoami [options]
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill whoami"
    ctx.require_token()
    return relabel(ops.get_whoami(ctx.client), ctx.command)
