"""Contract commands this CLI release does not build yet, answered honestly.

Every command line the contract documents for them — with all of its flags — is
``PUBLIC_CLI_COMMAND_NOT_AVAILABLE`` (exit 2): the command is part of the contract, it is just not in
this release. It is never ``INVALID_ARGUMENTS`` (the flags are right) and never "no such command".
A command module opts in with ``unavailable(argv)``, which ``main`` calls before docopt parses (and
after ``reject_argv``, so payment-credential flags are still refused first); ``--help`` still shows
the usage the contract documents.
"""

from __future__ import annotations

from typing import NamedTuple

from image_skill.context import Context
from image_skill.envelope import CliError
from image_skill_api.registry import ErrorCode

#: The sentence every refusal carries.
NOT_YET = "is part of the Image Skill CLI contract but is not available in this CLI release yet"


def usage_note(what: str) -> str:
    """The paragraph a planned command's usage text ends with."""
    code = ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE
    return (
        f"\nNot available yet: {what} - part of the Image Skill CLI contract, but not in this CLI"
        f" release yet\n(answered with {code}, exit 2). `image-skill help --json` lists what runs.\n"
    )


class NotYet(NamedTuple):
    """A contract command line this release cannot run."""

    command: str  # the envelope's command label, e.g. "image-skill credits quote"
    what: str  # what is missing, e.g. "`image-skill credits quote`"
    instead: str | None = None  # a built command that makes progress; else the registry's default
    hint: str = ""  # a sentence more, e.g. what does run


def positionals(argv: list[str], noun: str) -> list[str]:
    """The words after ``noun`` that are not flags (a flag's separate value may be among them)."""
    words: list[str] = []
    skip = False
    seen_noun = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--api-base-url":
            skip = True
        elif arg.startswith("-"):
            continue
        elif not seen_noun:
            seen_noun = arg == noun
        else:
            words.append(arg)
    return words


def refusal(ctx: Context, not_yet: NotYet) -> CliError:
    ctx.command = not_yet.command
    recovery = {"suggested_command": ctx.with_base_url(not_yet.instead)} if not_yet.instead else None
    message = f"{not_yet.what} {NOT_YET}." + (f" {not_yet.hint}" if not_yet.hint else "")
    return CliError(ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE, message, recovery=recovery)


def whole_noun(noun: str, argv: list[str], subcommands: tuple[str, ...] = ()) -> NotYet:
    """The refusal for a noun none of whose command lines is built yet."""
    words = positionals(argv, noun)
    sub = words[0] if words and words[0] in subcommands else None
    label = f"image-skill {noun} {sub}" if sub else f"image-skill {noun}"
    return NotYet(label, f"`{label}`")
