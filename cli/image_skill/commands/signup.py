"""image-skill signup --agent: create a restricted agent identity and keep its token safe.

Saving is the default: the token goes into the 0600 config file (for this base URL only) and
is not printed. ``--show-token`` prints it once, at creation, and then it is not saved unless
``--save`` is given too. Writability of the config is checked before the signup request, so
a server-side identity is never created whose token could not be kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from image_skill import config
from image_skill.context import SIGNUP_ARGV, Context
from image_skill.envelope import CliError
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

USAGE = """
Usage:
  image-skill signup [--agent] [--agent-contact=EMAIL] [--human-email=EMAIL] [--agent-name=NAME]
      [--runtime=RUNTIME] [--save] [--show-token] [options]

Required: --agent, --agent-contact (or its alias --human-email) and --agent-name. A suggested
signup command carries placeholders to replace: AGENT_CONTACT_EMAIL (a durable, email-shaped
inbox: agent-owned, else an operator, team or sponsor inbox; never a throwaway one),
AGENT_NAME (e.g. creative-agent) and RUNTIME (e.g. codex or claude-code).

Options:
  --agent                Sign up a restricted agent identity (required).
  --agent-contact=EMAIL  A durable, email-shaped contact inbox for the agent.
  --human-email=EMAIL    Older name of --agent-contact.
  --agent-name=NAME      The agent's display name.
  --runtime=RUNTIME      The agent runtime, e.g. codex or claude-code [default: unknown].
  --save                 Save the token to the config file (the default unless --show-token).
  --show-token           Print the token once in data.token (not saved unless --save is also given).
"""


#: Flag -> the placeholder the suggested signup command (the registry's) carries for it.
PLACEHOLDERS = {flag: value for flag, value in pairwise(SIGNUP_ARGV) if value.isupper()}
ACCEPTED_ALIASES = {"--agent-contact": ["--human-email"]}


def _missing_flags(opts: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(required flags that are absent or still a placeholder, the placeholders among them)."""
    given = {
        "--agent": "--agent" if opts["--agent"] else None,
        "--agent-contact": opts["--agent-contact"] or opts["--human-email"],
        "--agent-name": opts["--agent-name"],
        "--runtime": opts["--runtime"],  # optional (default unknown), but never a placeholder
    }
    placeholders = [flag for flag, value in given.items() if value and value == PLACEHOLDERS.get(flag)]
    absent = [flag for flag, value in given.items() if not value and flag != "--runtime"]
    return absent + placeholders, [PLACEHOLDERS[flag] for flag in placeholders]


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


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill signup --agent"
    missing, placeholders = _missing_flags(opts)
    if opts["--agent-contact"] and opts["--human-email"]:
        missing, why = ["--agent-contact"], "Give --agent-contact or its alias --human-email, not both."
    elif placeholders:
        names = ", ".join(placeholders)
        why = f"Fill in the placeholders with your own values (see signup --help): {names}."
    else:
        why = "signup needs " + ", ".join(missing) + " (--human-email is accepted for --agent-contact)."
    if missing:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            why,
            recovery={
                "suggested_command": ctx.with_base_url("image-skill signup --help"),
                "required_flags": missing,
                "accepted_aliases": ACCEPTED_ALIASES,
            },
        )
    save = bool(opts["--save"]) or not opts["--show-token"]
    path = ctx.config_path
    base_url = ctx.base_url  # a bad base URL is refused before any side effect
    if save:
        config.ensure_writable(path)  # proven writable BEFORE the agent exists: no token is ever lost
    body = {
        "agent_contact": opts["--agent-contact"] or opts["--human-email"],
        "agent_name": opts["--agent-name"],
        "runtime": opts["--runtime"] or "unknown",
        "return_token": True,
    }
    envelope = ops.create_agent_signup(ctx.client, body)  # type: ignore[arg-type]
    data = _reply_data(envelope)
    token = data.get("token")
    if save and token:
        config.save(
            path,
            {
                "api_base_url": base_url,
                "token": token,
                "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "actor": data.get("actor"),
            },
        )
    data["token"] = token if opts["--show-token"] else None
    data["token_saved"] = bool(save and token)
    data["config_path"] = str(path) if save else None
    data["next_command"] = ctx.with_base_url("image-skill create --guide --prompt 'your prompt' --json")
    return {**envelope, "command": ctx.command, "data": data}
