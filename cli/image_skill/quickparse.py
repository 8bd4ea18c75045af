"""docopt's reading of the plainest command lines, without importing docopt (issue 19: a network
command's own set-up; docopt's import and its parse of the usage text are a few ms of every run).

A usage qualifies when each of its patterns is ``image-skill WORD... [options]`` and it has no
options but the global ones (``whoami``, ``trust``, ``usage quota``/``quota``). Its command line is read
here when it is one pattern's words followed by distinct global options, each exactly as written
(``--json``, ``--token-stdin``, ``--api-base-url=URL`` or ``--api-base-url URL``); the answer is the
dict docopt gives. Anything else (``None``) is docopt's to read, refusals included.
``tests/cli/test_quickparse.py`` holds the two equal over generated command lines.
"""

from __future__ import annotations

from image_skill.command_table import PROGRAM
from image_skill_api.usages import GLOBAL_OPTIONS, USAGES

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

OPTIONS_SUFFIX = "[options]"


def _global_options() -> dict[str, bool]:
    """The global options in the order their section lists them (docopt's order): name -> takes a value."""
    options: dict[str, bool] = {}
    for line in GLOBAL_OPTIONS.splitlines()[1:]:
        spelled = line.split("  ")[1].split()[-1]  # "-h --help" -> "--help"; "--api-base-url=URL"
        name, _, value = spelled.partition("=")
        options[name] = bool(value)
    return options


def _patterns(text: str) -> list[list[str]] | None:
    """Each usage pattern's command words, or None unless every pattern is ``image-skill WORD...
    [options]`` and the usage has no options but the global ones."""
    usage, _, rest = text.partition("\n\n")
    if not usage.startswith("Usage:\n") or "\nOptions:" in "\n" + rest or "[default:" in text:
        return None
    patterns: list[list[str]] = []
    for line in usage.splitlines()[1:]:
        words = line.split()
        if not line.startswith("  " + PROGRAM + " ") or words[-1] != OPTIONS_SUFFIX:
            return None  # a continued pattern, or one that is not plain words
        words = words[1:-1]
        if not words or not all(word.isascii() and word.isalpha() for word in words):
            return None
        patterns.append(words)
    return patterns or None


def _options(argv: list[str], known: dict[str, bool]) -> dict[str, str | bool] | None:
    """The global options ``argv`` gives, each once and exactly as written, or None."""
    given: dict[str, str | bool] = {}
    index = 0
    while index < len(argv):
        token = argv[index]
        name, equals, value = token.partition("=")
        if name == "--help" or name not in known or name in given:
            return None
        if known[name] and not equals:
            index += 1
            if index == len(argv) or argv[index].startswith("-"):
                return None
            value = argv[index]
        elif known[name] != bool(equals):
            return None
        given[name] = value if known[name] else True
        index += 1
    return given


def simple(word: str, argv: list[str]) -> dict[str, Any] | None:
    """docopt's dict for ``argv`` under the usage of ``image-skill <word>``, when that is plain (see
    the module doc); None when docopt must read it."""
    patterns = _patterns(USAGES[word])
    if patterns is None:
        return None
    matched = next((words for words in patterns if argv[: len(words)] == words), None)
    known = _global_options()
    given = None if matched is None else _options(argv[len(matched) :], known)
    if matched is None or given is None:
        return None
    parsed: dict[str, Any] = {}
    for words in patterns:
        for command_word in words:
            parsed.setdefault(command_word, command_word in matched)
    for name, takes_value in known.items():
        parsed[name] = given.get(name, None if takes_value else False)
    return parsed
