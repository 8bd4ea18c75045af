"""Contract commands this CLI release does not build yet, answered honestly.

Every command line the contract documents for them — with all of its flags — is
``PUBLIC_CLI_COMMAND_NOT_AVAILABLE`` (exit 2): the command is part of the contract, it is just not in
this release. It is never ``INVALID_ARGUMENTS`` (the flags are right) and never "no such command".
A command's usage module opts in with ``unavailable(argv)``, which ``main`` asks before docopt
parses (and after ``reject_argv``, so payment-credential flags are still refused first);
``--help`` still shows the usage the contract documents. Labels are the operations' ``command``.

Cheap to import (plain constants): usage modules import it.
"""

from __future__ import annotations

from image_skill.argv import positionals
from image_skill.envelope import Refusal
from image_skill_api.constants import ERROR_EXIT_CODES, OPERATION_COMMANDS

NOT_AVAILABLE = "PUBLIC_CLI_COMMAND_NOT_AVAILABLE"
#: The sentence every refusal carries.
NOT_YET = "is part of the Image Skill CLI contract but is not available in this CLI release yet"


def usage_note(what: str) -> str:
    """The paragraph a planned command's usage text ends with."""
    return (
        f"\nNot available yet: {what} - part of the Image Skill CLI contract, but not in this CLI"
        f" release yet\n(answered with {NOT_AVAILABLE}, exit {ERROR_EXIT_CODES[NOT_AVAILABLE]})."
        " `image-skill help --json` lists what runs.\n"
    )


def not_yet(command: str, what: str, instead: str | None = None, hint: str = "") -> Refusal:
    """The refusal of a contract command line this release cannot run.

    ``command``: the envelope's label; ``what``: what is missing (e.g. "`image-skill credits quote`");
    ``instead``: a built command that makes progress (else the registry's default recovery);
    ``hint``: a sentence more, e.g. what does run.
    """
    message = f"{what} {NOT_YET}." + (f" {hint}" if hint else "")
    return Refusal(NOT_AVAILABLE, message, command=command, suggested_command=instead)


def whole_noun(noun: str, argv: list[str], operations: dict[str, str]) -> Refusal:
    """The refusal for a noun none of whose command lines is built yet.

    ``operations``: subcommand word (``""`` for the noun alone) -> operationId; the label is that
    operation's command, else ``image-skill <noun>``.
    """
    words = positionals(argv, noun)
    sub = words[0] if words and words[0] in operations else ""
    operation = operations.get(sub)
    label = OPERATION_COMMANDS[operation] if operation else f"image-skill {noun}"
    return not_yet(label, f"`{label}`")
