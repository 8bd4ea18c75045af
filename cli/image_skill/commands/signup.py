"""image-skill signup --agent: create a restricted agent identity and keep its token safe.

Saving is the default: the token goes into the 0600 config file (for this base URL only) and
is not printed. ``--show-token`` prints it once, at creation, and then it is not saved unless
``--save`` is given too. Writability of the config is checked before the signup request, so
a server-side identity is never created whose token could not be kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from image_skill import config
from image_skill.command_table import help_command
from image_skill.context import Context
from image_skill.envelope import CliError
from image_skill.suggestions import SIGNUP_ARGV
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

if TYPE_CHECKING:
    from image_skill_api.models import SignupRequest

LABEL = ops.OPERATIONS["createAgentSignup"].command

#: Flag -> the placeholder the suggested signup command (the registry's) carries for it.
PLACEHOLDERS = {flag: value for flag, value in pairwise(SIGNUP_ARGV) if value.isupper()}
ACCEPTED_ALIASES = {"--agent-contact": ["--human-email"]}


@dataclass(frozen=True)
class SignupOptions:
    contact: str  # --agent-contact, or its alias --human-email
    name: str
    runtime: str
    save: bool  # the default, unless --show-token alone
    show_token: bool


def parse(opts: Mapping[str, Any]) -> SignupOptions:
    """The signup, when every required flag is given and none is a placeholder of the suggested
    signup command; else INVALID_ARGUMENTS with ``required_flags`` and ``accepted_aliases``."""
    given = {
        "--agent": "--agent" if opts["--agent"] else None,
        "--agent-contact": opts["--agent-contact"] or opts["--human-email"],
        "--agent-name": opts["--agent-name"],
        "--runtime": opts["--runtime"],  # optional (default unknown), but never a placeholder
    }
    placeholders = [flag for flag, value in given.items() if value and value == PLACEHOLDERS.get(flag)]
    missing = [flag for flag, value in given.items() if not value and flag != "--runtime"] + placeholders
    if opts["--agent-contact"] and opts["--human-email"]:
        missing, why = ["--agent-contact"], "Give --agent-contact or its alias --human-email, not both."
    elif placeholders:
        names = ", ".join(PLACEHOLDERS[flag] for flag in placeholders)
        why = f"Fill in the placeholders with your own values (see signup --help): {names}."
    else:
        why = "signup needs " + ", ".join(missing) + " (--human-email is accepted for --agent-contact)."
    if missing:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            why,
            recovery={
                "suggested_command": help_command("signup"),
                "required_flags": missing,
                "accepted_aliases": ACCEPTED_ALIASES,
            },
        )
    return SignupOptions(
        contact=given["--agent-contact"],
        name=opts["--agent-name"],
        runtime=opts["--runtime"] or "unknown",
        save=bool(opts["--save"]) or not opts["--show-token"],
        show_token=bool(opts["--show-token"]),
    )


def _reply_data(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The signup reply's data, when its token (if any) can be saved and sent back as a header."""
    from image_skill.validate import is_header_token

    data = envelope.get("data")
    if not isinstance(data, dict):
        raise CliError(ErrorCode.HOSTED_API_BAD_RESPONSE, "The signup reply has no data object.")
    token = data.get("token")
    if token is not None and not is_header_token(token):
        raise CliError(ErrorCode.HOSTED_API_BAD_RESPONSE, "The signup reply's token is not well-formed.")
    return dict(data)


def run(ctx: Context, opts: SignupOptions) -> dict[str, Any]:
    path = ctx.config_path
    base_url = ctx.base_url  # a bad base URL is refused before any side effect
    if opts.save:
        config.ensure_writable(path)  # proven writable BEFORE the agent exists: no token is ever lost
    body: SignupRequest = {
        "agent_contact": opts.contact,
        "agent_name": opts.name,
        "runtime": opts.runtime,
        "return_token": True,
    }
    envelope = ops.create_agent_signup(ctx.client, body)
    data = _reply_data(envelope)
    token = data.get("token")
    if opts.save and token:
        config.save(
            path,
            {
                "api_base_url": base_url,
                "token": token,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "actor": data.get("actor"),
            },
        )
    data["token"] = token if opts.show_token else None
    data["token_saved"] = bool(opts.save and token)
    data["config_path"] = str(path) if opts.save else None
    data["next_command"] = ctx.with_base_url("image-skill create --guide --prompt 'your prompt' --json")
    return {**envelope, "command": ctx.command, "data": data}
