"""The pixel budget (issue 14 items 3 and 4): uploads are decoded whole once, so a truncated or
corrupt image is refused; one stored before that (or otherwise undecodable) is INPUT_POLICY_DENIED
wherever a job reads it (input, mask, reference), never a 500; decompression bombs are refused
from their header; large uploads get a working copy that edits decode instead; the in-flight
budget refuses fast when it cannot be had."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ERRORS, ErrorCode
from image_skill_mock import ids
from image_skill_mock.clock import timestamp, utc_now
from image_skill_mock.creative import pixels, png_rows
from image_skill_mock.errors import ApiError
from image_skill_mock.store.assets import NewAsset, StoredAsset, insert_asset

from .conftest import Api
from .uploading import encode, solid, upload, upload_body, working_copy

KLING = "fal.kling-image-o3-text-to-image"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def truncated_png(width: int = 1000, height: int = 1000, *, keep: int = 200) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` and whose image data (with valid CRCs, so
    ``verify()`` passes) is the first ``keep`` bytes of its compressed stream."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    rows = bytes(range(256)) * (height * (1 + width * 3) // 256 + 1)
    cut = zlib.compress(rows[: height * (1 + width * 3)])[:keep]
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", cut) + _chunk(b"IEND", b"")


def _policy_denied(answer: dict[str, Any]) -> None:
    assert not answer["ok"], answer
    assert answer["error"]["code"] == ErrorCode.INPUT_POLICY_DENIED, answer["error"]
    assert answer["status"] == ERRORS[ErrorCode.INPUT_POLICY_DENIED].http_status
    assert ERRORS[ErrorCode.INPUT_POLICY_DENIED].exit_code == 6


def _planted(api: Api, data: bytes, size: tuple[int, int]) -> str:
    """An asset stored as it was before uploads were decoded whole (the bytes as they came)."""
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    meta = StoredAsset(
        asset_id=ids.new_asset_id(), agent_id=agent_id, job_id=None, kind="uploaded", mime_type="image/png",
        extension="png", width=size[0], height=size[1], sha256=hashlib.sha256(data).hexdigest(),
        content_length=len(data), created_at=timestamp(utc_now()),
    )  # fmt: skip
    with storage.transaction() as conn:
        insert_asset(conn, NewAsset(meta, data))
    return meta.asset_id


def _quota(api: Api) -> dict[str, Any]:
    data: dict[str, Any] = api.request("GET", "/v1/quota")["data"]["limits"]
    return data


def test_a_truncated_png_claiming_1000x1000_is_refused_on_upload(api: Api) -> None:
    api.signup()
    data = truncated_png()
    assert len(data) == 257
    answer = api.request("POST", "/v1/upload", json=upload_body(data))
    _policy_denied(answer)
    assert "truncated or corrupt" in answer["error"]["message"]


@pytest.mark.parametrize("where", ["reference", "input", "mask"])
def test_an_undecodable_stored_image_is_input_policy_denied_wherever_it_is_read(api: Api, where: str) -> None:
    api.signup()
    broken = _planted(api, truncated_png(), (1000, 1000))
    before = _quota(api)
    if where == "reference":
        answer = api.create(
            model=KLING, references=[{"asset_id": broken, "role": "element_frontal", "index": 0}]
        )
    else:
        good = upload(api, solid((10, 120, 200), (1000, 1000)))
        assets = (
            {"input_asset_id": broken}
            if where == "input"
            else {"input_asset_id": good, "mask_asset_id": broken}
        )
        answer = api.request(
            "POST", "/v1/edit", json={"prompt": "make it dusk", "accept_unknown_cost": True, **assets}
        )
    _policy_denied(answer)
    assert _quota(api) == before  # nothing was debited


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = truncated_png(10_000, 10_000)  # claims 100 MP: never decoded
    with pytest.raises(pixels.Undecodable):
        pixels.decode(bomb, (64, 64))
    with pytest.raises(pixels.Undecodable):
        pixels.prove(bomb)


def test_a_large_upload_gets_a_working_copy_that_edits_decode(api: Api) -> None:
    api.signup()
    big = Image.new("RGB", (6000, 2000), (40, 120, 200))
    asset_id = upload(api, big, "WEBP")
    with working_copy(api, asset_id) as preview:
        assert preview.size[0] / preview.size[1] == pytest.approx(3, rel=0.01)
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    small = upload(api, solid((1, 2, 3)))
    with storage.reading() as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM asset_previews WHERE asset_id = ?", (small,)
        ).fetchone() == (0,)
    done = api.request(
        "POST", "/v1/edit", json={"prompt": "dusk", "input_asset_id": asset_id, "accept_unknown_cost": True}
    )
    assert done["ok"], done


def test_decode_reduces_to_the_size_drawn() -> None:
    data = encode(Image.new("RGB", (4000, 3000), (9, 9, 9)))
    decoded = pixels.decode(data, (500, 500))
    assert decoded.size == (667, 500)  # reduced by 6, the largest factor that keeps 500 x 500
    assert decoded.mode == "RGB"


def test_a_full_pixel_budget_refuses_fast_and_is_given_back() -> None:
    budget = pixels.Budget(100)
    with budget.held(80):
        with pytest.raises(ApiError) as refused, budget.held(30, wait=0):
            pass
        assert refused.value.code == ErrorCode.TIMEOUT
        with budget.held(20, wait=0):  # what is left can still be had
            pass
    with budget.held(10_000, wait=0):  # more than the whole budget holds all of it
        pass


def test_a_reference_colour_is_computed_once_per_content() -> None:
    data = encode(solid((200, 10, 10)))
    reads: list[int] = []

    def read() -> bytes:
        reads.append(1)
        return data

    key = hashlib.sha256(data).hexdigest() + "-test"
    first = pixels.colour(key, read)
    assert first == (200, 10, 10)
    assert pixels.colour(key, read) == first
    assert len(reads) == 1


# ------------------------------------------------------------------ a PNG that ends cleanly but short
def _png_with_rows(width: int, height: int, rows: int, *, mode: str = "RGB") -> bytes:
    """A PNG (via Pillow, so every other byte is right) whose compressed stream, re-made with valid
    CRCs and a clean zlib end, inflates to only the first ``rows`` of its filtered rows. (Pillow
    writes no interlaced PNG: those are made row by row in ``test_upload_proof``.)"""
    out = io.BytesIO()
    Image.new(mode, (width, height), 7).save(out, format="PNG")
    whole = out.getvalue()
    at = whole.index(b"IDAT") - 4
    header = whole[:at]
    data = whole[at + 8 : at + 8 + int.from_bytes(whole[at : at + 4], "big")]
    raw = zlib.decompress(data)
    keep = len(raw) if rows >= height else rows * (len(raw) // height)
    return header + _chunk(b"IDAT", zlib.compress(raw[:keep])) + _chunk(b"IEND", b"")


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1"])
def test_a_png_with_fewer_rows_than_its_header_is_refused_on_upload(api: Api, mode: str) -> None:
    api.signup()
    short = _png_with_rows(64, 40, 10, mode=mode)
    with Image.open(io.BytesIO(short)) as image:
        image.load()  # Pillow alone takes it as whole (the missing rows become zeros)
    assert png_rows.flaw(short) == "fewer rows than its header claims"
    _policy_denied(api.request("POST", "/v1/upload", json=upload_body(short)))


@pytest.mark.parametrize("mode", ["RGB", "P", "1", "RGBA"])
def test_a_whole_png_is_not_short(api: Api, mode: str) -> None:
    api.signup()
    whole = _png_with_rows(67, 41, 41, mode=mode)
    assert png_rows.flaw(whole) is None
    assert api.request("POST", "/v1/upload", json=upload_body(whole))["ok"]


def test_the_expected_size_follows_the_png_specification() -> None:
    assert png_rows.expected_bytes(3, 2, 8, 2, False) == 2 * (1 + 9)
    assert png_rows.expected_bytes(9, 1, 1, 0, False) == 1 + 2  # 9 one-bit pixels: two bytes
    # Adam7 on 1 x 1: only the first pass has a pixel.
    assert png_rows.expected_bytes(1, 1, 8, 6, True) == 1 + 4
