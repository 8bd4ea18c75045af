"""What stored media really is: its type from its first bytes, its size from its own header.

The server never trusts a declared MIME type, a file name or a client's width and height: an upload
is re-sniffed here (``sniff``) and re-measured (``measure``, Pillow reading the header and checking
the encoding's structure without decoding every pixel). The types are the spec's ``UploadMimeType``.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any, Final

from image_skill_api.sniffing import SNIFF_BYTES as SNIFF_BYTES  # noqa: PLC0414 - re-exported
from image_skill_api.sniffing import sniff as sniff  # noqa: PLC0414 - re-exported (shared with the CLI)

#: MIME type -> the extension its owned URL ends with.
EXTENSIONS: Final = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/avif": "avif",
}


@dataclass(frozen=True)
class Measured:
    width: int
    height: int


class Unreadable(ValueError):
    """The bytes carry an image signature but are not a decodable image of that type."""


class TooLarge(ValueError):
    """The image's pixel dimensions are above what the server accepts."""


class _Reader(io.RawIOBase):
    """A seekable file over bytes already in memory that copies none of them (``io.BytesIO`` would
    copy a memoryview: a 25 MiB upload measured twice over)."""

    def __init__(self, data: bytes | memoryview) -> None:
        self._view, self._at = memoryview(data), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        taken = self._view[self._at : self._at + len(buffer)]
        buffer[: len(taken)] = taken
        self._at += len(taken)
        return len(taken)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: len(self._view)}[whence]
        self._at = max(0, base + offset)
        return self._at

    def tell(self) -> int:
        return self._at


def view_file(data: bytes | memoryview) -> io.BufferedReader:
    """A seekable binary file over ``data`` that copies none of it, for Pillow to read."""
    return io.BufferedReader(_Reader(data))


def measure(data: bytes | memoryview, mime_type: str, *, max_side: int, max_pixels: int) -> Measured:
    """Width and height from the image's own header, with its structure checked.

    Raises ``TooLarge`` (a side above ``max_side`` or more than ``max_pixels`` pixels, decided from
    the header before anything is decoded) or ``Unreadable`` (not an image of ``mime_type``).
    """
    from PIL import Image

    expected = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(view_file(data)) as image:
                width, height = image.size
                if width > max_side or height > max_side or width * height > max_pixels:
                    raise TooLarge(f"{width}x{height}")
                if mime_type in expected and image.format != expected[mime_type]:
                    raise Unreadable(f"decoded as {image.format}")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge("decompression bomb") from None
    except TooLarge:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt input
        raise Unreadable(type(exc).__name__) from None
    if width < 1 or height < 1:
        raise Unreadable("empty image")
    return Measured(width, height)
