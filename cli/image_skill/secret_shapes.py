"""Secrets never leave the machine inside text meant for product memory.

``refuse_secrets`` screens a request's fields with the spec's secret shapes (the generated
``image_skill_api.screening``, the same walker the server applies) and turns a hit into
``SECRET_IN_REQUEST_REJECTED`` (exit 2) naming the field - as the flag the user typed - and the
kind of secret, never the value, before any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from image_skill.envelope import CliError
from image_skill_api.registry import ErrorCode
from image_skill_api.screening import find_secret


def refuse_secrets(fields: Mapping[str, Any], names: Mapping[str, str] | None = None) -> None:
    """SECRET_IN_REQUEST_REJECTED when any field holds a secret-shaped string (nothing is sent).

    ``names`` maps a request field to what the caller calls it (a flag: ``body`` -> ``--body``).
    """
    found = find_secret(fields)
    if found is not None:
        key, kind = found
        field = (names or {}).get(key, key)
        raise CliError(
            ErrorCode.SECRET_IN_REQUEST_REJECTED,
            f"{field} holds something shaped like {kind}; product memory never stores secrets, so nothing"
            f" was sent. Remove it from {field} (cite a trace id or an event id instead) and rerun.",
        )
