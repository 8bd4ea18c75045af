"""Output scrubbing, cheap to import (``re`` and the wire constants only; its patterns are compiled
only for a text that could hold what they match, so printing a plain envelope compiles nothing)."""

from __future__ import annotations

import re

from image_skill_api.constants import TOKEN_PREFIX

#: What is scrubbed, each with the text its matches start with (no pattern matches a text without it).
_TOKEN_SHAPE = re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]+"
#: The user-info part of a URL (``scheme://user:password@host``): credentials, whoever sent them.
_URL_USERINFO = r"(?<=://)[^/\s@\"'?#]+@"


def scrub(text: str, secrets: list[str]) -> str:
    """Remove known secrets, anything token-shaped and URL credentials from text bound for output."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    if "://" in text:
        text = re.sub(_URL_USERINFO, "[redacted]@", text)
    if TOKEN_PREFIX in text:
        text = re.sub(_TOKEN_SHAPE, TOKEN_PREFIX + "[redacted]", text)
    return text
