"""The command table: which module runs which command word, and the labels of the commands that no
operation names.

Everything else about a command (its usage text, flags, effects, summary, where help lists it) is in
the spec's ``x-image-skill-commands`` and reaches the CLI through ``image_skill_api.usages`` (the
usage texts docopt parses and the flag tables) and ``image_skill_api.manifest`` (the manifest).
A command word's module, ``image_skill.commands.<name>``, is loaded only when the command runs
(``image_skill.commands.load``), and ``main.execute`` uses it in this order:

- ``LABEL``, or ``label(parsed)`` when it has subcommands: the envelope's ``command``. It is the
  label of the command's operation (``Operation.command``, the spec's ``x-image-skill-command``);
  ``LABELS`` below holds the labels of the commands without one;
- ``parse(parsed)``: docopt's dict -> the command's small typed options (INVALID_ARGUMENTS for a
  value the spec does not allow), the one place that reads docopt's keys;
- ``run(ctx, options)``: the options and the ``Context`` -> the envelope.

A new command: its entry in the spec's ``x-image-skill-commands`` (then ``nox -s codegen``), its
module, and a row in ``COMMANDS`` (and in ``LABELS`` when no operation names it). This module sits
below every command and imports none of them; plain constants, cheap to import (no typing).
"""

from __future__ import annotations

PROGRAM = "image-skill"

#: First argv word -> the name of its module under ``image_skill.commands``.
COMMANDS: dict[str, str] = {
    "help": "help",
    "version": "version",
    "doctor": "doctor",
    "trust": "trust",
    "signup": "signup",
    "claim": "claim",
    "whoami": "whoami",
    "usage": "usage",
    "quota": "usage",
    "credits": "credits",
    "models": "models",
    "capabilities": "capabilities",
    "create": "create",
    "jobs": "jobs",
    "assets": "assets",
    "upload": "upload",
    "edit": "edit",
    "activity": "activity",
    "feedback": "feedback",
    "completion": "completion",
    "mcp": "mcp",
}

#: The labels of the commands that map to no operation of their own (the rest: ``Operation.command``).
LABELS: dict[str, str] = {
    "help": "image-skill help",
    "version": "image-skill version",
    "trust": "image-skill trust",
    "quota": "image-skill quota",  # the alias of `image-skill usage quota`
    "create --guide": "image-skill create --guide",  # listed by help; it answers as `image-skill create`
    "jobs wait": "image-skill jobs wait",
    "assets get": "image-skill assets get",
    "completion": "image-skill completion",
    "mcp": "image-skill mcp",
}


def word_label(word: str | None) -> str:
    """The label of a failure before a command has chosen its own: ``image-skill <word>``."""
    return f"{PROGRAM} {word}" if word in COMMANDS else PROGRAM


def help_command(word: str) -> str:
    """The command that prints ``word``'s usage (every argument error's recovery)."""
    return f"{PROGRAM} {word} --help"


def usage_text(word: str) -> str:
    """The usage text docopt parses for ``image-skill <word>`` (generated from the spec)."""
    from image_skill_api.usages import USAGES

    return USAGES[word]
