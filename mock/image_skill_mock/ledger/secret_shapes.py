"""The server's secret screen for text bound for product memory (feedback).

The walker and the shapes are generated from the spec (``image_skill_api.screening``), the same
ones the CLI applies before sending: a field holding a secret shape is refused with
``SECRET_IN_REQUEST_REJECTED`` naming the field and the kind, never the value, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_api.screening import find_secret
from image_skill_mock.errors import ApiError


def refuse_secrets(fields: Mapping[str, Any]) -> None:
    found = find_secret(fields)
    if found is not None:
        field, kind = found
        raise ApiError(
            ErrorCode.SECRET_IN_REQUEST_REJECTED,
            f"The field {field!r} holds something shaped like {kind}; product memory never stores"
            " secrets, so nothing was stored.",
        )
