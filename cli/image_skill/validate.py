"""Client-side checks before any network call or file write (patterns and enums from the spec).

Option values (ids, enums, integers, JSON flags), the text every request carries (it must be
encodable as UTF-8: an undecodable argv byte arrives as a lone surrogate), tokens (they go into
an HTTP header), JSON in either direction (bounded depth, no NaN) and output paths (only regular
files are ever replaced). This module imports neither the context nor the transport: both use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, overload

from image_skill.command_table import help_command
from image_skill.envelope import CliError

#: A member of one of the spec's enumerations (a Literal of models.py).
Choice = TypeVar("Choice", bound=str)

#: The deepest JSON (objects and arrays) the CLI accepts from a flag, a config file or the server.
MAX_JSON_DEPTH = 64


def invalid(noun: str, message: str) -> CliError:
    """INVALID_ARGUMENTS for a value given to ``image-skill <noun>``, pointing at its usage."""
    from image_skill_api.registry import ErrorCode

    return CliError(ErrorCode.INVALID_ARGUMENTS, message, recovery={"suggested_command": help_command(noun)})


@overload
def require(schema: str, value: str, noun: str) -> str: ...
@overload
def require(schema: str, value: None, noun: str) -> None: ...
def require(schema: str, value: str | None, noun: str) -> str | None:
    """``value`` (None stays None) when it matches the spec's ``schema`` pattern, else INVALID_ARGUMENTS."""
    if value is not None and not matches(schema, value):
        raise invalid(noun, f"This is not a well-formed {schema}.")
    return value


@overload
def choice(schema: str, value: str, allowed: tuple[Choice, ...], noun: str) -> Choice: ...
@overload
def choice(schema: str, value: None, allowed: tuple[Choice, ...], noun: str) -> None: ...
def choice(schema: str, value: str | None, allowed: tuple[Choice, ...], noun: str) -> Choice | None:
    """The member of the spec's enumeration ``allowed`` (typed: ``registry.<SCHEMA>_VALUES``) that
    ``value`` is (None stays None), else INVALID_ARGUMENTS listing them."""
    if value is None:
        return None
    for member in allowed:
        if member == value:
            return member
    raise invalid(noun, f"{schema} must be one of: {', '.join(allowed)}.")


def matches(schema: str, value: object) -> bool:
    """True when ``value`` is a str matching the spec's ``schema`` pattern in full (no trailing newline)."""
    from image_skill_api.registry import ID_PATTERNS

    return isinstance(value, str) and re.fullmatch(ID_PATTERNS[schema], value) is not None


def positive_int(raw: str, flag: str, noun: str) -> int:
    text = raw.strip()
    if re.fullmatch(r"[0-9]{19,}", text):
        raise invalid(noun, f"{flag} is far too large.")
    value = int(text) if re.fullmatch(r"[0-9]{1,18}", text) else 0  # ASCII digits only: int() takes "٣"
    if value <= 0:
        raise invalid(noun, f"{flag} must be a positive integer.")
    return value


# ------------------------------------------------------------------------- text
def is_utf8(text: str) -> bool:
    """False for text holding lone surrogates (undecodable bytes in argv, stdin or a file name)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def utf8_text(value: str, what: str, noun: str) -> str:
    """``value`` when it is valid UTF-8 text, else INVALID_ARGUMENTS naming ``what`` (never echoing it)."""
    if not is_utf8(value):
        raise invalid(noun, f"{what} is not valid UTF-8 text (it holds undecodable bytes).")
    return value


def request_text(fields: Mapping[str, Any] | None, where: str) -> None:
    """Refuse a request whose text (keys or values, at any depth) is not valid UTF-8, naming the field.

    Every request goes through here before it is serialized, so a stray byte in any flag is exit 2
    locally instead of a server error (or a crash in the JSON encoder).
    """
    for name, value in (fields or {}).items():
        if not all_utf8([name, value]):
            from image_skill_api.registry import ErrorCode

            label = name if is_utf8(name) else "(unnamed)"
            raise CliError(
                ErrorCode.INVALID_ARGUMENTS,
                f"The {where} {label} is not valid UTF-8 text (it holds undecodable bytes).",
            )


def all_utf8(value: Any) -> bool:
    """True when every str in ``value`` (keys and values of any depth) is valid UTF-8 text."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_utf8(item):
                return False
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def is_header_token(token: object) -> bool:
    """True for a non-empty str of printable ASCII without spaces (what an HTTP header can carry)."""
    return isinstance(token, str) and bool(token) and all("!" <= char <= "~" for char in token)


def header_token(token: str, source: str) -> str:
    """A token that can go into an HTTP header (``is_header_token``), else INVALID_ARGUMENTS.

    The message names where the token came from and never echoes it.
    """
    if not is_header_token(token):
        from image_skill_api.registry import ErrorCode

        raise CliError(
            ErrorCode.INVALID_ARGUMENTS,
            f"The token from {source} is not well-formed (a token is printable ASCII, like isk_r_…); "
            "it was not sent.",
        )
    return token


# ------------------------------------------------------------------------- JSON
class JsonTooDeepError(ValueError):
    """The JSON nests objects and arrays deeper than allowed."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests dicts and lists (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads_bounded(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses NaN/Infinity and nesting deeper than ``max_depth``.

    Raises ``JsonTooDeepError`` (too deep, including what would exhaust the parser's recursion)
    or ``ValueError`` (not JSON); never ``RecursionError``.
    """
    import json

    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise JsonTooDeepError("nested too deeply") from None
    if json_depth(value) > max_depth:
        raise JsonTooDeepError("nested too deeply")
    return value


def json_object(raw: str, flag: str, noun: str) -> dict[str, Any]:
    """The JSON object a flag holds, else INVALID_ARGUMENTS (not JSON, not an object, too deep, bad text)."""
    try:
        value = loads_bounded(raw)
    except JsonTooDeepError:
        raise invalid(noun, f"{flag} nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise invalid(noun, f"{flag} must be a JSON object.")
    request_text({flag: value}, "flag")
    return value


# ------------------------------------------------------------------------ files
def output_exists(path: Path, *, overwrite: bool) -> bool:
    """Whether ``path`` exists and may be replaced; refuses anything but a regular file.

    Absent: False. A regular file, or a symlink to one (replacing it replaces the link itself,
    never its target): True with ``overwrite``, else ``OUTPUT_EXISTS``. Anything else (a
    directory, device, FIFO, socket, dangling symlink or a symlink to one of those):
    ``OUTPUT_NOT_REGULAR_FILE``, with or without ``overwrite``; it is never touched.
    """
    import os
    import stat

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False  # absent, or a parent that is not a directory (the write itself reports that)
    if stat.S_ISLNK(mode):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0  # dangling, or a loop
    from image_skill_api.registry import ErrorCode

    if not stat.S_ISREG(mode):
        raise CliError(
            ErrorCode.OUTPUT_NOT_REGULAR_FILE,
            "The output path exists and is not a regular file; it was left untouched "
            "(--overwrite replaces regular files only).",
        )
    if not overwrite:
        raise CliError(ErrorCode.OUTPUT_EXISTS, "The output file already exists; it was left untouched.")
    return True
