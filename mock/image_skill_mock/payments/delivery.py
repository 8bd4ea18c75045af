"""At-least-once delivery of the events the checkout page causes (a paid session's completion).

Paying writes the ``checkout.session.completed`` it owes into the durable outbox (``store.outbox``)
in the same transaction as the charge (``cards.pay``), so a delivery survives a crash. The
``Outbox`` sends what is due, signed, until the webhook acknowledges it:

- over HTTP to the server's own webhook (``Settings.webhook_delivery_base_url``) by a worker thread
  started with the server (``start``, from ``app.create_app``); at start it first sends whatever a
  previous run of the server on the same database still owed;
- without that address (an in-process test app) handed to ``webhook.receive`` at once (``notify``).

The schedule (the mock's, shorter than Stripe's, which retries for up to three days too): the first
attempt at once; after the n-th failure (a network error, a 5xx such as ``WEBHOOK_EVENT_NOT_READY``)
the next waits ``base * 2**(n-1)`` seconds, at most ``MAX_DELAY`` (an hour) -- with the default
``base`` of 5 s: 5 s, 10 s, 20 s, 40 s, ..., then hourly -- until ``HORIZON`` (three days) after
the event was owed, when the delivery is ``abandoned`` (logged). ``base`` is ``serve
--webhook-retry-base`` (tests shorten it). As with Stripe, any answer but a 2xx is a failure that is
retried (a 4xx too: a receiver may be misconfigured for a while); only a 2xx acknowledges. Every
time is the server's clock (``Settings.clock``); ``retry_after`` tells ``credits status`` when the
next attempt is due.
"""

from __future__ import annotations

import math
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.payments import stripe_wire, webhook
from image_skill_mock.payments.records import parse_time
from image_skill_mock.settings import Settings
from image_skill_mock.store import outbox
from image_skill_mock.store.database import Storage

#: The longest wait between two attempts of one delivery.
MAX_DELAY: Final = timedelta(hours=1)
#: How long after it was owed a delivery is still attempted.
HORIZON: Final = timedelta(days=3)
#: The worker looks again at least this often (real seconds; the server's clock may be moved).
IDLE_SECONDS: Final = 1.0

DELIVERED, FAILED = "delivered", "failed"
#: One attempt: the outcome (``DELIVERED`` or ``FAILED``) and what went wrong.
Sender = Callable[[dict[str, Any]], tuple[str, str | None]]


def _log(message: str) -> None:
    print(f"image-skill-mock: {message}", file=sys.stderr, flush=True)


def delay(base_seconds: float, failures: int) -> timedelta:
    """The wait after the ``failures``-th failed attempt (1, 2, ...)."""
    exponent = min(failures - 1, 32)
    return min(timedelta(seconds=base_seconds * 2**exponent), MAX_DELAY)


def retry_after(due_at: str, now: datetime) -> int:
    """Whole seconds until a delivery due at ``due_at`` is attempted (0: it is due)."""
    return max(0, math.ceil((parse_time(due_at) - now).total_seconds()))


class Outbox:
    """The server's outbox of webhook deliveries, and the worker that empties it."""

    def __init__(self, settings: Settings, storage: Storage, send: Sender | None = None) -> None:
        self.settings = settings
        self.storage = storage
        self._send: Sender = send or (self._http if settings.webhook_delivery_base_url else self._in_process)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- the worker
    def start(self) -> None:
        """Start the worker thread (it first delivers what a previous run still owed)."""
        self._thread = threading.Thread(target=self._loop, name="webhook-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def notify(self) -> None:
        """Something was owed: the worker looks now (in-process, it is delivered here and now)."""
        if self._thread is None:
            self.step()
        else:
            self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception as exc:
                _log(f"webhook outbox pass failed: {type(exc).__name__}: {exc}")
            self._wake.wait(self._idle())
            self._wake.clear()

    def _idle(self) -> float:
        with self.storage.reading() as conn:
            next_at = outbox.next_due(conn)
        if next_at is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.0, (parse_time(next_at) - self.settings.clock()).total_seconds()))

    # ------------------------------------------------------------------ one pass
    def step(self) -> int:
        """Attempt every delivery due now, once; how many were attempted."""
        with self.storage.reading() as conn:
            deliveries = outbox.due(conn, timestamp(self.settings.clock()))
        for owed in deliveries:
            if self._stopping.is_set():
                break
            outcome, error = self._send(owed.event)
            self._settle(owed, outcome, error)
        return len(deliveries)

    def _settle(self, owed: outbox.Delivery, outcome: str, error: str | None) -> None:
        now = self.settings.clock()
        stamp = timestamp(now)
        next_at = now + delay(self.settings.webhook_retry_base_seconds, owed.attempts + 1)
        with self.storage.transaction() as conn:
            if outcome == DELIVERED:
                outbox.settle(conn, owed.event_id, DELIVERED, stamp=stamp)
            elif next_at > parse_time(owed.created_at) + HORIZON:
                outbox.settle(conn, owed.event_id, "abandoned", stamp=stamp, error=error)
            else:
                outbox.retry_at(conn, owed.event_id, timestamp(next_at), stamp=stamp, error=error or "failed")
        if outcome == FAILED and next_at > parse_time(owed.created_at) + HORIZON:
            _log(
                f"webhook delivery of {owed.event_id} abandoned after {owed.attempts + 1} attempts ({error})"
            )

    # ----------------------------------------------------------------- senders
    def _signed(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        now = int(self.settings.clock().timestamp())
        return stripe_wire.delivery(self.settings.webhook_secret, event, now=now)

    def _in_process(self, event: dict[str, Any]) -> tuple[str, str | None]:
        body, headers = self._signed(event)
        try:
            webhook.receive(
                self.storage,
                self.settings.webhook_secret,
                body,
                headers[stripe_wire.SIGNATURE_HEADER],
                now=self.settings.clock(),
            )
        except ApiError as exc:
            return FAILED, str(exc.code)
        return DELIVERED, None

    def _http(self, event: dict[str, Any]) -> tuple[str, str | None]:
        assert self.settings.webhook_delivery_base_url is not None
        url = self.settings.webhook_delivery_base_url.rstrip("/") + stripe_wire.WEBHOOK_PATH
        body, headers = self._signed(event)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own http URL)
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            return FAILED, type(exc).__name__
        if 200 <= status < 300:
            return DELIVERED, None
        return FAILED, f"HTTP {status}"
