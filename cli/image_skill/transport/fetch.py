"""An http(s) image URL fetched by the CLI itself (``upload URL`` and the image flags; the server never
fetches URLs), spooled to a temporary file.

A fresh session that never carries the agent's token nor ``.netrc`` credentials (proxies are read
from the environment explicitly); at most ``MAX_REDIRECTS`` redirects, each target checked again
by the caller's ``check_url``; at most ``limit`` bytes, within one deadline for the whole fetch.
The caller sees the first ``head_bytes`` as soon as they arrive (``check_head`` may refuse them).
No temporary file survives a failure.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final
from urllib.parse import urljoin

import requests

from image_skill.envelope import CliError
from image_skill.transport.streaming import Expired, chunks, deadline, sigterm_interrupts, timed_out
from image_skill_api.registry import ErrorCode

#: Redirects a remote fetch follows (each target is checked like the first URL).
MAX_REDIRECTS: Final = 5
CONNECT_TIMEOUT: Final = 5.0


@dataclass(frozen=True)
class Fetched:
    """The fetched bytes: a temporary file the caller owns, its size, sha256 and leading bytes."""

    path: Path
    size: int
    sha256: str
    head: bytes


@dataclass(frozen=True)
class Remote:
    """What to fetch and how: ``what`` names the argument in messages (the URL is never echoed)."""

    url: str
    what: str
    timeout: float
    limit: int
    head_bytes: int
    check_url: Callable[[str], object]
    check_head: Callable[[bytes], None]


def fetch(remote: Remote) -> Fetched:
    """Download ``remote.url`` into a temporary file; ``streaming.TooLarge`` past ``remote.limit``."""
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials; proxies are read explicitly in ``_open``
    session.headers.update({"accept": "image/*", "user-agent": "image-skill-upload"})
    fd, tmp_name = tempfile.mkstemp(prefix=".image-skill-upload.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            deadline(remote.timeout) as until,
            sigterm_interrupts(),
            _open(session, remote) as response,
        ):
            return _spool(response, out, tmp, until, remote)
    except (Expired, requests.exceptions.Timeout):
        tmp.unlink(missing_ok=True)
        raise timed_out(
            f"{remote.what}: the remote image did not arrive within {remote.timeout:g} s;"
            " nothing was uploaded."
        ) from None
    except requests.exceptions.RequestException:
        tmp.unlink(missing_ok=True)
        raise _failed(
            f"{remote.what}: the remote image could not be fetched (the connection failed)."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        session.close()


def _spool(response: requests.Response, out: BinaryIO, tmp: Path, until: float, remote: Remote) -> Fetched:
    digest = hashlib.sha256()
    head, size = b"", 0
    for chunk in chunks(response, until, remote.limit):
        if len(head) < remote.head_bytes:
            head += chunk[: remote.head_bytes - len(head)]
            if len(head) >= remote.head_bytes:
                remote.check_head(head)
        out.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    return Fetched(tmp, size, digest.hexdigest(), head)


def _failed(message: str, *, retryable: bool = True) -> CliError:
    return CliError(ErrorCode.SOURCE_FETCH_FAILED, message, retryable=retryable)


def _open(session: requests.Session, remote: Remote) -> requests.Response:
    """The final response of the URL, following at most MAX_REDIRECTS redirects (each URL checked)."""
    url = remote.url
    for _ in range(MAX_REDIRECTS + 1):
        remote.check_url(url)
        proxies = requests.utils.get_environ_proxies(url)
        response = session.get(
            url,
            timeout=(CONNECT_TIMEOUT, remote.timeout),
            stream=True,
            allow_redirects=False,
            proxies=proxies,
        )
        if response.is_redirect:
            target = urljoin(url, response.headers.get("location", ""))
            response.close()
            url = target
            continue
        if response.status_code != 200:
            status = response.status_code
            response.close()
            raise _failed(
                f"{remote.what}: the remote server answered HTTP {status}; nothing was uploaded.",
                retryable=status >= 500,
            )
        return response
    raise _failed(
        f"{remote.what}: the remote URL redirected more than {MAX_REDIRECTS} times.", retryable=False
    )
