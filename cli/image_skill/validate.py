"""Client-side checks of option values, before any network call (patterns and enums from the spec)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar, overload

from image_skill.context import Context
from image_skill.envelope import CliError
from image_skill_api.registry import ID_PATTERNS, ErrorCode

T = TypeVar("T")


def invalid(ctx: Context, noun: str, message: str) -> CliError:
    return CliError(
        ErrorCode.INVALID_ARGUMENTS, message, recovery={"suggested_command": f"image-skill {noun} --help"}
    )


@overload
def require(
    ctx: Context, schema: str, value: str, noun: str, *, enum: Iterable[str] | None = None
) -> str: ...
@overload
def require(
    ctx: Context, schema: str, value: None, noun: str, *, enum: Iterable[str] | None = None
) -> None: ...
def require(
    ctx: Context, schema: str, value: str | None, noun: str, *, enum: Iterable[str] | None = None
) -> str | None:
    """``value`` when it is a well-formed ``schema`` (id pattern or enum), else INVALID_ARGUMENTS."""
    if value is None:
        return None
    allowed = tuple(enum) if enum is not None else None
    if allowed is not None:
        if value not in allowed:
            raise invalid(ctx, noun, f"{schema} must be one of: {', '.join(allowed)}.")
    elif not re.match(ID_PATTERNS[schema], value):
        raise invalid(ctx, noun, f"This is not a well-formed {schema}.")
    return value


def positive_int(ctx: Context, raw: str, flag: str, noun: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise invalid(ctx, noun, f"{flag} must be a positive integer.")
    return value
