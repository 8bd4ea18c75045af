"""Small PNGs the kit uploads (drawn with zlib: no imaging library needed)."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(width: int, height: int, pixel: Any) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) is ``pixel(x, y)`` -> (r, g, b)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def source_image() -> bytes:
    return png(64, 64, lambda x, y: (x * 4, y * 4, 128))


def mask_image() -> bytes:
    """White (edit) in the left half, black (keep) elsewhere."""
    return png(64, 64, lambda x, _y: (255, 255, 255) if x < 32 else (0, 0, 0))


def upload_body(content: bytes, filename: str) -> dict[str, Any]:
    """An upload request for ``content`` (a PNG) as if read from a local file."""
    return {
        "source_kind": "local_path",
        "filename": filename,
        "remote_origin": None,
        "mime_type": "image/png",
        "content_length": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "bytes_base64": base64.b64encode(content).decode("ascii"),
    }
