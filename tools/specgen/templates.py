"""The Jinja2 environment of ``tools/templates/``: values reach the Python source only through filters."""

from __future__ import annotations

import ast
import keyword
from pathlib import Path
from typing import Any

import jinja2

from .common import HEADER, SHELL_WORD, SpecError, constant, snake


class Py(str):
    """Text that is already safe to place in Python source: only the filters below make it."""


def py(value: Any) -> Py:
    """A Python literal (``repr``), checked to read back as one (a YAML date, say, would not)."""
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise SpecError(f"{value!r} has no Python literal form") from exc
    return Py(text)


def ident(value: str) -> Py:
    """A name used as-is for a Python identifier (a class, member or parameter)."""
    if not value.isidentifier() or keyword.iskeyword(value):
        raise SpecError(f"{value!r} is not a Python identifier")
    return Py(value)


def one_line(value: str) -> str:
    return " ".join(value.splitlines())


def doc(value: str) -> Py:
    """Text for inside a one-line docstring: backslashes and double quotes escaped."""
    return Py(one_line(value).replace("\\", "\\\\").replace('"', '\\"'))


def printed_only_through_filters(value: object) -> object:
    """Jinja's ``finalize``: every ``{{ ... }}`` must go through a filter that makes a ``Py``."""
    if not isinstance(value, Py):
        raise TypeError(f"a template printed {value!r} raw: pass it through one of the TEMPLATES filters")
    return value


# The templates produce Python, not HTML, so HTML autoescaping would only corrupt them: values
# reach the source through the filters above instead, and `finalize` refuses any that did not.
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=False,  # noqa: S701 - the output is Python source, not HTML: see the comment above
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    finalize=printed_only_through_filters,
)
TEMPLATES.filters.update(
    py=py,
    ident=ident,
    snake=lambda name: ident(snake(name)),
    constant=lambda name: ident(constant(name)),
    doc=doc,
    comment=lambda text: Py(one_line(text)),
    tuple=tuple,
)
TEMPLATES.globals["header"] = Py(HEADER)


def render(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)


def shell_word(value: str) -> str:
    """A word placed in a shell script as-is: only characters that need no quoting."""
    if not SHELL_WORD.match(value):
        raise SpecError(f"{value!r} is not a plain shell word")
    return value


#: The templates of text outputs (usage texts, completion scripts, SKILL.md, llms.txt): they print
#: values as they are, so every value they print is prose or a word the spec's checks allowed.
TEXT_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=False,  # noqa: S701 - the output is plain text and shell, not HTML
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
TEXT_TEMPLATES.filters.update(sh=shell_word)
