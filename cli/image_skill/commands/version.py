"""image-skill version."""

from __future__ import annotations

import platform
from typing import Any

from image_skill import __version__
from image_skill.context import Context
from image_skill.envelope import success

USAGE = """
Usage:
  image-skill version [options]
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill version"
    data = {"version": __version__, "python": platform.python_version()}
    return success(ctx.command, data, trace_id=ctx.trace_id)
