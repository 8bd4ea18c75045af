"""API calls: one operation, one request, one envelope (or a ``CliError`` / ``ServerError``).

- The deadline (``read_timeout``) bounds the WHOLE exchange, retries included, from sending the
  request to the reply's last byte: past it the call is ``TIMEOUT`` (exit 8) and the connection is
  closed. Within ``bounded(seconds)`` every call's deadline (and connect timeout) is at most
  ``seconds``: a caller with its own deadline (``jobs wait``) passes what is left of it.
  A connection that cannot be made or breaks is ``HOSTED_API_REQUEST_FAILED`` (exit 7).
- Retries: ``transport.retry`` (urllib3's ``Retry`` on the session's adapter).
- Redirects are never followed (the body, with a prompt or a contact address, would go wherever
  it points): a 3xx is ``HOSTED_API_BAD_RESPONSE``.
- The token supplier is asked only for operations that take a token; the token goes only to this
  run's base URL; ``.netrc`` is never read. An operation that needs one without one is
  AUTH_REQUIRED before anything is sent, and so is text that is not valid UTF-8 INVALID_ARGUMENTS.
- An envelope is read in today's shapes (``compat``: an older server's warning objects become
  strings, its ``AUTH_TOKEN_INVALID`` becomes ``AUTH_REQUIRED``).
- A reply that is not an envelope is ``HOSTED_API_NON_JSON_RESPONSE``; one larger than
  ``MAX_API_BODY`` or nested deeper than the JSON depth limit is ``HOSTED_API_BAD_RESPONSE``.
- Exit code: the server's exit-code header when it is one ASCII digit, else derived from the status.
- Telemetry headers (none in the no-telemetry mode) go with every request, plus the run's elapsed ms.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from image_skill import __version__, auth
from image_skill.compat import current_envelope
from image_skill.envelope import CliError, ServerError
from image_skill.redaction import scrub
from image_skill.telemetry import TELEMETRY_ELAPSED_HEADER
from image_skill.transport.retry import NO_RETRIES, policy
from image_skill.transport.streaming import Expired, TooLarge, chunks, deadline, timed_out
from image_skill.validate import JsonTooDeepError, all_utf8, loads_bounded, request_text
from image_skill_api.constants import ENVELOPE_KEYS, EXIT_CODE_HEADER, TRACE_ID_HEADER

if TYPE_CHECKING:
    from urllib3.util.retry import Retry

    from image_skill.auth import Credential
    from image_skill_api.models import Envelope
    from image_skill_api.operations import Operation

CONNECT_TIMEOUT = 5.0
#: The largest API reply the CLI reads (the biggest real one, a model catalog, is far smaller).
MAX_API_BODY = 16 << 20


def derive_exit_code(ok: bool, status: int, header: str | None) -> int:
    """The header's exit code when it is exactly one ASCII digit, else one derived from the status."""
    value = (header or "").strip()
    if re.fullmatch(r"[0-9]", value):  # not str.isdigit: it accepts "٣" and "²"
        return int(value)
    from image_skill_api.registry import exit_code_for_status  # (failures only, as is ``ErrorCode``)

    return int(exit_code_for_status(status, ok=ok))


def _is_envelope(body: Any) -> bool:
    if not (isinstance(body, dict) and body.keys() >= set(ENVELOPE_KEYS) and isinstance(body["ok"], bool)):
        return False
    error = body["error"]
    return bool(body["ok"]) or (isinstance(error, dict) and isinstance(error.get("code"), str))


def _bad_response(message: str) -> CliError:
    from image_skill_api.registry import ErrorCode

    return CliError(ErrorCode.HOSTED_API_BAD_RESPONSE, message)


def _no_netrc(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that adds nothing: set on the session, it keeps requests from applying .netrc."""
    return request


class Transport:
    """A ``requests.Session`` speaking the generated ``Client`` protocol (and downloads) for one CLI run.

    Built from plain values (the base URL, a token supplier, the timeouts, the trace id, how to
    sleep) by the ``Context`` (``Context.client``); it never reaches back into it.
    """

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
        #: The cap ``bounded`` puts on each call's timeouts (None: none).
        self.cap: float | None = None
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
        # One run sends one request at a time: each sets the adapter's retries before it is sent.
        self.adapter = HTTPAdapter(max_retries=NO_RETRIES)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)

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
        retries = policy(operation, body, self.sleep)
        status, reply_headers, content = self._send(
            operation.method, url, retries, headers=headers, params=params, **sent
        )
        return self._envelope(status, reply_headers, content)

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        """Calls made inside take at most ``seconds`` each (connect and whole exchange)."""
        previous, self.cap = self.cap, seconds
        try:
            yield
        finally:
            self.cap = previous

    def _timeouts(self) -> tuple[float, float]:
        """(connect, whole exchange) of the next call: the run's, capped by ``bounded``."""
        if self.cap is None:
            return self.timeout
        return min(self.timeout[0], self.cap), min(self.timeout[1], self.cap)

    def download(
        self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None
    ) -> dict[str, Any]:
        """``url`` into ``dest`` (``transport.download``): no clobbering without ``overwrite``."""
        from image_skill.transport.download import Downloader  # (only the commands that download)

        self.adapter.max_retries = NO_RETRIES
        media = Downloader(self.session, self.timeout, self._described, self._unreachable)
        return media.download(url, dest, overwrite=overwrite, expected_sha256=expected_sha256)

    def _described(self) -> dict[str, str]:
        """The per-request telemetry header (the run's elapsed ms), none in the no-telemetry mode."""
        if not self.telemetry:
            return {}
        elapsed = max(0, int((time.monotonic() - self.started) * 1000))
        return {TELEMETRY_ELAPSED_HEADER: str(elapsed)}

    def _send(
        self, method: str, url: str, retries: Retry, **kwargs: Any
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.adapter.max_retries = retries
        try:
            return self._exchange(method, url, **kwargs)
        except (Expired, requests.exceptions.ReadTimeout):
            raise timed_out(
                f"The hosted API did not answer in full within {self._timeouts()[1]:g} s; "
                "the connection was closed."
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise self._unreachable("the connection timed out") from None
        except requests.exceptions.ConnectionError:
            raise self._unreachable("the connection failed") from None
        except requests.exceptions.RequestException:
            raise self._unreachable("the request could not be sent") from None

    def _exchange(self, method: str, url: str, **kwargs: Any) -> tuple[int, Mapping[str, str], bytes]:
        """One request and its whole reply, within the deadline; never follows a redirect."""
        timeouts = self._timeouts()
        with deadline(timeouts[1]) as until:
            response = self.session.request(
                method, url, timeout=timeouts, stream=True, allow_redirects=False, **kwargs
            )
            with response:
                if 300 <= response.status_code < 400:
                    raise _bad_response(
                        f"The hosted API answered HTTP {response.status_code} (a redirect); API calls never "
                        "follow redirects, so the request went nowhere else."
                    )
                try:
                    content = b"".join(chunks(response, until, MAX_API_BODY))
                except TooLarge:
                    raise _bad_response(
                        f"The hosted API's reply is larger than {MAX_API_BODY >> 20} MiB; it was not read."
                    ) from None
                return response.status_code, response.headers, content

    def _unreachable(self, why: str) -> CliError:
        """HOSTED_API_REQUEST_FAILED; its recovery is the registry's (doctor), aimed by ``main``."""
        from image_skill_api.registry import ErrorCode

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
            from image_skill_api.registry import ErrorCode

            raise CliError(
                ErrorCode.HOSTED_API_NON_JSON_RESPONSE,
                f"The hosted API answered HTTP {status} without a JSON envelope.",
                retryable=status >= 500,
            )
        current = current_envelope(body)
        if not current["ok"]:
            exit_code = derive_exit_code(False, status, headers.get(EXIT_CODE_HEADER))
            raise ServerError(current, exit_code or 1)
        return cast("Envelope", current)  # its keys checked by _is_envelope
