"""Whether a PNG holds every row its header claims.

Pillow fills the rows a cleanly ended zlib stream lacks with zeros, so a PNG whose compressed data
stops early (at a row boundary, with a valid checksum) would be taken as whole. ``is_short`` inflates
the image data in bounded pieces (never the whole image at once) and compares the count with what
the header's size, bit depth, colour type and interlacing need.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Final

SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
#: Samples per pixel by PNG colour type (greyscale, RGB, palette, grey + alpha, RGBA).
CHANNELS: Final = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: The Adam7 passes: (first column, first row, column step, row step).
ADAM7: Final = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
#: Compressed bytes fed, and inflated bytes taken, per step.
PIECE: Final = 1 << 16


def _rows(width: int, height: int, bits: int) -> int:
    """Bytes of ``height`` filtered rows of ``width`` pixels (each row: a filter byte, then pixels)."""
    return 0 if width <= 0 or height <= 0 else height * (1 + (width * bits + 7) // 8)


def expected_bytes(width: int, height: int, depth: int, colour: int, interlaced: bool) -> int:
    bits = depth * CHANNELS[colour]
    if not interlaced:
        return _rows(width, height, bits)
    return sum(_rows(-(-(width - x0) // dx), -(-(height - y0) // dy), bits) for x0, y0, dx, dy in ADAM7)


def _image_data(view: memoryview) -> Iterator[memoryview]:
    """The IDAT chunks' contents in order (they are consecutive; what follows them is not read)."""
    pos, seen = 8, False
    while pos + 8 <= len(view):
        length = int.from_bytes(view[pos : pos + 4], "big")
        kind = bytes(view[pos + 4 : pos + 8])
        if kind == b"IDAT":
            seen = True
            yield view[pos + 8 : pos + 8 + length]
        elif seen or kind == b"IEND":
            return
        pos += 12 + length


def _inflated(pieces: Iterator[memoryview], enough: int) -> int:
    """How many bytes the zlib stream in ``pieces`` inflates to (counting stops at ``enough``)."""
    inflater = zlib.decompressobj()
    got = 0
    for chunk in pieces:
        for start in range(0, len(chunk), PIECE):
            pending: bytes | memoryview = chunk[start : start + PIECE]
            while pending and not inflater.eof:
                got += len(inflater.decompress(pending, PIECE))
                if got >= enough:
                    return got
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return got
    return got


def is_short(data: bytes | memoryview) -> bool:
    """True when ``data`` is a PNG whose image data inflates to fewer bytes than its header needs
    (False for anything that is not a PNG with a readable header: that is Pillow's to judge)."""
    view = memoryview(data)
    if bytes(view[:8]) != SIGNATURE or bytes(view[12:16]) != b"IHDR" or len(view) < 33:
        return False
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", view[16:29])
    if colour not in CHANNELS:
        return False
    need = expected_bytes(width, height, depth, colour, interlace == 1)
    try:
        return _inflated(_image_data(view), need) < need
    except zlib.error:
        return True
