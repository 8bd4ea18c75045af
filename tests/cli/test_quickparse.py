"""The plainest command lines are read without docopt (``image_skill.quickparse``, issue 19): whatever
it reads, it reads to docopt's very dict (keys in docopt's order too); anything else it leaves to docopt."""

from __future__ import annotations

import pytest
from docopt import DocoptExit, docopt
from hypothesis import given, settings
from hypothesis import strategies as st

from image_skill.command_table import usage_text
from image_skill.quickparse import simple
from image_skill_api.usages import FLAGS, USAGES

WORDS = sorted(USAGES)
#: Tokens a command line is drawn from: every command word of every usage, each flag spelled every
#: way (with and without a value, misspelt, doubled dashes alone), values that look like flags.
TOKENS = sorted(
    {word for text in USAGES.values() for word in text.split() if word.isascii() and word.isalpha()}
    | {flag for flags in FLAGS.values() for flag in flags}
    | {f"{flag}=x" for flags in FLAGS.values() for flag in flags}
    | {"--api-base-url=", "--api-base-url=http://127.0.0.1:9", "http://127.0.0.1:9", "-h", "--", "-", "--js"}
    | {"-x", "x", "", "job_abcdefghijklmnop", "--json=", "--token-stdin=1", "é"}
)

#: The tokens of the command lines it reads (drawn as often as all the rest together).
PLAIN = (
    "--json",
    "--token-stdin",
    "--api-base-url",
    "--api-base-url=http://127.0.0.1:9",
    "http://127.0.0.1:9",
)
PLAIN += ("usage", "quota")


def docopt_reading(word: str, argv: list[str]) -> dict[str, object] | None:
    try:
        return dict(docopt(usage_text(word), argv=argv, default_help=False))
    except DocoptExit:
        return None


@settings(max_examples=400, deadline=None)
@given(
    word=st.sampled_from(("whoami", "trust", "usage", "quota", "version")) | st.sampled_from(WORDS),
    argv=st.lists(st.sampled_from(PLAIN) | st.sampled_from(TOKENS), max_size=6),
    lead=st.booleans(),
)
def test_what_it_reads_it_reads_as_docopt_does(word: str, argv: list[str], lead: bool) -> None:
    if lead:  # most command lines start with their own word
        argv = [word, *argv]
    quick = simple(word, argv)
    if quick is not None:
        expected = docopt_reading(word, argv)
        assert expected is not None, argv
        assert list(quick.items()) == list(expected.items())


@pytest.mark.parametrize(
    ("word", "argv"),
    [
        ("whoami", ["whoami"]),
        ("whoami", ["whoami", "--json"]),
        ("whoami", ["whoami", "--token-stdin", "--api-base-url", "http://127.0.0.1:9", "--json"]),
        ("whoami", ["whoami", "--api-base-url=http://127.0.0.1:9"]),
        ("whoami", ["whoami", "--api-base-url="]),
        ("usage", ["usage", "quota", "--json"]),
        ("quota", ["quota", "--json"]),
        ("trust", ["trust", "--json"]),
    ],
)
def test_the_plain_command_lines_are_read_without_docopt(word: str, argv: list[str]) -> None:
    quick = simple(word, argv)
    assert quick is not None
    assert list(quick.items()) == list((docopt_reading(word, argv) or {}).items())


@pytest.mark.parametrize(
    ("word", "argv"),
    [
        ("whoami", ["whoami", "--json", "--json"]),  # docopt refuses a repeated option
        ("whoami", ["--json", "whoami"]),  # an option before the words
        ("whoami", ["whoami", "--api-base-url"]),  # no value
        ("whoami", ["whoami", "--api-base-url", "--json"]),  # docopt takes "--json" as the URL
        ("whoami", ["whoami", "--json=1"]),
        ("whoami", ["whoami", "extra"]),
        ("whoami", ["whoami", "--"]),
        ("credits", ["credits", "methods", "--json"]),  # a usage with options of its own
        ("capabilities", ["capabilities", "list"]),  # an optional word
        ("doctor", ["doctor"]),
    ],
)
def test_anything_else_is_left_to_docopt(word: str, argv: list[str]) -> None:
    assert simple(word, argv) is None
