"""An envelope as one JSON line: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``,
character for character, without importing ``json`` on the paths that have not (``--version``,
help, a usage error: importing ``json`` is about 2 ms of their start-up budget).

Where ``json`` is loaded already (any command that made a request: ``requests`` imports it), it is
used. Otherwise the value is written here with the C string encoder ``json`` itself uses
(``_json.encode_basestring``); a value holding anything but dicts with string keys, lists,
strings, ints, booleans and None (a float, say) goes to ``json.dumps`` after all.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # mypy treats this name as typing.TYPE_CHECKING; importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_string: Callable[[str], str] | None
try:
    from _json import encode_basestring as _string
except ImportError:  # an interpreter without CPython's accelerator: json.dumps always
    _string = None


class _Other(Exception):
    """The value holds something this writer leaves to ``json``."""


def dumps(value: Any) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` writes it."""
    if _string is not None and "json" not in sys.modules:
        parts: list[str] = []
        try:
            _write(value, parts.append, _string)
        except (_Other, RecursionError):
            pass
        else:
            return "".join(parts)
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write(value: Any, out: Callable[[str], object], string: Callable[[str], str]) -> None:
    if isinstance(value, str):
        out(string(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, dict):
        out("{")
        comma = ""
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Other
            out(comma)
            out(string(key))
            out(":")
            _write(item, out, string)
            comma = ","
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        comma = ""
        for item in value:
            out(comma)
            _write(item, out, string)
            comma = ","
        out("]")
    elif isinstance(value, int):
        out(int.__repr__(value))
    else:
        raise _Other
