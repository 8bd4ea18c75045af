"""What argv says before docopt reads it: the command word, ``--api-base-url`` as given, the words
after a noun, a flag that is not exactly one the command knows, and the closest known one.

Plain functions over lists of strings (no imports): ``main`` answers help
and usage errors with them without importing docopt, the Context or the HTTP stack.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from typing import TextIO

HELP_FLAGS = ("-h", "--help")
BASE_URL_FLAG = "--api-base-url"


def command_word(argv: list[str]) -> str | None:
    """The first word that is neither a flag nor the value of ``--api-base-url``."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == BASE_URL_FLAG:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def base_url_flag(argv: list[str]) -> str | None:
    """``--api-base-url`` as given (refusals decided before docopt runs are aimed with it too)."""
    for i, arg in enumerate(argv):
        if arg == BASE_URL_FLAG and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(BASE_URL_FLAG + "="):
            return arg.split("=", 1)[1]
    return None


def wants_text(argv: list[str], stdout: TextIO) -> bool:
    """Help for a person: standard output is a terminal and ``--json`` was not asked for."""
    if "--json" in argv:
        return False
    isatty = getattr(stdout, "isatty", None)
    return bool(isatty and isatty())


def wants_help(argv: list[str]) -> bool:
    return any(arg in HELP_FLAGS for arg in argv)


def positionals(argv: list[str], noun: str) -> list[str]:
    """The words after ``noun`` that are not flags (a flag's separate value may be among them)."""
    words: list[str] = []
    skip = False
    seen_noun = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == BASE_URL_FLAG:
            skip = True
        elif arg.startswith("-"):
            continue
        elif not seen_noun:
            seen_noun = arg == noun
        else:
            words.append(arg)
    return words


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def unknown_flags(flags: Mapping[str, bool], argv: list[str]) -> Iterator[tuple[int, str]]:
    """Every flag in ``argv`` that is not exactly one of ``flags`` (name -> takes a value), as
    ``(its index, its name)``.

    docopt takes a flag it does not know as the unique flag it starts (``--timeout`` would be
    ``--timeout-ms``, ``--dry`` ``--dry-run``); flags are exact here, so an abbreviation is unknown
    and refused before docopt sees it. A value a flag takes is skipped as docopt consumes it (the
    next word, whatever it looks like); ``--`` ends the flags. ``-h`` is the one short flag.
    """
    words = iter(enumerate(argv))
    for index, word in words:
        if word == "--":
            return
        name, equals, _ = word.partition("=")
        if word.startswith("--") and name not in flags:
            yield index, name
        elif word.startswith("--") and flags[name] and not equals:
            next(words, None)  # its value, whatever it looks like
        elif word.startswith("--"):
            continue  # a known flag that takes no value (or its value after `=`)
        elif word.startswith("-") and word not in ("-", *HELP_FLAGS) and not _is_number(word):
            yield index, word


def _distance(a: str, b: str) -> int:
    """Edit distance: insertions, deletions, substitutions and swaps of two neighbours (``jbos``
    is one edit from ``jobs``)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` most probably means: the shortest one it starts, else the nearest
    spelling within a third of its length, else None. (No ``difflib``: usage errors stay cheap.)"""
    candidates = sorted(known, key=lambda k: (len(k), k))
    started = [k for k in candidates if k.startswith(word) and len(word.lstrip("-")) > 1]
    if started:
        return started[0]
    scored = sorted((_distance(word, k), i) for i, k in enumerate(candidates))
    if scored and scored[0][0] <= max(1, len(word.lstrip("-")) // 3):
        return candidates[scored[0][1]]
    return None


def replaced(argv: list[str], index: int, old: str, new: str) -> list[str]:
    """``argv`` with the word at ``index`` (``old`` or ``old=value``) spelled with ``new`` instead."""
    return [*argv[:index], new + argv[index][len(old) :], *argv[index + 1 :]]


def words_and_flags(argv: list[str]) -> tuple[list[str], set[str]]:
    """The words of ``argv`` that are neither flags nor a flag's value (as the command's usage says
    which flags take one), and the names of the flags given."""
    from image_skill_api.usages import FLAGS

    takes_value = FLAGS.get(command_word(argv) or "", {})
    words: list[str] = []
    flags: set[str] = set()
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-") and arg != "-":
            name, equals, _ = arg.partition("=")
            flags.add(name)
            skip = takes_value.get(name, False) and not equals
        else:
            words.append(arg)
    return words, flags
