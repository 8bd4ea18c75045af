"""JSON Schema ``pattern``s read as ECMA-262 (the dialect the spec means), by an ECMA-262 engine.

``regress`` (the Rust regress engine's Python bindings, by jsonschema's author) compiles and runs
each pattern as ECMA-262 does with no flags: ``\\s`` is ECMA white space (U+FEFF yes, U+001C..U+001F
and U+0085 no), ``\\d``/``\\w``/``\\b`` are ASCII, ``.`` stops at the four ECMA line terminators,
``$`` is the end of input, ``[]`` matches nothing and ``[^]`` anything, and Annex B's readings
hold (``a{,3}`` is the literal text ``a{,3}``). What ECMA-262 does not accept (``(?i)abc``,
``a*+``) fails to compile (``regress.RegressError``) instead of being read another way. As in
JSON Schema, a pattern is a search, not anchored (``Pattern.search``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regress

#: A pattern that is not ECMA-262 (raised by ``compile_pattern``).
PatternInvalid = regress.RegressError


@dataclass(frozen=True)
class Pattern:
    """One compiled ECMA-262 pattern."""

    source: str
    regex: regress.Regex

    def search(self, value: str) -> regress.Match | None:
        """The first match anywhere in ``value``, or None. A string no UTF-8 can carry (a lone
        surrogate) matches nothing."""
        try:
            return self.regex.find(value)
        except UnicodeEncodeError:
            return None


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """The compiled ECMA-262 reading of ``pattern`` (cached); ``PatternInvalid`` when it is not ECMA-262."""
    return Pattern(pattern, regress.Regex(pattern))
