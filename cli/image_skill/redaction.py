"""Output scrubbing that does not need the HTTP stack (kept apart so --version stays cheap)."""

from __future__ import annotations

import re

from image_skill_api.registry import TOKEN_PREFIX

_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]+")


def scrub(text: str, secrets: list[str]) -> str:
    """Remove known secrets and anything token-shaped from text bound for stdout or stderr."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _TOKEN_SHAPE.sub(TOKEN_PREFIX + "[redacted]", text)
