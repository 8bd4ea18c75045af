"""image-skill signup --agent: create a restricted agent identity and keep its token safe.

Saving is the default: the token goes into the 0600 config file (for this base URL only) and
is not printed. ``--show-token`` prints it once, at creation, and then it is not saved unless
``--save`` is given too. Writability of the config is checked before the signup request, so
a server-side identity is never created whose token could not be kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from image_skill import config
from image_skill.context import Context
from image_skill.envelope import CliError
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

USAGE = """
Usage:
  image-skill signup --agent (--agent-contact=EMAIL | --human-email=EMAIL) --agent-name=NAME
      [--runtime=RUNTIME] [--save] [--show-token] [options]
  image-skill signup [options]

Options:
  --agent                Sign up a restricted agent identity (required).
  --agent-contact=EMAIL  A durable, email-shaped contact inbox for the agent.
  --human-email=EMAIL    Older name of --agent-contact.
  --agent-name=NAME      The agent's display name.
  --runtime=RUNTIME      The agent runtime, e.g. codex or claude-code [default: unknown].
  --save                 Save the token to the config file (the default unless --show-token).
  --show-token           Print the token once in data.token (not saved unless --save is also given).
"""


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    ctx.command = "image-skill signup --agent"
    if not opts["--agent"] or not opts["--agent-name"]:
        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            "signup needs --agent, --agent-contact (or --human-email) and --agent-name.",
            recovery={
                "suggested_command": "image-skill signup --agent --agent-contact agent-inbox@example.com "
                "--agent-name creative-agent --save --json",
                "required_flags": ["--agent", "--agent-contact", "--agent-name"],
            },
        )
    save = bool(opts["--save"]) or not opts["--show-token"]
    path = ctx.config_path
    if save:
        config.ensure_writable(path)
    body = {
        "agent_contact": opts["--agent-contact"] or opts["--human-email"],
        "agent_name": opts["--agent-name"],
        "runtime": opts["--runtime"] or "unknown",
        "return_token": True,
    }
    envelope = ops.create_agent_signup(ctx.client, body)  # type: ignore[arg-type]
    data = dict(envelope["data"])
    token = data.get("token")
    if save and token:
        config.save(
            path,
            {
                "api_base_url": ctx.base_url,
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
