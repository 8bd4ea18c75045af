"""image-skill signup --agent: create a restricted agent identity and keep its token safe.

Signup is anonymous by default: ``--agent-contact`` (or its alias ``--human-email``) is optional.
Saving is the default: the token goes into the 0600 config file (for this base URL only) and
is not printed. ``--show-token`` prints it once, at creation (and it is still saved);
``--show-token --no-save`` prints it and saves nothing (``--no-save`` alone would lose the token:
refused). ``--save`` is accepted as the no-op it is. ``--discovery-source`` (else the
``IMAGE_SKILL_DISCOVERY_SOURCE`` environment variable) is sent when given. The config keeps one
profile per base URL: saving here leaves the tokens of other APIs usable. Before the signup
request, a placeholder of the full size the save needs is written and fsynced beside the config
(``config.reserve``), so a full or read-only disk fails before an identity exists; if the save
still fails afterwards, the failure (PUBLIC_CLI_CONFIG_WRITE_FAILED) carries the token, this once,
with a command that keeps it: a server-side identity is never created and lost.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from image_skill import config
from image_skill.command_table import help_command
from image_skill.context import Context
from image_skill.envelope import CliError
from image_skill.suggestions import SIGNUP_ARGV
from image_skill.validate import invalid, matches
from image_skill_api import operations as ops
from image_skill_api.registry import ErrorCode

if TYPE_CHECKING:
    from image_skill_api.models import SignupRequest

LABEL = ops.OPERATIONS["createAgentSignup"].command

#: Flag -> the placeholder the suggested signup command (the registry's) carries for it.
PLACEHOLDERS = {flag: value for flag, value in pairwise(SIGNUP_ARGV) if value.isupper()}
ACCEPTED_ALIASES = {"--agent-contact": ["--human-email"]}


#: Where a discovery source comes from when --discovery-source is not given.
DISCOVERY_ENV = "IMAGE_SKILL_DISCOVERY_SOURCE"


@dataclass(frozen=True)
class SignupOptions:
    contact: str | None  # --agent-contact, or its alias --human-email; None: an anonymous signup
    name: str
    runtime: str
    save: bool  # the default, unless --no-save
    show_token: bool
    discovery_source: str | None = None  # --discovery-source (the environment's is read in ``run``)


def _discovery(value: str | None, where: str) -> str | None:
    """A discovery source slug (None stays None), else INVALID_ARGUMENTS naming ``where`` it came from."""
    if value is not None and not matches("DiscoverySource", value):
        raise invalid(
            "signup",
            f"{where} is a channel slug: lowercase letters and digits plus '.', '_' or '-', at most 64"
            " characters (omit it when you do not know the channel).",
        )
    return value


def _label(value: str | None, flag: str) -> str | None:
    """An agent name or runtime (None stays None) as the spec's ``AgentLabel`` takes it, else
    INVALID_ARGUMENTS naming ``flag`` (never sent for the server to refuse)."""
    if value is not None and not matches("AgentLabel", value):
        raise invalid(
            "signup",
            f"{flag} starts with a letter or digit and holds letters, digits, spaces, '.', '_' or '-',"
            " at most 80 characters.",
        )
    return value


def _save_flags(opts: Mapping[str, Any]) -> bool:
    """Whether to save the token: yes unless --no-save (which needs --show-token, or the token is lost)."""
    if opts.get("--no-save") and opts.get("--save"):
        raise invalid("signup", "Give --save (the default) or --no-save, not both.")
    if opts.get("--no-save") and not opts["--show-token"]:
        error = invalid(
            "signup",
            "--no-save without --show-token would lose the token: add --show-token to receive it once.",
        )
        error.recovery = {**(error.recovery or {}), "required_flags": ["--show-token"]}
        raise error
    return not opts.get("--no-save")


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
    optional = ("--runtime", "--agent-contact")  # runtime defaults to unknown; no contact is anonymous
    missing = [flag for flag, value in given.items() if not value and flag not in optional] + placeholders
    if opts["--agent-contact"] and opts["--human-email"]:
        missing, why = ["--agent-contact"], "Give --agent-contact or its alias --human-email, not both."
    elif placeholders:
        names = ", ".join(PLACEHOLDERS[flag] for flag in placeholders)
        why = f"Fill in the placeholders with your own values (see signup --help): {names}."
    else:
        why = "signup needs " + ", ".join(missing) + " (a contact inbox is optional: --agent-contact)."
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
        contact=given["--agent-contact"] or None,
        name=_label(opts["--agent-name"], "--agent-name") or "",
        runtime=_label(opts["--runtime"], "--runtime") or "unknown",
        save=_save_flags(opts),
        show_token=bool(opts["--show-token"]),
        discovery_source=_discovery(opts.get("--discovery-source"), "--discovery-source"),
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
    # The space the save needs, written and fsynced BEFORE the agent exists (a full disk fails here).
    reservation = config.reserve(path, _save_size(path, base_url)) if opts.save else None
    try:
        source = opts.discovery_source or _discovery(ctx.env.get(DISCOVERY_ENV) or None, DISCOVERY_ENV)
        body: SignupRequest = {"agent_name": opts.name, "runtime": opts.runtime, "return_token": True}
        if opts.contact is not None:
            body["agent_contact"] = opts.contact
        if source is not None:
            body["discovery_source"] = source
        envelope = ops.create_agent_signup(ctx.client, body)
        data = _reply_data(envelope)
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise
    token = data.get("token")
    if reservation is not None and token:
        _keep(reservation, base_url, token, data.get("actor"))
    elif reservation is not None:
        reservation.release()
    data["token"] = token if opts.show_token else None
    data["token_saved"] = bool(opts.save and token)
    data["config_path"] = str(path) if opts.save else None
    data["next_command"] = ctx.with_base_url("image-skill create --guide --prompt 'your prompt' --json")
    return {**envelope, "command": ctx.command, "data": data}


# ------------------------------------------------------------------ the save path
#: Room kept for the token and the actor the server has not sent yet (the save's placeholder).
RESERVED_BYTES = 8 << 10
TOKEN_VARIABLE = "IMAGE_SKILL_TOKEN"  # noqa: S105 - a variable name, not a secret


def _profile(base_url: str, token: str, actor: Any) -> dict[str, Any]:
    saved_at = datetime.now(UTC).isoformat(timespec="seconds")
    return {"api_base_url": base_url, "token": token, "saved_at": saved_at, "actor": actor}


def _save_size(path: Path, base_url: str) -> int:
    """The bytes the config will take once this signup's profile is in it (generously)."""
    content = config.with_profile(config.load(path), base_url, _profile(base_url, "", None))
    return len(json.dumps(content, indent=2, sort_keys=True).encode()) + RESERVED_BYTES


def _keep(reservation: config.Reservation, base_url: str, token: str, actor: Any) -> None:
    """Save ``token`` as ``base_url``'s profile (the other profiles kept). When that still fails, the
    agent exists: the failure carries its token (this once) and how to keep it, so it is never lost."""
    content = config.with_profile(config.load(reservation.path), base_url, _profile(base_url, token, actor))
    try:
        reservation.commit(content)
    except CliError as exc:
        raise CliError(
            ErrorCode.PUBLIC_CLI_CONFIG_WRITE_FAILED,
            f"The agent was created, but {exc.message[0].lower()}{exc.message[1:]} Its token is in"
            " error.recovery.token and is shown only this once: store it now (the suggested command"
            " keeps it for this shell; a secret store keeps it for good), then point"
            " IMAGE_SKILL_CONFIG_PATH at a writable file for the next save.",
            recovery={
                "token": token,
                "suggested_command": shlex.join(["export", f"{TOKEN_VARIABLE}={token}"]),
            },
            shows_token=True,
        ) from None
