"""The HTTP/1.1 connection (uvicorn's h11 protocol) with deadlines, and envelopes where uvicorn would
answer plain text.

- **Headers** must be complete within ``HEADER_SECONDS`` of a connection opening or of a request's
  first byte; a connection that says nothing, or trickles its head, is answered ``REQUEST_TIMEOUT``
  (408) and closed.
- **A body** may take ``BODY_GRACE_SECONDS``, and after that must keep arriving at
  ``BODY_MIN_BYTES_PER_SECOND`` on average (checked every ``CHECK_SECONDS``; time the server itself
  holds reading back - the app not reading yet - does not count): else ``REQUEST_TIMEOUT`` and close.
- **A request that is not HTTP/1.1** (a NUL or an over-long header, a TLS hello, a bad
  Content-Length, a target that is not ASCII) is answered with an ``INVALID_ARGUMENTS`` envelope
  (400) instead of uvicorn's plain text, then closed.
- **At shutdown** a request whose head or body is still arriving is answered ``SERVER_BUSY`` (503)
  and closed at once, so nothing a client holds can keep the server from exiting.

These answers are written to the socket directly (the request never reached the app, or the app is
told the client went away), with the exit-code header, ``connection: close`` and a fresh trace id.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from image_skill_api.registry import ErrorCode
from image_skill_mock import ids
from image_skill_mock.errors import ApiError
from image_skill_mock.http.envelope import ROOT_COMMAND, failure

HEADER_SECONDS = 10.0
BODY_GRACE_SECONDS = 10.0
BODY_MIN_BYTES_PER_SECOND = 16 * 1024
CHECK_SECONDS = 2.0


def wire_answer(error: ApiError) -> bytes:
    """A whole HTTP/1.1 response carrying ``error``'s envelope, closing the connection."""
    response = failure(ROOT_COMMAND, error, trace_id=ids.new_trace_id())
    head = [b"HTTP/1.1 %d %s" % (response.status_code, STATUS_PHRASES[response.status_code])]
    head += [name + b": " + value for name, value in response.raw_headers]
    head.append(b"connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n" + bytes(response.body)


def too_slow(what: str) -> ApiError:
    return ApiError(
        ErrorCode.REQUEST_TIMEOUT, f"The request's {what} did not arrive in time; the connection was closed."
    )


class Protocol(H11Protocol):
    """uvicorn's h11 protocol with per-connection deadlines and envelope answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._phase: str | None = None  # "head": a request's head is due; "body": its body is arriving
        self._since = 0.0
        self._received = 0

    # ------------------------------------------------------------------ phases
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._enter("head")

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._received += len(data)
        try:
            super().data_received(data)
        except ValueError:  # a target uvicorn cannot decode (not ASCII): refused like h11's own errors
            self.send_400_response("Invalid HTTP request received.")
            return
        self._follow()

    def on_response_complete(self) -> None:
        # Idle until the next request's first byte: uvicorn's keep-alive timeout governs that.
        self._stop_timer()
        self._phase, self._received = None, 0
        super().on_response_complete()
        self._follow()

    def _follow(self) -> None:
        """Arm the deadline of the phase the connection is now in."""
        if self.transport.is_closing():
            self._stop_timer()
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._received and self._phase != "head":  # a request's head has begun
                self._enter("head")
        elif state is h11.SEND_BODY:
            if self._phase != "body":
                self._enter("body")
        else:
            self._stop_timer()
            self._phase = None

    def _enter(self, phase: str) -> None:
        self._stop_timer()
        self._phase, self._since = phase, time.monotonic()
        if phase == "body":
            self._received = 0
        delay = HEADER_SECONDS if phase == "head" else CHECK_SECONDS
        self._timer = self.loop.call_later(delay, self._check)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self._phase == "head":
            self._refuse(too_slow("headers"))
            return
        if self._phase != "body":
            return
        if self.flow.read_paused:  # the server is not reading: the client is not to blame
            self._since, self._received = time.monotonic(), 0
        elapsed = time.monotonic() - self._since
        owed = (elapsed - BODY_GRACE_SECONDS) * BODY_MIN_BYTES_PER_SECOND
        if elapsed > BODY_GRACE_SECONDS and self._received < owed:
            self._refuse(too_slow("body"))
            return
        self._timer = self.loop.call_later(CHECK_SECONDS, self._check)

    # ----------------------------------------------------------------- answers
    def _refuse(self, error: ApiError) -> None:
        """Answer ``error`` on the socket (unless a response has begun) and close; the app, if it is
        waiting for the body, is told the client went away."""
        self._stop_timer()
        self._phase = None
        cycle = self.cycle
        started = cycle is not None and cycle.response_started
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if not started:
            self.transport.write(wire_answer(error))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self._stop_timer()
        error = ApiError(
            ErrorCode.INVALID_ARGUMENTS,
            "The request is not valid HTTP/1.1 (a malformed request line, header or framing); it was"
            " refused before it reached the API.",
        )
        self.transport.write(wire_answer(error))
        self.transport.close()

    def shutdown(self) -> None:
        arriving = self._phase == "body" or (self._phase == "head" and self._received > 0)
        if arriving and not (self.cycle is not None and self.cycle.response_started):
            error = ApiError(
                ErrorCode.SERVER_BUSY,
                "The server is shutting down; the request was not handled. Retry it shortly.",
                recovery={"retry_after_seconds": 1},
            )
            self._refuse(error)
            return
        self._stop_timer()
        super().shutdown()
