"""image-skill help (also ``--help``, ``-h``): the command list, or one command's usage, as an envelope.

The command list is answered without loading the rest of the CLI (``fast_envelope``): constants
only, like ``--version``. It lists every command of the contract and says which ones this release
runs (``available``); the others answer PUBLIC_CLI_COMMAND_NOT_AVAILABLE.
"""

from __future__ import annotations

import os

from image_skill_api.constants import TRACE_ID_PREFIX

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from image_skill.context import Context

USAGE = """
Usage:
  image-skill help [<command>] [options]
"""
COMMAND = "image-skill help"
FIRST_STEP = "image-skill create --guide --prompt 'describe the image' --json"
GENERAL_USAGE = """
Usage:
  image-skill <command> [<args>...] [options]
  image-skill help [<command>] [options]
  image-skill <command> --help
"""

#: Every command of the contract: (command, summary, runs in this release).
COMMANDS: tuple[tuple[str, str, bool], ...] = (
    ("image-skill create --guide", "The first safe next command for a prompt (never mutates).", True),
    ("image-skill doctor", "Check the hosted API, config, auth, output directory and telemetry.", True),
    ("image-skill signup --agent", "Create a restricted agent identity and save its token.", True),
    ("image-skill whoami", "Show the authenticated actor, organization, claim state and grants.", True),
    ("image-skill usage quota", "Credits, daily jobs and reset windows before spending.", True),
    ("image-skill quota", "Alias of `image-skill usage quota`.", True),
    ("image-skill credits methods", "Payment rails for buying credits.", True),
    ("image-skill credits packs list", "Recommended credit packs.", False),
    ("image-skill credits quote", "A bounded credit quote.", False),
    ("image-skill credits buy", "A Stripe Checkout action for a quote.", False),
    ("image-skill credits status", "The state of a quote, payment attempt, session or receipt.", False),
    ("image-skill models list", "Models, executable first (models show MODEL_ID: one model's schema).", True),
    ("image-skill capabilities list", "Capabilities (capabilities show CAPABILITY_ID: one).", True),
    ("image-skill create", "Create images, or plan a dry run (--dry-run needs no token).", True),
    ("image-skill jobs show", "One job (jobs wait JOB_ID: wait until it is terminal).", True),
    ("image-skill assets show", "One asset (assets get REF: download it; never clobbers a file).", True),
    ("image-skill upload", "Turn a local image or URL into an owned input asset.", False),
    ("image-skill edit", "Edit an owned image with a hosted edit model.", False),
    ("image-skill activity list", "The activity ledger (activity show REF: one event or subject).", False),
    ("image-skill feedback create", "Structured feedback into hosted product memory.", False),
    ("image-skill version", "The CLI version.", True),
    ("image-skill help", "This list; `image-skill help COMMAND` (or COMMAND --help) for its usage.", True),
)  # fmt: skip


def data(global_options: str) -> dict[str, object]:
    return {
        "usage": (GENERAL_USAGE + global_options).strip(),
        "commands": [
            {"command": command, "summary": summary, "available": available}
            for command, summary, available in COMMANDS
        ],
        "first_step": FIRST_STEP,
    }


def fast_envelope(global_options: str) -> dict[str, object]:
    """The whole command-list envelope, from constants only (cheap: no typing, no requests)."""
    return {
        "ok": True,
        "command": COMMAND,
        "trace_id": TRACE_ID_PREFIX + os.urandom(8).hex(),
        "actor": None,
        "data": data(global_options),
        "warnings": [],
        "error": None,
    }


def usage_envelope(ctx: Context, word: str, usage: str) -> dict[str, Any]:
    from image_skill.envelope import success

    ctx.command = f"image-skill {word}"
    return success(ctx.command, {"command": word, "usage": usage.strip()}, trace_id=ctx.trace_id)


def run(ctx: Context, opts: dict[str, Any]) -> dict[str, Any]:
    from image_skill.commands.index import COMMANDS as MODULES
    from image_skill.commands.index import GLOBAL_OPTIONS, load
    from image_skill.envelope import success

    ctx.command = COMMAND
    topic = opts.get("<command>")
    if topic in MODULES:
        return usage_envelope(ctx, topic, load(MODULES[topic]).USAGE + GLOBAL_OPTIONS)
    return success(ctx.command, data(GLOBAL_OPTIONS), trace_id=ctx.trace_id)
