"""The pixel budget: what the server decodes is bounded before anything is decoded.

- **In**: an image whose header claims more than ``MAX_INPUT_PIXELS`` (the spec's
  ``upload_max_pixels``, 50 MP) is refused before it is decoded. Pillow's ``MAX_IMAGE_PIXELS`` is
  set to it and its ``DecompressionBombWarning`` is an error wherever the mock decodes, so no
  decompression bomb is ever expanded.
- **Proved once**: an upload is proved whole once (``prove``), so a truncated or corrupt image is
  refused on upload (a PNG with fewer rows than its header claims too); a PNG by inflating its data
  a piece at a time (``png_rows.flaw``), a JPEG by decoding every block at a reduced scale, others
  by decoding them. One whose long edge is over ``PREVIEW_LONG_EDGE`` also gets a working copy (a
  PNG of that long edge, ``store.previews``) that edits and references decode instead of the
  original.
- **At the size drawn**: ``decode`` reads the header, lets JPEG decode at a reduced scale
  (``draft``) and reduces the decoded image by the largest integer factor that keeps the size the
  render needs (``reduce``) before converting it; a reference is read for its dominant colour at
  64 x 64, once per content (``colour``).
- **In flight**: the pixels all requests together may be decoding at once are bounded
  (``IN_FLIGHT_PIXELS``); a request waits for its share (``Budget.held``, its pixels as stored:
  input, mask, references, outputs) at most ``WAIT_SECONDS``, then is ``TIMEOUT`` (retryable,
  nothing done).
- A truncated or corrupt image, wherever it appears (input, mask, reference), is ``Undecodable``:
  the pipeline answers ``INPUT_POLICY_DENIED`` (exit 6), never a 500.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from PIL import Image

from image_skill_api.constants import LIMIT_UPLOAD_MAX_PIXELS
from image_skill_api.registry import ErrorCode
from image_skill_mock.creative import png_rows, sniff
from image_skill_mock.errors import ApiError

#: The most pixels an image the mock decodes may have (its header says so before any decode).
MAX_INPUT_PIXELS: Final = LIMIT_UPLOAD_MAX_PIXELS
#: The pixels all requests together may be decoding or drawing at once.
IN_FLIGHT_PIXELS: Final = 64_000_000
#: How long a request waits for its share of ``IN_FLIGHT_PIXELS``.
WAIT_SECONDS: Final = 30.0
#: An upload whose long edge is above this gets a working copy of this long edge.
PREVIEW_LONG_EDGE: Final = 4096
#: The contents whose dominant colour is remembered (by sha256).
COLOUR_CACHE_SIZE: Final = 1024
#: Pillow's own bomb guard, at the mock's limit (with its warning an error where the mock decodes).
Image.MAX_IMAGE_PIXELS = MAX_INPUT_PIXELS


class Undecodable(ValueError):
    """The bytes are not a whole, decodable image within ``MAX_INPUT_PIXELS``."""


# ------------------------------------------------------------------------ in flight
class Budget:
    """At most ``capacity`` pixels held at once; a larger request holds all of it."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._held = 0
        self._changed = threading.Condition()

    @contextmanager
    def held(self, pixels: int, *, wait: float = WAIT_SECONDS) -> Iterator[None]:
        share = max(1, min(pixels, self.capacity))
        with self._changed:
            if not self._changed.wait_for(lambda: self._held + share <= self.capacity, timeout=wait):
                raise ApiError(
                    ErrorCode.TIMEOUT,
                    "The server is busy decoding other large images; nothing was done. Retry shortly.",
                )
            self._held += share
        try:
            yield
        finally:
            with self._changed:
                self._held -= share
                self._changed.notify_all()


BUDGET: Final = Budget(IN_FLIGHT_PIXELS)


# --------------------------------------------------------------------------- decoding
@contextmanager
def _opened(data: bytes | memoryview) -> Iterator[Image.Image]:
    """The image, opened lazily (its header only), refused when it claims too many pixels; every
    Pillow failure (and a decompression bomb) inside the block is ``Undecodable``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(sniff.view_file(data)) as image:
                if image.width * image.height > MAX_INPUT_PIXELS or min(image.size) < 1:
                    raise Undecodable(f"{image.width}x{image.height}")
                yield image
    except Undecodable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Undecodable("decompression bomb") from exc
    except Exception as exc:  # Pillow raises many types for corrupt or truncated input
        raise Undecodable(type(exc).__name__) from exc


def decode(data: bytes, size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """The image decoded (whole), reduced toward ``size`` by an integer factor, in ``mode``."""
    with _opened(data) as image:
        image.draft(mode, size)
        image.load()
        factor = max(1, min(image.width // max(1, size[0]), image.height // max(1, size[1])))
        reduced = image.reduce(factor) if factor > 1 else image
        return reduced.convert(mode)


def prove(data: bytes | memoryview) -> bytes | None:
    """Prove the whole image decodes (``Undecodable`` when it does not); a PNG working copy of
    ``PREVIEW_LONG_EDGE`` when the image is larger, else None.

    A PNG is proved by ``png_rows.flaw`` (its data inflated a piece at a time, never its pixels), so
    one that needs no working copy costs no memory of its size; a JPEG decodes every block at the
    smallest scale that still covers what is kept (``draft``); other types decode whole."""
    with _opened(data) as image:
        copy = max(image.size) > PREVIEW_LONG_EDGE
        if image.format == "PNG":
            flaw = png_rows.flaw(data)
            if flaw is not None:
                raise Undecodable(flaw)  # Pillow would refuse it, or fill missing rows with zeros
            if not copy:
                return None
        # JPEG only (a no-op for other types): every block is still decoded, at the smallest scale
        # that keeps the working copy's size (any scale when there is none to make).
        image.draft(image.mode, _fitted(image.size) if copy else (1, 1))
        image.load()
        if not copy:
            return None
        factor = -(-max(image.size) // PREVIEW_LONG_EDGE)  # the smallest integer factor that fits
        small = image.reduce(factor) if factor > 1 else image
    out = io.BytesIO()
    small.convert("RGBA" if "A" in small.getbands() else "RGB").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down to a long edge of ``PREVIEW_LONG_EDGE``."""
    scale = PREVIEW_LONG_EDGE / max(size)
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


_colours: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
_colours_lock = threading.Lock()


def colour(sha256: str, read: Callable[[], bytes]) -> tuple[int, int, int]:
    """The dominant colour of the content ``sha256`` (``read()``: its bytes), decoded at 64 x 64 once."""
    with _colours_lock:
        if sha256 in _colours:
            _colours.move_to_end(sha256)
            return _colours[sha256]
    small = decode(read(), (64, 64)).resize((64, 64), Image.Resampling.NEAREST)
    counts: list[tuple[int, Any]] = small.quantize(colors=8).convert("RGB").getcolors(64 * 64) or [
        (1, (0, 0, 0))
    ]
    _, found = max(counts, key=lambda item: (item[0], str(item[1])))
    red, green, blue = found
    dominant = (int(red), int(green), int(blue))
    with _colours_lock:
        _colours[sha256] = dominant
        while len(_colours) > COLOUR_CACHE_SIZE:
            _colours.popitem(last=False)
    return dominant
