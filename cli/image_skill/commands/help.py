"""image-skill help (also ``--help``, ``-h``): the command manifest, one command's help, or a topic
(``environment``, ``exit-codes``), as an envelope (as text on a terminal: ``image_skill.helptext``).

Answered without loading the rest of the CLI (``fast_envelope``, ``usage_envelope``): the generated
manifest and usage texts only, like ``--version``. ``help --json`` is the manifest whole
(``image-skill.public-command-manifest.v1``) with the general usage; ``<command> --help --json`` is
the command's manifest row (``required_flags``, ``optional_flags``, ``flags``, ``effects``, ...)
with its usage text.
"""

from __future__ import annotations

from image_skill.command_table import COMMANDS, LABELS, PROGRAM
from image_skill.envelope import new_trace_id, success
from image_skill_api.manifest import MANIFEST
from image_skill_api.usages import GLOBAL_OPTIONS, USAGES

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from image_skill.context import Context

GENERAL_USAGE = """
Usage:
  image-skill <command> [<args>...] [options]
  image-skill help [<command>...] [options]
  image-skill <command> --help
"""
TOPICS = ("environment", "exit-codes")


def data() -> dict[str, Any]:
    return {**MANIFEST, "usage": (GENERAL_USAGE + "\n" + GLOBAL_OPTIONS).strip()}


def fast_envelope() -> dict[str, Any]:
    """The whole manifest envelope, from generated constants only (cheap: no typing, no requests)."""
    return success(LABELS["help"], data(), trace_id=new_trace_id())


def rows_for(words: list[str], flags: set[str]) -> list[dict[str, Any]]:
    """The manifest rows ``words`` (and ``flags``) name: the command they spell (``create`` with
    ``--guide`` given: ``create --guide``), else every command of the word."""
    rows: list[dict[str, Any]] = MANIFEST["commands"]
    mine = [row for row in rows if row["id"].split(" --")[0].split()[0] == words[0]]
    spelled = [row for row in mine if row["id"].split(" --")[0].split() == words[: len(row["id"].split())]]
    fixed = [row for row in spelled if row["fixed_flags"] and set(row["fixed_flags"]) <= flags]
    exact = fixed or [row for row in spelled if not row["fixed_flags"]]
    return exact[-1:] if exact else mine


def help_data(words: list[str], flags: set[str]) -> dict[str, Any]:
    """``<words> --help``: the command's manifest row and its word's usage text; a word of several
    commands: its usage text, its ``subcommands`` and their rows."""
    rows = rows_for(words, flags)
    usage = USAGES[words[0]].strip()
    if len(rows) == 1:
        return {**rows[0], "usage": usage, "usage_line": rows[0]["usage"]}
    subs = [" ".join(row["id"].split()[1:]) for row in rows]
    return {"command": f"{PROGRAM} {words[0]}", "usage": usage, "subcommands": subs, "commands": rows}


def usage_envelope(words: list[str], flags: set[str], *, trace_id: str) -> dict[str, Any]:
    """``image-skill <command> --help``: its manifest entry (cheap: generated constants only)."""
    rows = rows_for(words, flags)
    label = rows[0]["command"] if len(rows) == 1 else f"{PROGRAM} {words[0]}"
    return success(label.split(" --")[0], help_data(words, flags), trace_id=trace_id)


def topic_data(name: str) -> dict[str, Any]:
    key = name.replace("-", "_")
    return {"topic": name, key: MANIFEST[key]}


def parse(opts: Mapping[str, Any]) -> list[str]:
    """The words of the command (or topic) whose help is asked for ([]: the manifest)."""
    return list(opts.get("<command>") or [])


def label(opts: Mapping[str, Any]) -> str:
    """``image-skill <command>`` for a command's help, else help's own."""
    words = parse(opts)
    if words and words[0] in COMMANDS:
        rows = rows_for(words, set())
        return str(rows[0]["command"]).split(" --")[0] if len(rows) == 1 else f"{PROGRAM} {words[0]}"
    return LABELS["help"]


def run(ctx: Context, words: list[str]) -> dict[str, Any]:
    if words and words[0] in COMMANDS:
        return success(ctx.command, help_data(words, set()), trace_id=ctx.trace_id)
    if len(words) == 1 and words[0] in TOPICS:
        return success(ctx.command, topic_data(words[0]), trace_id=ctx.trace_id)
    return success(ctx.command, data(), trace_id=ctx.trace_id)


def text(ctx_env: Mapping[str, str], words: list[str], flags: set[str]) -> str:
    """The same answers as text for a person on a terminal."""
    from image_skill import helptext

    style = helptext.Style(ctx_env)
    if words and words[0] in COMMANDS:
        return helptext.command_help(style, USAGES[words[0]], rows_for(words, flags))
    if len(words) == 1 and words[0] in TOPICS:
        return helptext.topic(style, words[0])
    return helptext.command_list(style)
