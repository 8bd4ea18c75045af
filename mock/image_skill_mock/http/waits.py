"""Waiting for another request without holding a worker thread.

A handler (in a worker thread) that must wait for another request's outcome - the same idempotency
key still running - raises ``Pending(topic, ...)`` instead of sleeping. The endpoint (on the event
loop) then waits until the topic is ``notify``-ed (the other request finished) or ``POLL_SECONDS``
pass (its server may have died, the holder may be another process), and runs the handler again;
after ``wait_seconds`` in all (or when the server shuts down) it answers ``give_up`` instead.
``notify`` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable

from image_skill_mock.errors import ApiError

#: How often a waiter looks again without being notified.
POLL_SECONDS = 0.25


class Pending(Exception):
    """Raised by a handler: ``topic`` is busy; run me again once it moves, or answer ``give_up``."""

    def __init__(self, topic: Hashable, *, wait_seconds: float, give_up: ApiError) -> None:
        super().__init__(str(topic))
        self.topic = topic
        self.wait_seconds = wait_seconds
        self.give_up = give_up


_lock = threading.Lock()
_waiters: dict[Hashable, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
_stopping = threading.Event()


def notify(topic: Hashable) -> None:
    """Wake every request waiting on ``topic`` (from any thread)."""
    with _lock:
        woken = _waiters.pop(topic, [])
    for loop, event in woken:
        if not loop.is_closed():
            loop.call_soon_threadsafe(event.set)


def stop() -> None:
    """The server is shutting down: every waiter answers its ``give_up`` now, and new ones at once."""
    _stopping.set()
    with _lock:
        topics = list(_waiters)
    for topic in topics:
        notify(topic)


def stopping() -> bool:
    return _stopping.is_set()


async def until_moved(topic: Hashable, timeout: float) -> None:
    """Return when ``topic`` is notified, the server stops, or ``timeout`` seconds pass."""
    if _stopping.is_set():
        return
    event = asyncio.Event()
    entry = (asyncio.get_running_loop(), event)
    with _lock:
        _waiters.setdefault(topic, []).append(entry)
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        pass
    finally:
        with _lock:
            entries = _waiters.get(topic)
            if entries is not None and entry in entries:
                entries.remove(entry)
                if not entries:
                    del _waiters[topic]
