"""Secrets never leave the machine inside text meant for product memory.

``find_secret`` walks a request's fields (strings, and strings inside lists) and returns the first
field holding something shaped like a secret, with the kind of secret, from the spec's
``x-image-skill-secret-shapes`` (``image_skill_api.constants.SECRET_SHAPES``). ``refuse_secrets``
turns that into ``SECRET_IN_REQUEST_REJECTED`` (exit 2) naming the field and the kind - never the
value - before any request is sent. The server applies the same shapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from image_skill.envelope import CliError
from image_skill_api.constants import SECRET_SHAPES
from image_skill_api.registry import ErrorCode


@cache
def _shapes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern)) for name, pattern in SECRET_SHAPES)


def secret_kind(text: str) -> str | None:
    """The kind of the first secret-shaped match in ``text``, else None."""
    for name, pattern in _shapes():
        if pattern.search(text):
            return name
    return None


def find_secret(fields: Mapping[str, Any], names: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(field, kind)`` of the first field holding a secret-shaped string, else None.

    ``names`` maps a request field to what the caller calls it (a flag: ``body`` -> ``--body``).
    """
    for key, value in fields.items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str):
                kind = secret_kind(item)
                if kind is not None:
                    return (names or {}).get(key, key), kind
    return None


def refuse_secrets(fields: Mapping[str, Any], names: Mapping[str, str] | None = None) -> None:
    """SECRET_IN_REQUEST_REJECTED when any field holds a secret-shaped string (nothing is sent)."""
    found = find_secret(fields, names)
    if found is not None:
        field, kind = found
        raise CliError(
            ErrorCode.SECRET_IN_REQUEST_REJECTED,
            f"{field} holds something shaped like {kind}; product memory never stores secrets, so nothing"
            f" was sent. Remove it from {field} (cite a trace id or an event id instead) and rerun.",
        )
