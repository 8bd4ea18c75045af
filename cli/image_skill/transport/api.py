"""The one module that speaks HTTP: requests, timeouts, retries, headers, redaction, downloads.

It is given plain values (the base URL, a token supplier, the timeouts, the trace id, how to sleep)
by the ``Context`` that builds it (``Context.client``), and never reaches back into it.

- Timeouts: connect 5 s; read as configured (``config.read_timeout``). The read timeout bounds the
  WHOLE exchange, from sending the request to the last byte of the reply (a download too), not each
  read: a server that dribbles is ``TIMEOUT`` (exit 8) at the deadline and the connection is
  closed. In the main thread a ``SIGALRM`` interrupts even a read that is blocked (headers
  included); elsewhere the deadline is checked between chunks. A timeout is not retried; a
  failed connection is ``HOSTED_API_REQUEST_FAILED`` (exit 7).
- Retries, decided from the operation: an ``idempotent`` one (a GET) up to twice on connection
  errors and 502/503/504 (0.2 s then 0.4 s, or a numeric ``Retry-After`` of at most 2 s); any
  other (a POST) only when the connection was never made, as the exception's type says.
- Redirects: API calls never follow one (the body, with a prompt or a contact address, would go
  wherever it points): a 3xx is ``HOSTED_API_BAD_RESPONSE``. Downloads follow at most
  ``MAX_REDIRECTS`` redirects within the media URL's own origin, none elsewhere.
- Tokens: the supplier is asked only for operations that take one (``auth``), and the token goes
  only to this run's base URL. An operation that needs one (not ``auth_optional``) without one is
  AUTH_REQUIRED before anything is sent.
- Requests: any text that is not valid UTF-8 (an undecodable argv byte) is ``INVALID_ARGUMENTS``
  naming the field, before anything is sent.
- Replies: a body that is not an envelope is ``HOSTED_API_NON_JSON_RESPONSE``; one larger than
  ``MAX_API_BODY`` or nested deeper than ``MAX_JSON_DEPTH`` is ``HOSTED_API_BAD_RESPONSE``.
- Exit code: the server's ``x-image-skill-exit-code`` header when it is one ASCII digit, else
  derived from the status. Messages the transport writes are scrubbed of anything token-shaped.
- Telemetry: given ``telemetry`` headers (the CLI's name/version and command label; none in the
  no-telemetry mode, see ``image_skill.telemetry``), every request carries them plus the run's
  elapsed milliseconds since ``started``; the service records one event per run from them.
- SIGTERM during a download is handled like Ctrl-C (``KeyboardInterrupt``): the temporary file
  is removed and the CLI prints an ``INTERRUPTED`` envelope.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from image_skill import __version__, auth
from image_skill.envelope import ApiError, CliError
from image_skill.redaction import scrub
from image_skill.telemetry import TELEMETRY_ELAPSED_HEADER
from image_skill.validate import JsonTooDeepError, all_utf8, loads_bounded, output_exists, request_text
from image_skill_api.registry import (
    ENVELOPE_KEYS,
    EXIT_CODE_HEADER,
    TRACE_ID_HEADER,
    ErrorCode,
    exit_code_for_status,
)

if TYPE_CHECKING:
    from types import FrameType

    from image_skill.auth import Credential
    from image_skill_api.models import Envelope
    from image_skill_api.operations import Operation

CONNECT_TIMEOUT = 5.0
RETRY_DELAYS = (0.2, 0.4)
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_RETRY_AFTER = 2.0
CHUNK = 1 << 16
#: The largest API reply the CLI reads (the biggest real one, a model catalog, is far smaller).
MAX_API_BODY = 16 << 20
#: The largest download the CLI writes.
MAX_DOWNLOAD = 1 << 30
MAX_REDIRECTS = 5


class _Expired(BaseException):
    """The whole-exchange deadline passed (a BaseException: no library handler may swallow it)."""


class _TooLarge(Exception):
    """The reply is larger than the transport reads."""


def derive_exit_code(ok: bool, status: int, header: str | None) -> int:
    """The header's exit code when it is exactly one ASCII digit, else one derived from the status."""
    value = (header or "").strip()
    if re.fullmatch(r"[0-9]", value):  # not str.isdigit: it accepts "٣" and "²"
        return int(value)
    return int(exit_code_for_status(status, ok=ok))


def _is_envelope(body: Any) -> bool:
    if not (isinstance(body, dict) and body.keys() >= set(ENVELOPE_KEYS) and isinstance(body["ok"], bool)):
        return False
    error = body["error"]
    return bool(body["ok"]) or (isinstance(error, dict) and isinstance(error.get("code"), str))


def _bad_response(message: str) -> CliError:
    return CliError(ErrorCode.HOSTED_API_BAD_RESPONSE, message)


def _no_netrc(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that adds nothing: set on the session, it keeps requests from applying .netrc."""
    return request


class Transport:
    """A ``requests.Session`` speaking the generated ``Client`` protocol (and downloads) for one CLI run."""

    def __init__(
        self,
        base_url: str,
        *,
        credential: Callable[[], Credential],
        read_timeout: float,
        trace_id: str,
        sleep: Callable[[float], None],
        connect_timeout: float = CONNECT_TIMEOUT,
        telemetry: Mapping[str, str] | None = None,
        started: float | None = None,
    ) -> None:
        self.base_url = base_url
        self.telemetry = dict(telemetry or {})
        self.started = time.monotonic() if started is None else started
        self.credential = credential
        self.timeout = (connect_timeout, read_timeout)
        self.sleep = sleep
        self.session = requests.Session()
        # requests would otherwise replace the Authorization header with ~/.netrc credentials for
        # the host (or add them where no token is sent); the token flows only from this run's sources.
        self.session.auth = _no_netrc
        self.session.headers.update(
            {
                "accept": "application/json",
                "user-agent": f"image-skill-python/{__version__}",
                TRACE_ID_HEADER: trace_id,
                **self.telemetry,
            }
        )

    # ------------------------------------------------------------------ API
    def call(
        self,
        operation: Operation,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, str | int | float | bool] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Envelope:
        request_text(path, "path parameter")
        request_text(query, "query parameter")
        request_text(body, "request field")
        url = self.base_url + operation.path.format_map(
            {k: quote(str(v), safe="") for k, v in (path or {}).items()}
        )
        headers = self._described()
        if operation.auth:
            token, source = self.credential()
            if token is not None:
                headers["authorization"] = f"Bearer {token}"
            elif not operation.auth_optional:
                raise auth.missing(source)
        params = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (query or {}).items()}
        # A body that streams itself (``media.UploadBody``: an upload's base64) is sent block by block.
        stream = getattr(body, "open_stream", None)
        if stream is not None:
            headers["content-type"] = "application/json"
            sent: dict[str, Any] = {"data": stream()}
        else:
            sent = {"json": body}
        status, reply_headers, content = self._send(operation, url, headers=headers, params=params, **sent)
        return self._envelope(status, reply_headers, content)

    def _described(self) -> dict[str, str]:
        """The per-request telemetry header (the run's elapsed ms), none in the no-telemetry mode."""
        if not self.telemetry:
            return {}
        elapsed = max(0, int((time.monotonic() - self.started) * 1000))
        return {TELEMETRY_ELAPSED_HEADER: str(elapsed)}

    def _send(self, operation: Operation, url: str, **kwargs: Any) -> tuple[int, Mapping[str, str], bytes]:
        attempt = 0
        while True:
            try:
                status, headers, content = self._exchange(operation.method, url, **kwargs)
            except (_Expired, requests.exceptions.ReadTimeout):
                raise CliError(
                    ErrorCode.TIMEOUT,
                    f"The hosted API did not answer in full within {self.timeout[1]:g} s; "
                    "the connection was closed.",
                    recovery={"retry_after_seconds": 1},
                ) from None
            except requests.exceptions.ConnectionError as exc:  # ConnectTimeout is one too
                failure = self._unreachable(
                    "the connection timed out"
                    if isinstance(exc, requests.exceptions.ConnectTimeout)
                    else "the connection failed"
                )
                retry_safe = operation.idempotent or never_connected(exc)
            except requests.exceptions.RequestException:
                raise self._unreachable("the request could not be sent") from None
            else:
                if not operation.idempotent or status not in RETRY_STATUSES or attempt >= len(RETRY_DELAYS):
                    return status, headers, content
                delay = _retry_after(headers) or RETRY_DELAYS[attempt]
                attempt += 1
                self.sleep(delay)
                continue
            if not retry_safe or attempt >= len(RETRY_DELAYS):
                raise failure
            self.sleep(RETRY_DELAYS[attempt])
            attempt += 1

    def _exchange(self, method: str, url: str, **kwargs: Any) -> tuple[int, Mapping[str, str], bytes]:
        """One request and its whole reply, within the deadline; never follows a redirect."""
        with _deadline(self.timeout[1]) as deadline:
            response = self.session.request(
                method, url, timeout=self.timeout, stream=True, allow_redirects=False, **kwargs
            )
            with response:
                if 300 <= response.status_code < 400:
                    raise _bad_response(
                        f"The hosted API answered HTTP {response.status_code} (a redirect); API calls never "
                        "follow redirects, so the request went nowhere else."
                    )
                try:
                    content = b"".join(_chunks(response, deadline, MAX_API_BODY))
                except _TooLarge:
                    raise _bad_response(
                        f"The hosted API's reply is larger than {MAX_API_BODY >> 20} MiB; it was not read."
                    ) from None
                return response.status_code, response.headers, content

    def _unreachable(self, why: str) -> CliError:
        """HOSTED_API_REQUEST_FAILED; its recovery is the registry's (doctor), aimed by ``main``."""
        return CliError(
            ErrorCode.HOSTED_API_REQUEST_FAILED,
            scrub(f"The hosted API at {self.base_url} could not be reached: {why}.", []),
        )

    def _envelope(self, status: int, headers: Mapping[str, str], content: bytes) -> Envelope:
        try:
            body = loads_bounded(content)
        except JsonTooDeepError:
            raise _bad_response(
                f"The hosted API answered HTTP {status} with JSON nested too deeply."
            ) from None
        except ValueError:
            body = None
        if not all_utf8(body):  # a "\udcff" escape decodes to a lone surrogate: unprintable
            raise _bad_response(f"The hosted API answered HTTP {status} with text that is not valid Unicode.")
        if not _is_envelope(body):
            raise CliError(
                ErrorCode.HOSTED_API_NON_JSON_RESPONSE,
                f"The hosted API answered HTTP {status} without a JSON envelope.",
                retryable=status >= 500,
            )
        if not body["ok"]:
            exit_code = derive_exit_code(False, status, headers.get(EXIT_CODE_HEADER))
            raise ApiError(body, exit_code or 1)
        envelope: Envelope = body
        return envelope

    # ------------------------------------------------------------ downloads
    def download(
        self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None
    ) -> dict[str, Any]:
        """Stream ``url`` into ``dest``: temp file, length and digest checks, then link or replace.

        Without ``overwrite`` the final step is ``os.link`` (fails if ``dest`` exists: no clobber,
        even against a racing writer); with it, ``os.replace``, and only over a regular file (or a
        symlink to one, which is itself replaced). No temp file survives any failure, a timeout,
        Ctrl-C or SIGTERM.
        """
        dest = dest.absolute()
        try:
            with _deadline(self.timeout[1]) as deadline, _sigterm_interrupts():
                return self._download(url, dest, overwrite, expected_sha256, deadline)
        except (_Expired, requests.exceptions.ReadTimeout):
            raise CliError(
                ErrorCode.TIMEOUT,
                f"The media download did not finish within {self.timeout[1]:g} s; nothing was written.",
                recovery={"retry_after_seconds": 1},
            ) from None

    def _open_media(self, url: str) -> requests.Response:
        """The media response, following redirects only within ``url``'s origin."""
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.session.get(
                    url,
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                    headers={"accept": "*/*", **self._described()},
                )
            except requests.exceptions.ReadTimeout:
                raise
            except requests.exceptions.RequestException:
                raise self._unreachable("the media download failed") from None
            if not response.is_redirect:
                return response
            target = urljoin(url, response.headers["location"])
            response.close()
            if origin is None or _origin(target) != origin:
                raise _bad_response(
                    "The media URL redirected to another origin; the redirect was not followed."
                )
            url = target
        raise _bad_response(f"The media URL redirected more than {MAX_REDIRECTS} times.")

    def _download(
        self, url: str, dest: Path, overwrite: bool, expected_sha256: str | None, deadline: float
    ) -> dict[str, Any]:
        output_exists(dest, overwrite=overwrite)  # fail before fetching anything
        response = self._open_media(url)
        with response:
            if response.status_code != 200:
                raise CliError(
                    ErrorCode.HOSTED_API_REQUEST_FAILED,
                    f"The media URL answered HTTP {response.status_code}.",
                    retryable=response.status_code >= 500,
                )
            expected = response.headers.get("content-length")
            tmp_name = None
            try:
                fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
                digest = hashlib.sha256()
                size = 0
                with os.fdopen(fd, "wb") as handle:
                    os.fchmod(handle.fileno(), 0o666 & ~_umask())  # like any new file, not mkstemp's 0600
                    for chunk in _chunks(response, deadline, MAX_DOWNLOAD):
                        handle.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
                if (
                    expected is not None
                    and expected.isascii()
                    and expected.isdigit()
                    and int(expected) != size
                ):
                    raise CliError(
                        ErrorCode.ARTIFACT_INTEGRITY_MISMATCH,
                        f"The download ended after {size} of {expected} bytes; nothing was written.",
                        retryable=True,
                    )
                if expected_sha256 and digest.hexdigest() != expected_sha256:
                    raise CliError(
                        ErrorCode.ARTIFACT_INTEGRITY_MISMATCH,
                        "The downloaded bytes do not match the asset's sha256; nothing was written.",
                        retryable=True,
                    )
                existed = output_exists(dest, overwrite=overwrite)  # again: it may have appeared meanwhile
                if overwrite:
                    os.replace(tmp_name, dest)
                else:
                    try:
                        os.link(tmp_name, dest)
                    except FileExistsError:
                        raise CliError(
                            ErrorCode.OUTPUT_EXISTS, "The output file already exists; it was left untouched."
                        ) from None
                    os.unlink(tmp_name)
                tmp_name = None
            except _TooLarge:
                raise _bad_response(
                    f"The media is larger than {MAX_DOWNLOAD >> 20} MiB; nothing was written."
                ) from None
            except requests.exceptions.ReadTimeout:
                raise
            except requests.exceptions.RequestException:
                raise CliError(
                    ErrorCode.HOSTED_API_REQUEST_FAILED, "The media download was interrupted.", retryable=True
                ) from None
            except OSError as exc:
                raise CliError(
                    ErrorCode.OUTPUT_WRITE_FAILED, f"The output file could not be written ({exc.strerror})."
                ) from None
            finally:
                if tmp_name is not None:
                    Path(tmp_name).unlink(missing_ok=True)
        return {
            "path": str(dest),
            "bytes": size,
            "sha256": digest.hexdigest(),
            "overwritten": overwrite and existed,
        }


def _chunks(response: requests.Response, deadline: float, limit: int) -> Iterator[bytes]:
    """The decoded body, a chunk as soon as any bytes arrive, until ``deadline`` or ``limit`` bytes.

    Raises ``_Expired`` past the deadline, ``_TooLarge`` past the limit (a declared
    ``content-length`` above it fails before reading), ``requests`` exceptions for a broken read.
    """
    import urllib3.exceptions

    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    raw = response.raw
    read = getattr(raw, "read1", None) or raw.read  # read1 (urllib3 2): no waiting for a full chunk
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise _Expired
        try:
            chunk = read(CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout("read timed out") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.exceptions.ConnectionError(f"the reply broke off ({type(exc).__name__})") from None
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        yield chunk


@contextmanager
def _deadline(seconds: float) -> Iterator[float]:
    """A monotonic deadline ``seconds`` from now; in the main thread a SIGALRM enforces it mid-read."""
    deadline = time.monotonic() + seconds
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield deadline
        return
    armed = [True]

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed[0]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        try:
            armed[0] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
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


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def never_connected(exc: BaseException) -> bool:
    """True when ``exc`` (or any exception in its chain) shows the request never reached the server:
    the connection timed out or could not be made (refused, no route, unresolvable name), so even a
    POST is safe to send again. Decided by type, never by the text of a message."""
    import urllib3.exceptions

    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(
            current,
            requests.exceptions.ConnectTimeout
            | urllib3.exceptions.ConnectTimeoutError
            | urllib3.exceptions.NewConnectionError,
        ):
            return True
        reason = getattr(current, "reason", None)  # urllib3's MaxRetryError holds the cause here
        pending += [current.__cause__, current.__context__]
        pending += [cause for cause in (reason, *current.args) if isinstance(cause, BaseException)]
    return False


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None
