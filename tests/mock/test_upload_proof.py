"""How an upload is proved whole without holding its pixels (issue 19 item 3): a PNG by inflating
its data a piece at a time (``png_rows.flaw``: missing rows, an unknown row filter, a corrupt zlib
stream), a JPEG by decoding every block at a reduced scale; either refused as Pillow's full decode
would refuse it, and a large one still given its working copy."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from image_skill_api.registry import ErrorCode
from image_skill_mock.creative import pixels, png_rows

from .conftest import Api
from .uploading import MIME, encode, upload, upload_body, working_copy


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png(
    rows: bytes, width: int, height: int, *, interlaced: bool = False, stream: bytes | None = None
) -> bytes:
    """An 8-bit RGB PNG of these filtered ``rows`` (or of this zlib ``stream``), with valid CRCs."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1 if interlaced else 0)
    data = zlib.compress(rows) if stream is None else stream
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _rows(width: int, height: int, filters: list[int]) -> bytes:
    return b"".join(bytes([filters[y % len(filters)]]) + bytes(range(width * 3)) for y in range(height))


def _refused(api: Api, data: bytes, mime_type: str = "image/png") -> dict[str, Any]:
    answer = api.request("POST", "/v1/upload", json=upload_body(data, mime_type))
    assert not answer["ok"], answer
    assert answer["error"]["code"] == ErrorCode.INPUT_POLICY_DENIED, answer["error"]
    assert "truncated or corrupt" in answer["error"]["message"]
    return answer


def _pillow_refuses(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image, pytest.raises(OSError):
        image.load()


@pytest.mark.parametrize("bad_row", [0, 5, 19])
def test_a_png_row_with_a_filter_type_png_does_not_define_is_refused(api: Api, bad_row: int) -> None:
    api.signup()
    filters = [(y % 5) if y != bad_row else 5 for y in range(20)]
    data = _png(_rows(30, 20, filters), 30, 20)
    _pillow_refuses(data)
    assert png_rows.flaw(data) == "a row's filter type is not one PNG defines"
    _refused(api, data)


def _adam7_rows(width: int, height: int) -> list[bytes]:
    """The filtered rows (filter 0, grey-blue pixels) of an interlaced 8-bit RGB image, pass by pass."""
    rows = []
    for x0, y0, dx, dy in png_rows.ADAM7:
        columns, count = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and count > 0:
            rows += [b"\0" + bytes((90, 100, 140)) * columns] * count
    return rows


def test_an_interlaced_png_is_checked_pass_by_pass(api: Api) -> None:
    api.signup()
    rows = _adam7_rows(13, 11)
    whole = _png(b"".join(rows), 13, 11, interlaced=True)
    with Image.open(io.BytesIO(whole)) as image:
        assert image.info.get("interlace") == 1
        image.load()
        assert image.getpixel((12, 10)) == (90, 100, 140)
    assert png_rows.flaw(whole) is None
    assert api.request("POST", "/v1/upload", json=upload_body(whole))["status"] == 201
    broken = _png(b"".join(rows[:-1]) + b"\7" + rows[-1][1:], 13, 11, interlaced=True)
    _pillow_refuses(broken)
    assert png_rows.flaw(broken) == "a row's filter type is not one PNG defines"
    short = _png(b"".join(rows[:-1]), 13, 11, interlaced=True)
    assert png_rows.flaw(short) == "fewer rows than its header claims"
    _refused(api, broken)
    _refused(api, short)


def test_a_png_whose_zlib_checksum_is_wrong_is_refused(api: Api) -> None:
    api.signup()
    stream = bytearray(zlib.compress(_rows(30, 20, [0, 1, 2])))
    stream[-1] ^= 0xFF  # the Adler-32 at the end of the stream
    data = _png(b"", 30, 20, stream=bytes(stream))
    _pillow_refuses(data)
    assert png_rows.flaw(data) == "the compressed image data is corrupt"
    _refused(api, data)


def test_a_png_upload_needing_no_working_copy_is_never_decoded(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Image.Image) -> Any:
        raise AssertionError("a PNG upload was decoded")

    api.signup()
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", refuse)
    data = encode(Image.new("RGB", (pixels.PREVIEW_LONG_EDGE, 300), (5, 6, 7)))
    answer = api.request("POST", "/v1/upload", json=upload_body(data))
    assert answer["status"] == 201, answer
    assert answer["data"]["asset"]["width"] == pixels.PREVIEW_LONG_EDGE


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_a_truncated_jpeg_is_refused(api: Api, keep: float) -> None:
    api.signup()
    whole = encode(Image.effect_noise((900, 700), 60).convert("RGB"), "JPEG")
    _refused(api, whole[: int(len(whole) * keep)], MIME["JPEG"])


def test_a_large_jpeg_gets_its_working_copy_at_a_reduced_scale(api: Api) -> None:
    api.signup()
    asset_id = upload(api, Image.new("RGB", (9000, 1500), (200, 30, 90)), "JPEG")
    with working_copy(api, asset_id) as preview:
        assert preview.size[0] / preview.size[1] == pytest.approx(6, rel=0.01)
        centre = preview.convert("RGB").getpixel((preview.width // 2, preview.height // 2))
        assert centre == pytest.approx((200, 30, 90), abs=8)
