"""One image sniffer: the CLI (before it uploads) and the mock (on receipt) classify the same bytes
the same way, as the spec's ``x-image-skill-media-signatures`` says.

The CLI sniffs the first ``SNIFF_BYTES`` bytes it reads of a file; the mock sniffs the whole upload.
Both readings of every sample below must give the expected answer.
"""

from __future__ import annotations

import copy
import io
import random
import struct
from typing import Any

import pytest
from PIL import Image

from image_skill import media
from image_skill_api import sniffing
from image_skill_mock.creative import sniff as mock_sniff

from .codegen_module import SPEC, codegen


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _ftyp(major: bytes, *compatible: bytes, size: int | None = None) -> bytes:
    """A leading ISO-BMFF ``ftyp`` box (``size`` overrides the declared size), then some filler."""
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    declared = 8 + len(body) if size is None else size
    return struct.pack(">I", declared) + b"ftyp" + body + b"\x00\x00\x00\x08free"


SAMPLES: dict[str, tuple[bytes, str | None]] = {
    "png": (_image("PNG"), "image/png"),
    "jpeg": (_image("JPEG"), "image/jpeg"),
    "webp": (_image("WEBP"), "image/webp"),
    "gif89a": (_image("GIF"), "image/gif"),
    "gif87a": (b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 20, "image/gif"),
    "avif (Pillow)": (_image("AVIF"), "image/avif"),
    "avif major brand": (_ftyp(b"avif", b"mif1", b"miaf"), "image/avif"),
    "avis major brand": (_ftyp(b"avis"), "image/avif"),
    "avif compatible brand only": (_ftyp(b"mif1", b"miaf", b"avif"), "image/avif"),
    "avif brand at the end of a long box": (_ftyp(b"mif1", *[b"miaf"] * 40, b"avif"), "image/avif"),
    "avif brand past the sniff window": (_ftyp(b"mif1", *[b"miaf"] * 80, b"avif"), None),
    "avif brand past the box's end": (_ftyp(b"mif1", b"miaf", b"avif", size=20), None),
    "ftyp box smaller than its header": (_ftyp(b"avif", size=12), None),
    "ftyp box of size zero": (_ftyp(b"avif", size=0), None),
    "ftyp of another brand (heic)": (_ftyp(b"heic", b"mif1", b"heic"), None),
    "ftyp not at offset 4": (b"\x00" + _ftyp(b"avif"), None),
    "truncated png": (b"\x89PNG\r\n\x1a", None),
    "truncated jpeg": (b"\xff\xd8", None),
    "truncated webp": (b"RIFF\x10\x00\x00\x00WEB", None),
    "truncated gif": (b"GIF89", None),
    "truncated ftyp major brand": (b"\x00\x00\x00\x18ftypav", None),
    "riff that is not webp": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24, None),
    "random bytes": (random.Random(13).randbytes(512), None),
    "text": (b"%PDF-1.7\n" + b"x" * 100, None),
    "empty": (b"", None),
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_the_cli_and_the_mock_classify_the_same_bytes_the_same_way(name: str) -> None:
    data, expected = SAMPLES[name]
    head = data[: media.SNIFF_BYTES]  # what the CLI reads of a file before deciding
    answers = {
        "cli": media.sniff(head),
        "cli (whole file)": media.sniff(data),
        "mock": mock_sniff.sniff(data),
    }
    assert answers == dict.fromkeys(answers, expected)


def test_both_sides_run_the_generated_sniffer_over_the_spec_window() -> None:
    assert media.sniff is sniffing.sniff
    assert mock_sniff.sniff is sniffing.sniff
    table = SPEC["x-image-skill-media-signatures"]
    assert media.SNIFF_BYTES == sniffing.SNIFF_BYTES == table["sniff_bytes"]
    assert list(sniffing.MAGIC) + list(sniffing.BRANDS) == list(table["types"])


def test_every_upload_type_is_sniffed_and_only_those() -> None:
    upload_types = SPEC["components"]["schemas"]["UploadMimeType"]["enum"]
    assert {expected for _, expected in SAMPLES.values()} == {*upload_types, None}


def _broken(change: str) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    table = spec["x-image-skill-media-signatures"]
    types = table["types"]
    if change == "order":
        table["types"] = {"image/avif": types.pop("image/avif"), **types}
    elif change == "missing type":
        del types["image/gif"]
    elif change == "bad hex":
        types["image/jpeg"]["magic"] = [[{"offset": 0, "hex": "ffzz"}]]
    elif change == "both ascii and hex":
        types["image/jpeg"]["magic"] = [[{"offset": 0, "hex": "ff", "ascii": "x"}]]
    elif change == "past the window":
        types["image/webp"]["magic"][0][1]["offset"] = table["sniff_bytes"]
    elif change == "brand of three letters":
        types["image/avif"]["iso_bmff"]["brands"] = ["avi"]
    return spec


@pytest.mark.parametrize(
    "change",
    ["order", "missing type", "bad hex", "both ascii and hex", "past the window", "brand of three letters"],
)
def test_the_codegen_refuses_signatures_the_sniffer_could_not_honour(change: str) -> None:
    with pytest.raises(codegen.SpecError, match="x-image-skill-media-signatures"):
        codegen.media_signatures(_broken(change))
