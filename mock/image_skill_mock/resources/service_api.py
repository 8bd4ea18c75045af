"""Tag ``service``: ``GET /healthz``."""

from __future__ import annotations

from image_skill_api.registry import API_VERSION
from image_skill_mock.clock import timestamp
from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import Encoded, encode

_FIXED = {"status": "ok", "api_version": API_VERSION, "service": "image-skill-mock"}
#: The answer's text up to its one changing value (the time, a ``Timestamp``: nothing to escape).
_HEAD = encode(_FIXED)[:-1] + ',"time":"'


def get_health(call: Call) -> Encoded:
    now = timestamp(call.now())
    return Encoded({**_FIXED, "time": now}, f'{_HEAD}{now}"}}')


HANDLERS = {"getHealth": get_health}
#: Handlers that touch no storage and do no heavy work: run on the event loop, no worker thread.
INLINE = frozenset(HANDLERS)
