"""image-skill whoami: the authenticated actor, organization, claim state, token class and grants,
with where this run's token came from (``session_origin``) and when it was created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill_api import operations as ops

LABEL = ops.OPERATIONS["getWhoami"].command
#: ``auth.SOURCES`` -> ``session_origin`` (0.1.70's names for where a session's token came from).
SESSION_ORIGINS = {
    "config": "loaded_from_config",
    "env": "env_token",
    "flag": "stdin_token",
    "none": "unauthenticated",
    "config_other_base_url": "unauthenticated",
}


def parse(opts: Mapping[str, Any]) -> None:
    """whoami has no options of its own."""


def run(ctx: Context, opts: None) -> dict[str, Any]:
    envelope = relabel(ops.get_whoami(ctx.client), ctx.command)
    data = envelope.get("data")
    if isinstance(data, dict):
        token = data["token"] if isinstance(data.get("token"), dict) else {}
        data["session_origin"] = SESSION_ORIGINS[ctx.credential().source]
        # An older server sends only `token`: the mirrors follow from it.
        data.setdefault("authenticated", True)
        data.setdefault("token_status", token.get("status"))
        data.setdefault("token_created_at", token.get("created_at"))
    return envelope
