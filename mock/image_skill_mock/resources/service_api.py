"""Tag ``service``: ``GET /healthz``."""

from __future__ import annotations

from typing import Any

from image_skill_api.registry import API_VERSION
from image_skill_mock.clock import timestamp
from image_skill_mock.http.call import Call


def get_health(call: Call) -> dict[str, Any]:
    return {
        "status": "ok",
        "api_version": API_VERSION,
        "service": "image-skill-mock",
        "time": timestamp(call.now()),
    }


HANDLERS = {"getHealth": get_health}
#: Handlers that touch no storage and do no heavy work: run on the event loop, no worker thread.
INLINE = frozenset(HANDLERS)
