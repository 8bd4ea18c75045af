"""Which API requests are sent again, and after how long: urllib3's ``Retry`` on the session's adapter.

- An idempotent operation (a GET): up to twice, after a connection error or a 502/503/504.
- A keyed POST (its operation takes an ``idempotency_key`` and the body carries one): once more with
  the same body, so the same key, after a lost answer (the connection failed or was reset once the
  request was sent) or any 5xx. The server answers a repeated key with the original result, so
  nothing is created or charged twice.
- Any other POST: only when the connection was never made (up to twice).
- A read timeout is never retried: the whole-exchange deadline is the transport's.

Waits: 0.2 s then 0.4 s, or a numeric ``Retry-After`` of at most 2 s, through the ``sleep`` given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

    from image_skill_api.operations import Operation

RETRY_DELAYS = (0.2, 0.4)
MAX_RETRY_AFTER = 2.0
#: The statuses after which an idempotent request is sent again.
RETRY_STATUSES = frozenset({502, 503, 504})
SERVER_ERRORS = frozenset(range(500, 600))


class Policy(Retry):
    """``Retry`` with the transport's waits, slept through an injected ``sleep``; never after a timeout."""

    def __init__(self, *args: Any, sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleeper = sleep

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.sleeper = self.sleeper
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        attempt = min(len(self.history), len(RETRY_DELAYS)) - 1
        wait = retry_after(response.headers) if response is not None else None
        self.sleeper(wait or RETRY_DELAYS[attempt])


def policy(operation: Operation, body: Mapping[str, Any] | None, sleep: Callable[[float], None]) -> Policy:
    """The retries of one call of ``operation`` with ``body`` (see the module doc)."""
    common: dict[str, Any] = {
        "total": len(RETRY_DELAYS),
        "redirect": False,
        "allowed_methods": None,  # the operation decides, not the method
        "backoff_factor": 0,
        "respect_retry_after_header": False,  # read by ``Policy.sleep``; it never adds a retry
        "raise_on_status": False,  # the last answer is returned as it is
        "sleep": sleep,
    }
    if operation.idempotent:
        return Policy(status_forcelist=RETRY_STATUSES, **common)
    if operation.keyed and body is not None and "idempotency_key" in body:
        return Policy(read=1, status=1, other=0, status_forcelist=SERVER_ERRORS, **common)
    return Policy(read=False, other=0, **common)


#: Downloads and anything else sent without a policy: no retries (requests' own default).
NO_RETRIES = Retry(0, read=False)


def retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None
