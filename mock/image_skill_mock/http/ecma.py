"""JSON Schema ``pattern``s read as ECMA-262 (the dialect the spec means), run on Python ``re``.

The two dialects disagree where it matters for validation: Python's ``\\s`` counts U+001C..U+001F
and U+0085 as white space and not U+FEFF, its ``\\d``/``\\w``/``\\b`` span all of Unicode, its ``.``
stops only at ``\\n`` and its ``$`` also matches before a final newline. ``compile`` rewrites a
pattern so Python reads it as ECMA-262 does (no flags, non-``u`` mode): ``\\s``/``\\S`` become the
ECMA white-space class and its complement, ``.`` excludes the four ECMA line terminators, ``$``
is the end of input, and ``re.ASCII`` narrows ``\\d``, ``\\w`` and ``\\b`` to ASCII. Everything
else is passed through unchanged (the spec's patterns use no other construct the dialects
read differently).
"""

from __future__ import annotations

import re
from functools import lru_cache

#: ECMA-262 WhiteSpace and LineTerminator (what ``\s`` matches), as inclusive code point ranges.
WHITE_SPACE: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out, low = [], 0
    for start, end in ranges:
        if start > low:
            out.append((low, start - 1))
        low = end + 1
    if low <= 0x10FFFF:
        out.append((low, 0x10FFFF))
    return tuple(out)


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}" for start, end in ranges
    )


_SPACE_BODY = _class_body(WHITE_SPACE)
_NON_SPACE_BODY = _class_body(_complement(WHITE_SPACE))


def translate(pattern: str) -> str:
    """``pattern`` (ECMA-262) rewritten so that Python ``re`` with ``re.ASCII`` reads it the same way."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            escaped = pattern[i + 1]
            i += 2
            if escaped == "s":
                out.append(_SPACE_BODY if in_class else f"[{_SPACE_BODY}]")
            elif escaped == "S":
                out.append(_NON_SPACE_BODY if in_class else f"[{_NON_SPACE_BODY}]")
            else:
                out.append("\\" + escaped)
            continue
        i += 1
        if in_class:
            if char == "]":
                in_class = False
            out.append("\\[" if char == "[" else char)
        elif char == "[":
            # ECMA: `[]` matches nothing and `[^]` anything; a `]` right after `[` is not a literal.
            if pattern.startswith("]", i):
                out.append("(?!)")
                i += 1
            elif pattern.startswith("^]", i):
                out.append("[\\s\\S]")
                i += 2
            else:
                in_class = True
                if pattern.startswith("^", i):
                    out.append("[^")
                    i += 1
                else:
                    out.append("[")
        elif char == ".":
            out.append(f"[^{_LINE_TERMINATORS}]")
        elif char == "$":
            out.append("\\Z")
        else:
            out.append(char)
    return "".join(out)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled ECMA-262 reading of ``pattern`` (use ``.search``, as JSON Schema does)."""
    return re.compile(translate(pattern), re.ASCII)
