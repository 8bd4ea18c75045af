"""The server's secret screen for text bound for product memory (feedback).

The shapes are the spec's ``x-image-skill-secret-shapes`` (``image_skill_api.constants.SECRET_SHAPES``),
read as Python ``re`` (the spec keeps them to syntax ECMA-262 and Python share). A field holding a
match is refused with ``SECRET_IN_REQUEST_REJECTED`` naming the field and the kind of secret, never
the value, and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from image_skill_api.constants import SECRET_SHAPES
from image_skill_api.registry import ErrorCode
from image_skill_mock.envelope import ApiError


@cache
def _shapes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern)) for name, pattern in SECRET_SHAPES)


def find_secret(fields: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, kind)`` of the first field (a string, or a string in a list) holding a secret shape."""
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            for name, pattern in _shapes():
                if pattern.search(item):
                    return key, name
    return None


def refuse_secrets(fields: Mapping[str, Any]) -> None:
    found = find_secret(fields)
    if found is not None:
        field, kind = found
        raise ApiError(
            ErrorCode.SECRET_IN_REQUEST_REJECTED,
            f"The field {field!r} holds something shaped like {kind}; product memory never stores"
            " secrets, so nothing was stored.",
        )
