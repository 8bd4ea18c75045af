"""Reading a reply within one deadline: the deadline itself, the body chunk by chunk, and SIGTERM as
Ctrl-C while a file is being written. Shared by API calls, downloads and the upload fetch."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import requests

from image_skill.envelope import CliError

if TYPE_CHECKING:
    from types import FrameType

#: Bytes asked for per read of an API reply (``read1`` answers with what has arrived, never waiting for
#: all of them; a reply is at most ``MAX_API_BODY``, most are a few KB).
CHUNK = 1 << 16
#: Bytes asked for per read of a media download: a 256 MiB asset in a few hundred reads, not thousands
#: (``assets get`` 0.64x -> 0.7-0.9x curl).
MEDIA_CHUNK = 1 << 20


class Expired(BaseException):
    """The whole-exchange deadline passed (a BaseException: no library handler may swallow it)."""


class TooLarge(Exception):
    """The reply is larger than the caller reads."""


def timed_out(message: str) -> CliError:
    """TIMEOUT (exit 8): the deadline passed; worth a retry after a second."""
    from image_skill_api.registry import ErrorCode

    return CliError(ErrorCode.TIMEOUT, message, recovery={"retry_after_seconds": 1})


def chunks(response: requests.Response, deadline: float, limit: int, piece: int = CHUNK) -> Iterator[bytes]:
    """The decoded body, a chunk (at most ``piece`` bytes) as soon as any bytes arrive, until
    ``deadline`` or ``limit`` bytes.

    Raises ``Expired`` past the deadline, ``TooLarge`` past the limit (a declared
    ``content-length`` above it fails before reading), ``requests`` exceptions for a broken read.
    """
    import urllib3.exceptions

    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    raw = response.raw
    read = getattr(raw, "read1", None) or raw.read  # read1 (urllib3 2): no waiting for a full chunk
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise Expired
        try:
            chunk = read(piece, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout("read timed out") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.exceptions.ConnectionError(f"the reply broke off ({type(exc).__name__})") from None
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            raise TooLarge
        yield chunk


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """A monotonic deadline ``seconds`` from now; in the main thread a SIGALRM enforces it mid-read."""
    until = time.monotonic() + seconds
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield until
        return
    armed = [True]

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed[0]:
            raise Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield until
    finally:
        try:
            armed[0] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises ``KeyboardInterrupt`` (so cleanup runs, as for Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
