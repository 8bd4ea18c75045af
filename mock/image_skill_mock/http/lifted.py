"""A large base64 string lifted out of a JSON body before it is parsed (the upload's ``bytes_base64``).

Parsing a 33 MB body whole would hold the body, its text and the string it holds at once, and then
the decoded bytes beside them. Instead, when an operation's body schema has a property with
``contentEncoding: base64`` (``validation.schemas_for``), its value is found in the raw body,
checked to be plain base64 (the alphabet, padding at the end only, nothing JSON would unescape), and
replaced by a random placeholder in a small copy of the body, which is parsed and validated as usual;
the placeholder coming back as that property's value proves the value found was that property's (the
JSON's last duplicate, not text inside another string). The handler then gets a ``Base64Text`` in
its place and decodes it in place, inside the body's own buffer, hashing as it goes (``decode``):
the server holds the body once, and nothing else of its size. A value that is not plain base64, or
short, is not lifted: the body is parsed whole, as any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Final

#: Values shorter than this are parsed with the rest of the body.
LIFT_MIN_BYTES: Final = 1 << 16
#: The base64 decoded (and hashed) at a time: a multiple of 4 characters.
CHUNK_CHARS: Final = 1 << 20
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_OPENING = re.compile(rb'\s*:\s*"')


class NotBase64(ValueError):
    """The text is not padded standard base64."""


@dataclass(frozen=True)
class Base64Text:
    """A body property's base64 text, left where it arrived: ``raw[start:end]``."""

    raw: bytearray
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def decode(self) -> tuple[memoryview, str]:
        """The decoded bytes and their sha256 (hex). Decoded in place: every 4 characters read become
        3 bytes written behind them, so the bytes are a view over the body's own buffer (once only:
        the text is gone after). ``NotBase64`` when the padding is wrong."""
        digest = hashlib.sha256()
        written = self.start
        for at in range(self.start, self.end, CHUNK_CHARS):
            piece = bytes(self.raw[at : min(at + CHUNK_CHARS, self.end)])
            try:
                decoded = base64.b64decode(piece, validate=True)
            except (binascii.Error, ValueError):
                raise NotBase64("not padded standard base64") from None
            self.raw[written : written + len(decoded)] = decoded
            digest.update(decoded)
            written += len(decoded)
        return memoryview(self.raw)[self.start : written], digest.hexdigest()


def lift(raw: bytearray, name: str) -> tuple[bytes, Base64Text, str] | None:
    """The body with ``name``'s value replaced by a placeholder, the value, and the placeholder; None
    when there is no long plain-base64 value of ``name`` to lift."""
    key = b'"' + name.encode() + b'"'
    position = raw.rfind(key)
    while position >= 0:
        opening = _OPENING.match(raw, position + len(key))
        if opening is not None:
            start = opening.end()
            end = raw.find(b'"', start)
            if end - start >= LIFT_MIN_BYTES and _BASE64.fullmatch(raw, start, end):
                placeholder = "lifted-" + secrets.token_hex(16)
                small = bytes(raw[:start]) + placeholder.encode() + bytes(raw[end:])
                return small, Base64Text(raw, start, end), placeholder
        position = raw.rfind(key, 0, position)
    return None
