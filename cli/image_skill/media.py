"""The upload resolver: what an image argument names, its bytes read client-side, and the upload body.

An image argument (``upload PATH_OR_URL``, edit's ``--input``/``--mask``, the reference flags) is
one of (``classify``):

- an asset id (the spec's ``AssetId`` pattern, and no file of that name exists: write
  ``./image_x.png`` to mean a file) or an owned media URL (``https://media.image-skill.com/a/<id>.<ext>``
  or ``<api base>/media/a/<id>.<ext>``): used as it is, nothing is uploaded;
- an ``http(s)`` URL without user info: fetched by the CLI itself (``transport.fetch``: no token,
  bounded redirects, size and time), spooled to a temporary file;
- anything else is a local path (a regular file).

The MIME type is sniffed from the first bytes (PNG, JPEG, WebP, GIF, AVIF), never taken from a
name or a remote ``content-type``: anything else is ``INPUT_POLICY_DENIED`` (exit 6) before any
upload. ``UploadBody`` streams the request: the JSON fields, then the base64 of the file read in
small blocks, so uploading a 20 MB image never holds it (or its base64) in memory.

No output or message carries a local path, a full remote URL, bytes or base64: a request names
the base name and the remote origin (scheme and host) only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

from image_skill.envelope import CliError
from image_skill.validate import invalid, matches
from image_skill_api.constants import MOCK_MEDIA_PATH, OWNED_MEDIA_BASE_URL
from image_skill_api.constants import UPLOAD_REQUEST_CONTENT_LENGTH_MAXIMUM as MAX_UPLOAD_BYTES
from image_skill_api.constants import UPLOAD_REQUEST_FILENAME_MAX_LENGTH as MAX_FILENAME
from image_skill_api.registry import ErrorCode
from image_skill_api.sniffing import SNIFF_BYTES, sniff  # the one sniffer, shared with the server

if TYPE_CHECKING:
    from image_skill.context import Context

#: Bytes read (and base64-encoded) at a time; a multiple of 3, so the blocks concatenate.
BLOCK: Final = 3 * (1 << 16)
SUPPORTED: Final = "PNG, JPEG, WebP, GIF or AVIF"
_ORIGIN: Final = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


# ------------------------------------------------------------------ what is it
@dataclass(frozen=True)
class AssetRef:
    """An owned asset, by id (an owned media URL resolves to its id)."""

    asset_id: str


@dataclass(frozen=True)
class PathRef:
    path: str


@dataclass(frozen=True)
class UrlRef:
    url: str


Ref = AssetRef | PathRef | UrlRef


def _owned_asset_id(value: str, base_url: str) -> str | None:
    for prefix in (OWNED_MEDIA_BASE_URL, base_url.rstrip("/") + MOCK_MEDIA_PATH):
        if value.startswith(prefix):
            name = value[len(prefix) :]
            asset_id, dot, extension = name.rpartition(".")
            if dot and re.fullmatch(r"[a-z0-9]{1,8}", extension) and matches("AssetId", asset_id):
                return asset_id
    return None


def classify(value: str, *, base_url: str, what: str, noun: str, assets: bool = True) -> Ref:
    """What an image argument names (see the module doc); ``assets=False`` (upload): paths and URLs only.

    ``what`` names the argument in messages (e.g. ``--input``); the value is never echoed.
    """
    if not value:
        raise invalid(noun, f"{what} is empty.")
    if assets:
        owned = _owned_asset_id(value, base_url)
        if owned is not None:
            return AssetRef(owned)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            raise invalid(noun, f"{what} must be a local path, an http(s) URL or an asset id.")
        check_url(value, what, noun)
        return UrlRef(value)
    if assets and matches("AssetId", value) and not os.path.lexists(value):
        return AssetRef(value)
    return PathRef(value)


def check_url(url: str, what: str, noun: str) -> tuple[str, str]:
    """(origin, base name) of a fetchable http(s) URL; refuses user info and hosts the spec cannot name."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid(noun, f"{what} is not a well-formed URL.") from None
    if "@" in parts.netloc:
        raise invalid(noun, f"{what} carries credentials (user info); such a URL is never fetched.")
    host = parts.hostname or ""
    origin = f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")
    if parts.scheme.lower() not in ("http", "https") or not _ORIGIN.match(origin):
        raise invalid(noun, f"{what} must be an http(s) URL with a DNS name or IPv4 host.")
    return origin, safe_filename(unquote(parts.path.rsplit("/", 1)[-1]), "download")


def safe_filename(name: str, fallback: str) -> str:
    """A base name the spec accepts: no separators, valid UTF-8, 1-255 characters."""
    name = name.encode("utf-8", "replace").decode("utf-8").replace("\\", "_").replace("/", "_").strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > MAX_FILENAME:
        _stem, dot, extension = name.rpartition(".")
        keep = dot + extension if dot and len(extension) <= 16 else ""
        name = name[: MAX_FILENAME - len(keep)] + keep
    return name or fallback


def denied_type(what: str) -> CliError:
    return CliError(
        ErrorCode.INPUT_POLICY_DENIED,
        f"{what} is not an image type uploads accept ({SUPPORTED}); nothing was uploaded.",
    )


# --------------------------------------------------------------- read sources
@dataclass
class Source:
    """An image read client-side, ready to upload: where its bytes are and what they are."""

    source_kind: str  # local_path | remote_url
    filename: str
    remote_origin: str | None
    mime_type: str
    size: int
    sha256: str
    path: Path
    temporary: bool = False

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)

    def body(self) -> UploadBody:
        return UploadBody(
            {
                "source_kind": self.source_kind,
                "filename": self.filename,
                "remote_origin": self.remote_origin,
                "mime_type": self.mime_type,
                "content_length": self.size,
                "sha256": self.sha256,
            },
            self.path,
            self.size,
        )


def _digest(handle: Any) -> tuple[bytes, int, str]:
    """(leading bytes, size, sha256) of an open binary file, read in blocks."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    while block := handle.read(BLOCK):
        if len(head) < SNIFF_BYTES:
            head += block[: SNIFF_BYTES - len(head)]
        digest.update(block)
        size += len(block)
        if size > MAX_UPLOAD_BYTES:
            break
    return head, size, digest.hexdigest()


def _too_large(what: str) -> CliError:
    return CliError(
        ErrorCode.INPUT_POLICY_DENIED,
        f"{what} is larger than uploads accept ({MAX_UPLOAD_BYTES >> 20} MiB); nothing was uploaded.",
    )


def read_local(path: str, *, what: str, noun: str) -> Source:
    """A local regular file, sniffed and measured (type first: an unsupported file is never hashed)."""
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below)
        handle = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb")
    except (OSError, ValueError):
        raise invalid(noun, f"{what}: the file could not be opened (missing or unreadable).") from None
    with handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise invalid(noun, f"{what}: not a regular file.")
        if info.st_size > MAX_UPLOAD_BYTES:
            raise _too_large(what)
        if sniff(handle.read(SNIFF_BYTES)) is None:
            raise denied_type(what)
        handle.seek(0)
        try:
            head, size, sha256 = _digest(handle)
        except OSError:
            raise invalid(noun, f"{what}: the file could not be read.") from None
    if size > MAX_UPLOAD_BYTES:
        raise _too_large(what)
    mime_type = sniff(head)
    if mime_type is None or size == 0:
        raise denied_type(what)
    name = safe_filename(Path(path).name, "upload")
    return Source("local_path", name, None, mime_type, size, sha256, Path(path))


def fetch_remote(url: str, *, timeout: float, what: str, noun: str) -> Source:
    """An http(s) URL fetched into a temporary file (``transport.fetch``) and sniffed."""
    from image_skill.transport.fetch import Remote, fetch
    from image_skill.transport.streaming import TooLarge

    origin, filename = check_url(url, what, noun)

    def check_head(head: bytes) -> None:
        if sniff(head) is None:
            raise denied_type(what)

    remote = Remote(
        url, what, timeout, MAX_UPLOAD_BYTES, SNIFF_BYTES, lambda hop: check_url(hop, what, noun), check_head
    )
    try:
        fetched = fetch(remote)
    except TooLarge:
        raise _too_large(what) from None
    mime_type = sniff(fetched.head)
    if mime_type is None or fetched.size == 0:
        fetched.path.unlink(missing_ok=True)
        raise denied_type(what)
    return Source("remote_url", filename, origin, mime_type, fetched.size, fetched.sha256, fetched.path, True)


def read_source(ref: PathRef | UrlRef, *, timeout: float, what: str, noun: str) -> Source:
    if isinstance(ref, UrlRef):
        return fetch_remote(ref.url, timeout=timeout, what=what, noun=noun)
    return read_local(ref.path, what=what, noun=noun)


# ------------------------------------------------------------------ streaming
@dataclass
class UploadBody(Mapping[str, Any]):
    """An ``UploadRequest`` whose ``bytes_base64`` is streamed from ``path`` when sent.

    As a Mapping it holds the small fields only (what the transport checks as text); the transport
    sends ``open_stream()`` (a file-like object with a length) instead of serializing it.
    """

    fields: dict[str, Any]
    path: Path
    size: int
    _prefix: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        text = json.dumps(self.fields, ensure_ascii=True, separators=(",", ":"))
        self._prefix = (text[:-1] + ',"bytes_base64":"').encode()

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def encoded_length(self) -> int:
        return len(self._prefix) + 4 * ((self.size + 2) // 3) + 2

    def open_stream(self) -> BodyStream:
        return BodyStream(self._prefix, self.path, self.size, self.encoded_length, self.fields["sha256"])


def source_changed() -> CliError:
    return CliError(
        ErrorCode.UPLOAD_SOURCE_CHANGED,
        "The file changed during upload (its size or bytes are not what was read before); the upload"
        " was abandoned before its body was complete, so nothing was stored. Upload it again once"
        " nothing is writing to it.",
    )


class BodyStream:
    """The JSON body, produced block by block: prefix, base64 of the file, ``"}``.

    The file is hashed as it streams: if it is not the ``size`` bytes of ``sha256`` read before
    (it shrank, grew or was rewritten), ``UPLOAD_SOURCE_CHANGED`` is raised before the closing
    bytes, so the server never receives a complete body (a ``CliError``, not an ``OSError``, which
    the HTTP stack would report as a broken connection).
    """

    def __init__(self, prefix: bytes, path: Path, size: int, length: int, sha256: str | None = None) -> None:
        self._parts = self._generate(prefix, path, size, sha256)
        self._buffer = b""
        self._offset = 0  # how much of ``_buffer`` was read already (no copy per read)
        self._length = length

    def __len__(self) -> int:
        return self._length

    @staticmethod
    def _generate(prefix: bytes, path: Path, size: int, sha256: str | None) -> Iterator[bytes]:
        yield prefix
        sent = 0
        digest = hashlib.sha256()
        try:
            with path.open("rb") as handle:
                while sent < size and (block := handle.read(min(BLOCK, size - sent))):
                    sent += len(block)
                    digest.update(block)
                    yield base64.b64encode(block)
                grew = bool(handle.read(1))
        except OSError:
            raise source_changed() from None
        if sent != size or grew or (sha256 is not None and digest.hexdigest() != sha256):
            raise source_changed()
        yield b'"}'

    def read(self, amount: int = -1) -> bytes:
        if amount < 0:
            rest = [self._buffer[self._offset :], *self._parts]
            self._buffer, self._offset = b"", 0
            return b"".join(rest)
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = next(self._parts, b""), 0
        out = self._buffer[self._offset : self._offset + amount]
        self._offset += len(out)
        return out

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(BLOCK):
            yield chunk


# ------------------------------------------------------------------ uploading
def upload(ctx: Context, source: Source) -> dict[str, Any]:
    """Send one read source to ``POST /v1/upload`` (streamed); the server's envelope. Discards a temp file."""
    from image_skill_api.operations import OPERATIONS

    try:
        ctx.hint(f"uploading {source.size} bytes...")
        return dict(ctx.client.call(OPERATIONS["uploadAsset"], body=source.body()))
    finally:
        source.discard()


def resolve_images(ctx: Context, images: Sequence[tuple[str, str]], noun: str) -> Resolved:
    """Asset ids for image arguments ``(what, value)`` (edit's ``--input``/``--mask``, reference flags).

    Asset ids and owned URLs are used as they are. Every path and URL is read (remote ones fetched)
    and sniffed BEFORE the first upload, so an unsupported file refuses the whole command with
    nothing uploaded; then each distinct one is uploaded once.
    """
    from image_skill import config

    refs = {value: classify(value, base_url=ctx.base_url, what=what, noun=noun) for what, value in images}
    pending = {value: ref for value, ref in refs.items() if not isinstance(ref, AssetRef)}
    sources: dict[str, Source] = {}
    try:
        if pending:
            ctx.require_token()
        timeout = config.read_timeout(ctx.env)
        names = {value: what for what, value in images}
        for value, ref in pending.items():
            assert not isinstance(ref, AssetRef)
            sources[value] = read_source(ref, timeout=timeout, what=names[value], noun=noun)
        resolved = Resolved({v: r.asset_id for v, r in refs.items() if isinstance(r, AssetRef)}, [])
        for value in list(sources):
            envelope = upload(ctx, sources.pop(value))
            asset = envelope["data"]["asset"]
            resolved.asset_ids[value] = str(asset["asset_id"])
            resolved.uploaded.append({"for": names[value], "asset_id": str(asset["asset_id"])})
        return resolved
    finally:
        for source in sources.values():
            source.discard()


@dataclass
class Resolved:
    """Image argument value -> owned asset id, and what was uploaded to get there (flag, asset id)."""

    asset_ids: dict[str, str]
    uploaded: list[dict[str, str]]
