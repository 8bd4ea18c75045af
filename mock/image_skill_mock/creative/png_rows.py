"""Whether a PNG's image data is whole, proved without holding its pixels (``flaw``).

Pillow fills the rows a cleanly ended zlib stream lacks with zeros, so a PNG whose compressed data
stops early (at a row boundary, with a valid checksum) would be taken as whole. ``flaw`` inflates
the image data in bounded pieces (never the whole image at once), compares the count with what the
header's size, bit depth, colour type and interlacing need, and checks each row's filter type: what
Pillow's decode refuses (a corrupt stream, an unknown filter) and what it misses (missing rows), at
the memory of one piece. An upload of a PNG is proved this way instead of decoded (``pixels.prove``).
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


def expected_bytes(width: int, height: int, depth: int, colour: int, interlaced: bool) -> int:
    """Bytes of filtered rows a PNG of this header inflates to."""
    return sum(_row_lengths(width, height, depth * CHANNELS[colour], interlaced))


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


def _row_lengths(width: int, height: int, bits: int, interlaced: bool) -> Iterator[int]:
    """The length of each filtered row, in stream order (a filter byte, then the row's pixels)."""
    for x0, y0, dx, dy in ADAM7 if interlaced else ((0, 0, 1, 1),):
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            yield from [1 + (columns * bits + 7) // 8] * rows


def _inflate(pieces: Iterator[memoryview]) -> Iterator[bytes]:
    """The zlib stream in ``pieces`` inflated, at most ``PIECE`` bytes at a time, up to its end."""
    inflater = zlib.decompressobj()
    for chunk in pieces:
        for start in range(0, len(chunk), PIECE):
            pending: bytes | memoryview = chunk[start : start + PIECE]
            while pending and not inflater.eof:
                yield inflater.decompress(pending, PIECE)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return


def _header(view: memoryview) -> tuple[int, int, int, bool] | None:
    """Width, height, bits per pixel and interlacing from a PNG's IHDR; None when it has none."""
    if bytes(view[:8]) != SIGNATURE or bytes(view[12:16]) != b"IHDR" or len(view) < 33:
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", view[16:29])
    if colour not in CHANNELS:
        return None
    return width, height, depth * CHANNELS[colour], interlace == 1


def flaw(data: bytes | memoryview) -> str | None:
    """Why the image data of the PNG ``data`` is not whole, or None when it is: it inflates, a
    ``PIECE`` at a time, to every row its header needs, each row's filter type is one PNG defines
    (0-4), and the zlib stream is not corrupt (its checksum too when the stream ends within a piece
    of its last row). What decoding it would prove, without its pixels ever held. None too for
    anything that is not a PNG with a readable header: that is Pillow's to judge."""
    header = _header(memoryview(data))
    if header is None:
        return None
    width, height, bits, interlaced = header
    need = sum(_row_lengths(width, height, bits, interlaced))
    rows = _row_lengths(width, height, bits, interlaced)
    row_at = got = 0
    try:
        for piece in _inflate(_image_data(memoryview(data))):
            if got >= need + PIECE:
                return None  # every row is there; what follows them is not image data
            while row_at < min(got + len(piece), need):
                if piece[row_at - got] > 4:
                    return "a row's filter type is not one PNG defines"
                row_at += next(rows)
            got += len(piece)
    except zlib.error:
        return "the compressed image data is corrupt"
    return None if got >= need else "fewer rows than its header claims"
