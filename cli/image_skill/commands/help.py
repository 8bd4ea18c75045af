"""image-skill help (also ``--help``, ``-h``): the command list, or one command's usage, as an envelope.

The command list and a command's usage are answered without loading the rest of the CLI
(``fast_envelope``, ``usage_envelope``): constants and the command's usage module only, like
``--version``. The list names every command of the contract and says whether this release runs it
(``available``: all of them in this release). Labels are the operations' ``command`` (the spec's),
else ``command_table.LABELS``; the list is ``command_table.LISTING``.
"""

from __future__ import annotations

from image_skill.command_table import COMMANDS, GLOBAL_OPTIONS, LABELS, LISTING, PROGRAM, load_usage
from image_skill.envelope import new_trace_id, success

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from image_skill.context import Context

FIRST_STEP = "image-skill create --guide --prompt 'describe the image' --json"
GENERAL_USAGE = """
Usage:
  image-skill <command> [<args>...] [options]
  image-skill help [<command>] [options]
  image-skill <command> --help
"""


def data() -> dict[str, object]:
    return {
        "usage": (GENERAL_USAGE + GLOBAL_OPTIONS).strip(),
        "commands": [
            {"command": command, "summary": summary, "available": available}
            for command, summary, available in LISTING
        ],
        "first_step": FIRST_STEP,
    }


def fast_envelope() -> dict[str, Any]:
    """The whole command-list envelope, from constants only (cheap: no typing, no requests)."""
    return success(LABELS["help"], data(), trace_id=new_trace_id())


def usage_envelope(word: str, usage: str, *, trace_id: str) -> dict[str, Any]:
    """``image-skill <word> --help``: the command's usage (cheap: its usage module only)."""
    return success(f"{PROGRAM} {word}", {"command": word, "usage": usage.strip()}, trace_id=trace_id)


def parse(opts: Mapping[str, Any]) -> str | None:
    """The command whose usage is asked for (None: the command list)."""
    topic: str | None = opts.get("<command>")
    return topic


def label(opts: Mapping[str, Any]) -> str:
    """``image-skill <command>`` for a command's usage, else the list's."""
    topic = parse(opts)
    return f"{PROGRAM} {topic}" if topic in COMMANDS else LABELS["help"]


def run(ctx: Context, topic: str | None) -> dict[str, Any]:
    if topic in COMMANDS:
        return usage_envelope(
            topic, load_usage(COMMANDS[topic]).USAGE + GLOBAL_OPTIONS, trace_id=ctx.trace_id
        )
    return success(ctx.command, data(), trace_id=ctx.trace_id)
