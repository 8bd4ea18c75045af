"""image-skill claim request --contact INBOX: attach a contact inbox to the agent (``POST /v1/agent-claims``).

The contact is checked for an email shape before anything is sent (the server checks it too, with
the same code); the answer echoes only a redacted contact. No activity event is written for it:
the spec's registry has no type for one, and ``data.activity`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import invalid
from image_skill_api import operations as ops
from image_skill_api.constants import CLAIM_REQUEST_CONTACT_MAX_LENGTH

LABEL = ops.OPERATIONS["createAgentClaim"].command


@dataclass(frozen=True)
class ClaimOptions:
    contact: str


def parse(opts: Mapping[str, Any]) -> ClaimOptions:
    contact = opts["--contact"]
    if not contact:
        error = invalid("claim", "claim request needs --contact INBOX (an email-shaped durable inbox).")
        error.recovery = {**(error.recovery or {}), "required_flags": ["--contact"]}
        raise error
    # The server's rule for `format: email` (JSON Schema's format check: an "@"), so both refuse alike.
    if len(contact) > int(CLAIM_REQUEST_CONTACT_MAX_LENGTH) or "@" not in contact:
        raise invalid("claim", "--contact must be an email-shaped inbox, e.g. agent-inbox@example.com.")
    return ClaimOptions(contact)


def run(ctx: Context, opts: ClaimOptions) -> dict[str, Any]:
    return relabel(ops.create_agent_claim(ctx.client, {"contact": opts.contact}), ctx.command)
