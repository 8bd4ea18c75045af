"""``sniffing.py``: the one image sniffer, from ``x-image-skill-media-signatures``."""

from __future__ import annotations

from typing import Any

from .common import SpecError

WHERE = "x-image-skill-media-signatures"


def magic_bytes(part: dict[str, Any], mime_type: str) -> tuple[int, bytes]:
    """One ``{offset, ascii|hex}`` of a type's magic, as ``(offset, bytes)``."""
    offset, text = part.get("offset"), part.get("ascii", part.get("hex"))
    if len({"ascii", "hex"} & part.keys()) != 1 or type(offset) is not int or offset < 0:
        raise SpecError(f"{WHERE} {mime_type}: a magic part is an `offset` and one of `ascii`, `hex`: {part}")
    try:
        value = text.encode("ascii") if "ascii" in part else bytes.fromhex(text)
    except (AttributeError, TypeError, UnicodeEncodeError, ValueError):
        raise SpecError(f"{WHERE} {mime_type}: {text!r} is not ascii or hex bytes") from None
    if not value:
        raise SpecError(f"{WHERE} {mime_type}: a magic part has no bytes")
    return offset, value


def magic(types: dict[str, Any]) -> dict[str, tuple[tuple[tuple[int, bytes], ...], ...]]:
    """MIME type -> its magic alternatives, each a non-empty tuple of ``(offset, bytes)``."""
    found = {
        mime_type: tuple(tuple(magic_bytes(part, mime_type) for part in parts) for parts in row["magic"])
        for mime_type, row in types.items()
        if "magic" in row
    }
    if not all(alternatives and all(alternatives) for alternatives in found.values()):
        raise SpecError(f"{WHERE}: a type's magic is a non-empty list of non-empty alternatives")
    return found


def iso_bmff(types: dict[str, Any]) -> dict[str, Any]:
    """The ISO-BMFF box layout the ``iso_bmff`` types share, and their brands by MIME type."""
    boxes = {mime_type: row["iso_bmff"] for mime_type, row in types.items() if "iso_bmff" in row}
    layouts = [{key: value for key, value in box.items() if key != "brands"} for box in boxes.values()]
    if not layouts or any(layout != layouts[0] for layout in layouts):
        raise SpecError(f"{WHERE}: the ISO-BMFF types share one box layout (and there is one at least)")
    try:
        brands = {
            mime_type: tuple(b.encode("ascii") for b in box["brands"]) for mime_type, box in boxes.items()
        }
        box_type = layouts[0]["box_type"].encode("ascii")
    except (AttributeError, UnicodeEncodeError):
        raise SpecError(f"{WHERE}: box types and brands are ASCII") from None
    if len(box_type) != 4 or not all(len(brand) == 4 for row in brands.values() for brand in row):
        raise SpecError(f"{WHERE}: an ISO-BMFF box type or brand is four ASCII characters")
    return {**layouts[0], "box_type": box_type, "brands": brands}


def media_signatures(spec: dict[str, Any]) -> dict[str, Any]:
    """``x-image-skill-media-signatures``, checked, as the values of ``sniffing.py.jinja``: the types are
    ``UploadMimeType``'s in its order, the magic ones first (``sniff`` tries them first), and every
    byte the sniffer compares lies within ``sniff_bytes``."""
    table = spec[WHERE]
    types, sniff_bytes = table["types"], table["sniff_bytes"]
    if list(types) != list(spec["components"]["schemas"]["UploadMimeType"]["enum"]):
        raise SpecError(f"{WHERE}: the types are UploadMimeType's, in its order")
    if sum(1 for row in types.values() if ("magic" in row) == ("iso_bmff" in row)):
        raise SpecError(f"{WHERE}: each type has either `magic` or `iso_bmff`")
    kinds = ["magic" in row for row in types.values()]
    if kinds != sorted(kinds, reverse=True):
        raise SpecError(f"{WHERE}: the magic types come first (sniff tries them first), then ISO-BMFF ones")
    values = {"sniff_bytes": sniff_bytes, "magic": magic(types), "iso_bmff": iso_bmff(types)}
    ends = [
        offset + len(value) for alts in values["magic"].values() for parts in alts for offset, value in parts
    ]
    box = values["iso_bmff"]
    ends += [box["box_type_offset"] + 4, box["major_brand_offset"] + 4, box["compatible_brands_offset"] + 4]
    if type(sniff_bytes) is not int or max(ends) > sniff_bytes:
        raise SpecError(f"{WHERE}: every byte the sniffer compares lies within sniff_bytes ({sniff_bytes})")
    return values
