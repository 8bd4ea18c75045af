"""What argv says before docopt reads it: the command word, ``--api-base-url`` as given, the words
after a noun, and an option that no usage of the command knows.

Plain functions over lists of strings (``re`` only): ``main`` answers help and usage errors with
them without importing docopt, the Context or the HTTP stack.
"""

from __future__ import annotations

import re

HELP_FLAGS = ("-h", "--help")
BASE_URL_FLAG = "--api-base-url"

#: A long option named in a usage text, and whether it is shown taking a value (``--x=V``, ``--x V``).
_USAGE_OPTION = re.compile(r"(?<![\w-])(--[A-Za-z0-9][\w-]*)(=|\s(?=[A-Z<]))?")


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


def unknown_option(usage: str, argv: list[str]) -> str | None:
    """A long option in ``argv`` that docopt refuses for certain with this ``usage``, else None.

    docopt takes an option it does not know exactly as the unique option it starts (``--guid`` is
    ``--guide``) and refuses argv when no option matches. Here an option is unknown only when no
    option *named anywhere* in the usage text starts with it, so docopt (which knows no more options
    than that) refuses it too. The value of an option that may take one is skipped, as docopt
    consumes it; a short option or ``--`` ends the scan (docopt decides those). None promises nothing.
    """
    takes_value: dict[str, bool] = {}
    for name, value in _USAGE_OPTION.findall(usage):
        takes_value[name] = takes_value.get(name, False) or bool(value)
    words = iter(argv)
    for word in words:
        if word == "--":
            return None
        if word.startswith("--"):
            name, equals, _ = word.partition("=")
            known = [option for option in takes_value if option.startswith(name)]
            if not known:
                return name
            if not equals and any(takes_value[option] for option in known):
                next(words, None)  # its value, whatever it looks like
        elif word.startswith("-") and word != "-" and not _is_number(word):
            return None
    return None
