"""The one module that speaks HTTP: requests, timeouts, retries, headers, redaction, downloads.

- Timeouts: connect 5 s; read ``IMAGE_SKILL_HTTP_TIMEOUT_SECONDS`` (default 30). A read timeout
  is ``TIMEOUT`` (exit 8) and is not retried; a failed connection is
  ``HOSTED_API_REQUEST_FAILED`` (exit 7).
- Retries: GETs up to twice on connection errors and 502/503/504 (0.2 s then 0.4 s, or a
  numeric ``Retry-After`` of at most 2 s); POSTs only when the connection was never made.
- The bearer token goes only to operations that need auth, only to this run's base URL.
- A body that is not an envelope is ``HOSTED_API_NON_JSON_RESPONSE``.
- Exit code: the server's ``x-image-skill-exit-code`` header when it is 0-9, else derived from
  the status. Messages the transport writes are scrubbed of anything token-shaped.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from image_skill import __version__
from image_skill.envelope import ApiError, CliError
from image_skill.redaction import scrub
from image_skill_api.registry import ENVELOPE_KEYS, EXIT_CODE_HEADER, TRACE_ID_HEADER, ErrorCode

if TYPE_CHECKING:
    from image_skill.context import Context
    from image_skill_api.operations import Operation

CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
RETRY_DELAYS = (0.2, 0.4)
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_RETRY_AFTER = 2.0
CHUNK = 1 << 16


def derive_exit_code(ok: bool, status: int, header: str | None) -> int:
    if header is not None and header.strip().isdigit() and 0 <= int(header) <= 9:
        return int(header)
    if ok:
        return 0
    if status in (401, 403):
        return 3
    if status in (402, 429):
        return 5
    if status >= 500:
        return 7
    return 1


def _is_envelope(body: Any) -> bool:
    return isinstance(body, dict) and body.keys() >= set(ENVELOPE_KEYS) and isinstance(body["ok"], bool)


class Transport:
    """A ``requests.Session`` speaking the generated ``Client`` protocol for one CLI run."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.session = requests.Session()
        self.session.headers.update(
            {
                "accept": "application/json",
                "user-agent": f"image-skill-python/{__version__}",
                TRACE_ID_HEADER: ctx.trace_id,
            }
        )
        try:
            read = float(ctx.env.get("IMAGE_SKILL_HTTP_TIMEOUT_SECONDS") or DEFAULT_READ_TIMEOUT)
        except ValueError:
            read = DEFAULT_READ_TIMEOUT
        self.timeout = (CONNECT_TIMEOUT, read if read > 0 else DEFAULT_READ_TIMEOUT)

    # ------------------------------------------------------------------ API
    def call(
        self,
        operation: Operation,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, str | int | float | bool] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        url = self.ctx.base_url + operation.path.format_map(
            {k: quote(str(v), safe="") for k, v in (path or {}).items()}
        )
        headers = {}
        if operation.auth:
            headers["authorization"] = f"Bearer {self.ctx.require_token()}"
        params = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (query or {}).items()}
        response = self._send(operation.method, url, headers=headers, params=params, json=body)
        return self._envelope(response)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.exceptions.ConnectTimeout:
                failure: Exception = self._unreachable("the connection timed out")
                retry_safe = True
            except requests.exceptions.ReadTimeout:
                raise CliError(
                    ErrorCode.TIMEOUT,
                    f"The hosted API did not answer within {self.timeout[1]:g} s.",
                    recovery={"retry_after_seconds": 1},
                ) from None
            except requests.exceptions.ConnectionError as exc:
                failure = self._unreachable("the connection failed")
                retry_safe = method == "GET" or _never_connected(exc)
            except requests.exceptions.RequestException:
                raise self._unreachable("the request could not be sent") from None
            else:
                if (
                    method != "GET"
                    or response.status_code not in RETRY_STATUSES
                    or attempt >= len(RETRY_DELAYS)
                ):
                    return response
                delay = _retry_after(response) or RETRY_DELAYS[attempt]
                attempt += 1
                self.ctx.sleep(delay)
                continue
            if not retry_safe or attempt >= len(RETRY_DELAYS):
                raise failure
            self.ctx.sleep(RETRY_DELAYS[attempt])
            attempt += 1

    def _unreachable(self, why: str) -> CliError:
        return CliError(
            ErrorCode.HOSTED_API_REQUEST_FAILED,
            scrub(f"The hosted API at {self.ctx.base_url} could not be reached: {why}.", []),
            recovery={"suggested_command": self.ctx.with_base_url("image-skill doctor --json")},
        )

    def _envelope(self, response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not _is_envelope(body):
            raise CliError(
                ErrorCode.HOSTED_API_NON_JSON_RESPONSE,
                f"The hosted API answered HTTP {response.status_code} without a JSON envelope.",
                retryable=response.status_code >= 500,
            )
        if not body["ok"]:
            exit_code = derive_exit_code(False, response.status_code, response.headers.get(EXIT_CODE_HEADER))
            raise ApiError(body, exit_code or 1)
        return body

    # ------------------------------------------------------------ downloads
    def download(
        self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None
    ) -> dict[str, Any]:
        """Stream ``url`` into ``dest``: temp file, length and digest checks, then link or replace.

        Without ``overwrite`` the final step is ``os.link`` (fails if ``dest`` exists: no clobber,
        even against a racing writer); with it, ``os.replace``. No temp file survives any failure.
        """
        dest = dest.absolute()
        try:
            response = self.session.get(url, timeout=self.timeout, stream=True, headers={"accept": "*/*"})
        except requests.exceptions.ReadTimeout:
            raise CliError(ErrorCode.TIMEOUT, "The media download timed out.") from None
        except requests.exceptions.RequestException:
            raise self._unreachable("the media download failed") from None
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
                    for chunk in response.iter_content(CHUNK):
                        handle.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
                if expected is not None and expected.isdigit() and int(expected) != size:
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
                existed = dest.exists()
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


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the request never reached the server (safe to retry even a POST)."""
    text = repr(exc)
    return any(
        marker in text for marker in ("NewConnectionError", "Connection refused", "Name or service not known")
    )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None
