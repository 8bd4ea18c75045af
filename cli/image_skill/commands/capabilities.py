"""image-skill capabilities [list] / capabilities show CAPABILITY_ID."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import require
from image_skill_api import operations as ops


def parse(opts: Mapping[str, Any]) -> str | None:
    """The options: ``show``'s capability id (checked against the spec's pattern), or None for the list."""
    return require("CapabilityId", opts["<capability_id>"], "capabilities") if opts["show"] else None


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS["getCapability" if opts["show"] else "listCapabilities"].command


def run(ctx: Context, capability_id: str | None) -> dict[str, Any]:
    if capability_id is None:
        return relabel(ops.list_capabilities(ctx.client), ctx.command)
    return relabel(ops.get_capability(ctx.client, capability_id), ctx.command)
