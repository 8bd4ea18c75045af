"""image-skill version (also ``--version``): answered without loading the rest of the CLI."""

from __future__ import annotations

import sys

from image_skill import __version__
from image_skill.command_table import LABELS
from image_skill.envelope import new_trace_id, success

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from image_skill.context import Context

LABEL = LABELS["version"]


def data() -> dict[str, str]:
    return {"version": __version__, "python": "{}.{}.{}".format(*sys.version_info[:3])}


def fast_envelope() -> dict[str, Any]:
    """The whole envelope, built from constants only (the start-up budget of ``--version``)."""
    return success(LABEL, data(), trace_id=new_trace_id())


def parse(opts: Mapping[str, Any]) -> None:
    """version has no options of its own."""


def run(ctx: Context, opts: None) -> dict[str, Any]:
    return success(ctx.command, data(), trace_id=ctx.trace_id)
