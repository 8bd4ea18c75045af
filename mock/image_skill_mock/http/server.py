"""The server's runtime: uvicorn on a given socket, configured against hostile clients.

- the connection protocol with header and body deadlines and envelope answers (``protocol``);
- ``KEEP_ALIVE_SECONDS`` idle keep-alive, ``GRACEFUL_SHUTDOWN_SECONDS`` for in-flight requests at
  shutdown (then they are cancelled), ``BACKLOG`` pending connections;
- SIGTERM / SIGINT end ``run`` normally (uvicorn re-raises the signal after its shutdown, which
  killed the process before a throwaway database could be removed): the caller's cleanup runs;
- log lines of the event loop and of uvicorn at most one per ``LOG_INTERVAL_SECONDS`` and never a
  traceback (fd exhaustion made asyncio log an ``accept()`` traceback per attempt: a flood).
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any

import uvicorn

from image_skill_mock.http import waits
from image_skill_mock.http.protocol import Protocol

KEEP_ALIVE_SECONDS = 5
GRACEFUL_SHUTDOWN_SECONDS = 5
BACKLOG = 1024
LOG_INTERVAL_SECONDS = 1.0
#: The loggers whose lines are rate-limited (the event loop's and uvicorn's).
LIMITED_LOGGERS = ("asyncio", "uvicorn.error")


class OncePerInterval(logging.Filter):
    """Lets at most one record through per ``interval`` seconds, without its traceback; the next one
    let through says how many were dropped meanwhile."""

    def __init__(
        self, interval: float = LOG_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self.last: float | None = None
        self.dropped = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = self.clock()
            if self.last is not None and now - self.last < self.interval:
                self.dropped += 1
                return False
            self.last, dropped, self.dropped = now, self.dropped, 0
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if dropped:
            record.msg = f"{record.getMessage()} ({dropped} similar lines dropped)"
            record.args = None
        return True


def limit_logs() -> OncePerInterval:
    limiter = OncePerInterval()
    for name in LIMITED_LOGGERS:
        logging.getLogger(name).addFilter(limiter)
    return limiter


class Server(uvicorn.Server):
    """uvicorn's server that reports readiness, and ends on a signal without re-raising it."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            self.on_ready()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        waits.stop()  # requests waiting on another request answer now
        await super().shutdown(sockets=sockets)

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def make(app: Any, on_ready: Callable[[], None], log_level: str = "warning") -> Server:
    """The configured server for ``app`` (``serve().run(sockets=[sock])`` runs it)."""
    config = uvicorn.Config(
        app,
        http=Protocol,
        # No WebSockets: an upgrade request is answered as the plain HTTP request it also is (an
        # envelope), not with a bare 403; and uvicorn imports no websocket library (~15 ms a start).
        ws="none",
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        backlog=BACKLOG,
    )
    limit_logs()
    return Server(config, on_ready)


def run(app: Any, sock: socket.socket, on_ready: Callable[[], None], *, log_level: str = "warning") -> None:
    """Serve ``app`` on the bound socket ``sock`` until SIGTERM/SIGINT; returns after a clean shutdown.
    ``log_level`` is uvicorn's own (its lines, not the access log: ``serve --log-level``)."""
    make(app, on_ready, log_level).run(sockets=[sock])
    sys.stderr.flush()
