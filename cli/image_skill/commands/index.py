"""The command table: which modules answer which command word, the labels of the commands that no
operation names, and the global options every usage ends with.

A command word has two modules of the same name: ``image_skill.usages.<name>`` (its usage text and
what argv alone decides: cheap, loaded for ``--help`` and usage errors) and
``image_skill.commands.<name>``, loaded only when the command runs, which ``main.execute`` uses in
this order:

- ``LABEL``, or ``label(parsed)`` when it has subcommands: the envelope's ``command``. It is the
  label of the command's operation (``Operation.command``, the spec's ``x-image-skill-command``);
  ``LABELS`` below holds the labels of the commands without one;
- ``parse(parsed)``: docopt's dict -> the command's small typed options (INVALID_ARGUMENTS for a
  value the spec does not allow), the one place that reads docopt's keys;
- ``run(ctx, options)``: the options and the ``Context`` -> the envelope.

Plain constants, cheap to import (no typing): ``main`` dispatches with them and ``help`` lists and
loads usages with them, so neither imports the other.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType

PROGRAM = "image-skill"

GLOBAL_OPTIONS = """
Global options:
  --json              Print the JSON envelope (the default; accepted by every command).
  --api-base-url=URL  Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).
  --token-stdin       Read the agent token from the first line of standard input.
  -h --help           Show this command's usage (as an envelope).
"""

#: First argv word -> module name (under ``image_skill.usages`` and ``image_skill.commands``).
COMMANDS: dict[str, str] = {
    "help": "help",
    "version": "version",
    "doctor": "doctor",
    "signup": "signup",
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
}

#: The labels of the commands that map to no operation of their own (the rest: ``Operation.command``).
LABELS: dict[str, str] = {
    "help": "image-skill help",
    "version": "image-skill version",
    "quota": "image-skill quota",  # the alias of `image-skill usage quota`
    "create --guide": "image-skill create --guide",  # listed by help; it answers as `image-skill create`
    "jobs wait": "image-skill jobs wait",
    "assets get": "image-skill assets get",
}


def word_label(word: str | None) -> str:
    """The label of a failure before a command has chosen its own: ``image-skill <word>``."""
    return f"{PROGRAM} {word}" if word in COMMANDS else PROGRAM


def help_command(word: str) -> str:
    """The command that prints ``word``'s usage (every argument error's recovery)."""
    return f"{PROGRAM} {word} --help"


def load_usage(name: str) -> ModuleType:
    """``image_skill.usages.<name>``: the usage text and argv checks (cheap; not even ``importlib``)."""
    import sys

    module = f"image_skill.usages.{name}"
    __import__(module)
    return sys.modules[module]


def load_command(name: str) -> ModuleType:
    """``image_skill.commands.<name>``: ``parse`` and ``run`` (imported only when the command runs)."""
    import importlib

    return importlib.import_module(f"image_skill.commands.{name}")
