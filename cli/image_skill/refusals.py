"""Command lines refused from argv alone, before docopt reads them: a word that is no command, a
flag that is not exactly one the command knows (an abbreviation included), a payment credential.

An unknown word or flag is named in the message; the closest known one is ``recovery.did_you_mean``
and ``recovery.suggested_command`` is the whole command line with it in place, runnable as printed
(else the command's usage). Cheap to import: the generated flag tables and plain strings.
"""

from __future__ import annotations

from image_skill.argv import closest, replaced, unknown_flags
from image_skill.command_table import COMMANDS, PROGRAM, help_command
from image_skill.envelope import Refusal
from image_skill_api.constants import ErrorCodes
from image_skill_api.usages import FLAGS

#: Flag stems that look like payment credentials; a flag starting with any of them is refused.
CREDENTIAL_FLAG_STEMS = (
    "--card", "--cvc", "--cvv", "--expiry", "--exp-", "--wallet", "--private-key", "--seed-phrase",
    "--mnemonic", "--stripe-secret", "--secret-key", "--sk-", "--authorization", "--payment-token",
    "--spt", "--mpp", "--x402", "--promo",
)  # fmt: skip


def command_line(argv: list[str]) -> str:
    """``image-skill <argv>`` quoted for a POSIX shell."""
    import shlex

    return shlex.join([PROGRAM, *argv])


def no_such_command(word: str | None, argv: list[str]) -> Refusal:
    """PUBLIC_CLI_COMMAND_NOT_AVAILABLE, with the closest command word when there is one."""
    if word is None:
        return Refusal(ErrorCodes.PUBLIC_CLI_COMMAND_NOT_AVAILABLE, "No command was given.")
    meant = closest(word, COMMANDS)
    if meant is None:  # (the registry's recovery: `image-skill help --json`, which lists the commands)
        return Refusal(ErrorCodes.PUBLIC_CLI_COMMAND_NOT_AVAILABLE, "This is not an image-skill command.")
    return Refusal(
        ErrorCodes.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
        f"This is not an image-skill command; did you mean `{meant}`?",
        suggested_command=command_line(replaced(argv, argv.index(word), word, meant)),
        did_you_mean=meant,
    )


def unknown_flag(word: str, argv: list[str]) -> Refusal | None:
    """INVALID_ARGUMENTS naming the first flag ``image-skill <word>`` does not know exactly."""
    flags = FLAGS[word]
    found = next(unknown_flags(flags, argv), None)
    if found is None:
        return None
    index, name = found
    meant = closest(name, flags) if name.startswith("--") else None
    message = f"{name} is not a flag of `{PROGRAM} {word}` (flags are never abbreviated)"
    if meant is None:
        return Refusal(ErrorCodes.INVALID_ARGUMENTS, message + ".", suggested_command=help_command(word))
    return Refusal(
        ErrorCodes.INVALID_ARGUMENTS,
        f"{message}; did you mean {meant}?",
        suggested_command=command_line(replaced(argv, index, name, meant)),
        did_you_mean=meant,
    )


def usage_error(word: str, argv: list[str]) -> Refusal:
    """INVALID_ARGUMENTS for a command line that matches no usage of ``image-skill <word>``, naming
    what the command needs when that is what is missing (the manifest's ``required_flags``)."""
    from image_skill.argv import words_and_flags
    from image_skill.commands.help import rows_for

    words, given = words_and_flags(argv)
    rows = rows_for(words, given) if words and words[0] == word else []
    needed = [
        item
        for item in (rows[0]["required_flags"] if len(rows) == 1 else [])
        if not set(item.split(" or ")) & given
    ]
    message = f"The arguments do not match any usage of `{PROGRAM} {word}`"
    message += f"; it needs {', '.join(needed)}." if needed else "."
    return Refusal(ErrorCodes.INVALID_ARGUMENTS, message, suggested_command=help_command(word))


def credential_flag(word: str, argv: list[str]) -> Refusal | None:
    """Payment-credential flags are refused before parsing, whatever else the command line says (a
    value that merely looks like one, such as a prompt, is not a flag)."""
    for _, name in unknown_flags(FLAGS[word], argv):
        flag = name.lower()
        if flag.startswith(CREDENTIAL_FLAG_STEMS):
            return Refusal(
                ErrorCodes.PAYMENT_CREDENTIAL_FLAG_REJECTED,
                f"{flag} is refused: payment credentials never pass through the CLI; pay in Stripe Checkout.",
            )
    return None
