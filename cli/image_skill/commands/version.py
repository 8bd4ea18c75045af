"""image-skill version (also ``--version``): answered without loading the rest of the CLI."""

from __future__ import annotations

import os
import sys

from image_skill import __version__
from image_skill_api.constants import TRACE_ID_PREFIX

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from image_skill.context import Context

USAGE = """
Usage:
  image-skill version [options]
"""
COMMAND = "image-skill version"


def data() -> dict[str, str]:
    return {"version": __version__, "python": "{}.{}.{}".format(*sys.version_info[:3])}


def fast_envelope() -> dict[str, object]:
    """The whole envelope, built from constants only (the start-up budget of ``--version``)."""
    return {
        "ok": True,
        "command": COMMAND,
        "trace_id": TRACE_ID_PREFIX + os.urandom(8).hex(),
        "actor": None,
        "data": data(),
        "warnings": [],
        "error": None,
    }


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    from image_skill.envelope import success

    ctx.command = COMMAND
    return success(ctx.command, data(), trace_id=ctx.trace_id)
