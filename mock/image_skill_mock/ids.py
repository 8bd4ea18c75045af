"""New ids: registry prefix + random hex, so every id matches its spec pattern."""

from __future__ import annotations

import re
import secrets

from image_skill_api.envelope import new_trace_id
from image_skill_api.registry import ID_PATTERNS, ID_PREFIXES, TOKEN_PREFIX

__all__ = ["ASSET_PREFIX", "matches", "new_asset_id", "new_id", "new_token", "new_trace_id"]

#: Generated assets are images; the spec allows several asset prefixes.
ASSET_PREFIX = "image_"


def new_id(schema: str) -> str:
    """A fresh id for the named id schema (``"JobId"`` -> ``job_<32 hex>``)."""
    return ID_PREFIXES[schema] + secrets.token_hex(16)


def new_asset_id() -> str:
    return ASSET_PREFIX + secrets.token_hex(16)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def matches(schema: str, value: str) -> bool:
    return re.fullmatch(ID_PATTERNS[schema].strip("^$"), value) is not None
