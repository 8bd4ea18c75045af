"""Output scrubbing that does not need the HTTP stack (kept apart so --version stays cheap)."""

from __future__ import annotations

import re

from image_skill_api.registry import TOKEN_PREFIX

_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]+")
#: The user-info part of a URL (``scheme://user:password@host``): credentials, whoever sent them.
_URL_USERINFO = re.compile(r"(?<=://)[^/\s@\"'?#]+@")


def scrub(text: str, secrets: list[str]) -> str:
    """Remove known secrets, anything token-shaped and URL credentials from text bound for output."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _URL_USERINFO.sub("[redacted]@", text)
    return _TOKEN_SHAPE.sub(TOKEN_PREFIX + "[redacted]", text)
