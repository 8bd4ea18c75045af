"""POST /v1/upload: bytes become an owned `uploaded` asset, re-sniffed and re-measured; refusals
store nothing."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ErrorCode

from .conftest import Api
from .uploading import MIME, encode, upload_body


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (its pixel data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _assets(api: Api) -> int:
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    with storage.transaction() as conn:
        return int(conn.execute("SELECT COUNT(*) FROM assets").fetchone()[0])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "AVIF"])
def test_every_supported_type_is_stored_sniffed_and_measured(api: Api, fmt: str) -> None:
    api.signup()
    data = encode(Image.new("RGB", (321, 123), (10, 200, 30)), fmt)
    body = upload_body(data, MIME[fmt], filename=f"photo.{fmt.lower()}")
    answer = api.request("POST", "/v1/upload", json=body)
    assert answer["status"] == 201, answer
    data_out = answer["data"]
    assert data_out["request"] == {
        "source_kind": "local_path",
        "filename": f"photo.{fmt.lower()}",
        "remote_origin": None,
    }
    asset = data_out["asset"]
    assert asset["kind"] == "uploaded"
    assert (asset["mime_type"], asset["width"], asset["height"]) == (MIME[fmt], 321, 123)
    assert asset["content_length"] == len(data) == data_out["upload"]["bytes"]
    assert data_out["upload"] == {
        "bytes": len(data),
        "mime_type": MIME[fmt],
        "declared_mime_type": MIME[fmt],
        "sha256": hashlib.sha256(data).hexdigest(),
        "policy": {"status": "allowed"},
    }
    served = api.client.get(asset["url"].replace("http://testserver", ""))
    assert served.content == data  # the exact bytes, behind the owned URL
    assert base64.b64encode(data).decode() not in str(answer)


def test_an_upload_is_a_free_job_with_an_asset_uploaded_event(api: Api) -> None:
    api.signup()
    before = api.request("GET", "/v1/quota")["data"]
    answer = api.request("POST", "/v1/upload", json=upload_body(encode(Image.new("RGB", (50, 40)))))["data"]
    asset_id, job_id = answer["asset"]["asset_id"], answer["asset"]["job_id"]
    job = api.request("GET", f"/v1/jobs/{job_id}")["data"]["job"]
    assert (job["operation"], job["status"]) == ("upload", "completed")
    assert [a["asset_id"] for a in job["assets"]] == [asset_id]
    assert job["cost"]["credit_pricing"]["credits_required"] == 0
    shown = api.request("GET", f"/v1/assets/{asset_id}")["data"]["asset"]
    assert (shown["kind"], shown["width"], shown["height"]) == ("uploaded", 50, 40)
    after = api.request("GET", "/v1/quota")["data"]
    assert after["limits"]["remaining_credits"] == before["limits"]["remaining_credits"]
    assert after["daily_jobs"]["remaining"] == before["daily_jobs"]["remaining"]  # not a creative job
    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    events = storage.activity(agent_id, limit=10, ref=asset_id)
    assert [e["type"] for e in events] == ["asset.uploaded"]
    assert events[0]["links"] == {"job_id": job_id, "asset_ids": [asset_id], "usage_event_id": None}


def test_a_remote_upload_echoes_the_origin_only(api: Api) -> None:
    api.signup()
    data = encode(Image.new("RGB", (20, 20)))
    body = upload_body(
        data, source_kind="remote_url", remote_origin="https://images.example.com", filename="a.png"
    )
    answer = api.request("POST", "/v1/upload", json=body)["data"]
    assert answer["request"]["remote_origin"] == "https://images.example.com"
    bad = api.request(
        "POST", "/v1/upload", json={**body, "remote_origin": "https://images.example.com/a.png"}
    )
    assert bad["error"]["code"] == ErrorCode.INVALID_ARGUMENTS  # a full URL is never accepted
    assert api.request("POST", "/v1/upload", json={**body, "filename": "dir/a.png"})["status"] == 400


def _refusal(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    before = _assets(api)
    answer = api.request("POST", "/v1/upload", json=body)
    assert not answer["ok"]
    assert _assets(api) == before, "a refused upload stored something"
    error: dict[str, Any] = answer["error"]
    return error


def test_bytes_that_are_no_supported_image_are_input_policy_denied(api: Api) -> None:
    api.signup()
    for data in (b"%PDF-1.7 not an image", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"BM" + b"\0" * 60):
        error = _refusal(api, upload_body(data, "image/png"))
        assert error["code"] == ErrorCode.INPUT_POLICY_DENIED
        assert "PNG, JPEG, WebP, GIF or AVIF" in error["message"]


def test_a_declared_type_that_disagrees_is_stored_as_the_sniffed_one_with_a_warning(api: Api) -> None:
    api.signup()
    data = encode(Image.new("RGB", (10, 10)), "JPEG")
    answer = api.request("POST", "/v1/upload", json=upload_body(data, "image/png", filename="photo.png"))
    assert answer["status"] == 201, answer
    assert answer["data"]["asset"]["mime_type"] == "image/jpeg"
    assert answer["data"]["asset"]["url"].endswith(".jpg")
    assert answer["data"]["upload"]["mime_type"] == "image/jpeg"
    assert answer["data"]["upload"]["declared_mime_type"] == "image/png"  # the fact, in data
    [warning] = answer["warnings"]
    assert isinstance(warning, str)
    assert "image/jpeg, not the declared image/png" in warning
    again = api.request("POST", "/v1/upload", json=upload_body(data, "image/jpeg"))
    assert again["data"]["asset"]["asset_id"] == answer["data"]["asset"]["asset_id"]  # the same bytes
    assert again["warnings"] == []


def test_a_signature_over_garbage_is_refused(api: Api) -> None:
    api.signup()
    error = _refusal(api, upload_body(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20))
    assert error["code"] == ErrorCode.INPUT_POLICY_DENIED
    assert "decodable" in error["message"]


def test_images_larger_than_the_limits_are_refused_from_their_header(api: Api) -> None:
    api.signup()
    for width, height in ((12001, 10), (8000, 8000)):
        error = _refusal(api, upload_body(_png_header(width, height)))
        assert error["code"] == ErrorCode.INPUT_POLICY_DENIED
        assert "larger than uploads accept" in error["message"]


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"content_length": 999}, "not the declared content_length"),
        ({"sha256": "0" * 64}, "do not match the declared sha256"),
        ({"bytes_base64": "not base64!!"}, "not valid padded base64"),
        ({"bytes_base64": "iVBORw0KGgo"}, "not valid padded base64"),  # missing padding
    ],
)
def test_length_digest_and_encoding_must_agree(api: Api, override: dict[str, Any], fragment: str) -> None:
    api.signup()
    body = upload_body(encode(Image.new("RGB", (10, 10))), **override)
    error = _refusal(api, body)
    assert error["code"] == ErrorCode.UPLOAD_BYTES_MISMATCH
    assert fragment in error["message"]


def test_upload_needs_a_token(api: Api) -> None:
    body = upload_body(encode(Image.new("RGB", (10, 10))))
    assert api.request("POST", "/v1/upload", json=body)["error"]["code"] == ErrorCode.AUTH_REQUIRED


def test_uploaded_gif_frames_and_alpha_survive_byte_for_byte(api: Api) -> None:
    api.signup()
    frames = [Image.new("RGBA", (30, 20), (255, 0, 0, 128)), Image.new("RGBA", (30, 20), (0, 0, 255, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    asset = api.request("POST", "/v1/upload", json=upload_body(data, "image/gif"))["data"]["asset"]
    assert asset["url"].endswith(".gif")
    assert api.client.get(asset["url"].replace("http://testserver", "")).content == data


def test_uploads_are_content_addressed_per_agent(make_api: Any) -> None:
    api = make_api()
    api.signup("first")
    data = encode(Image.new("RGB", (64, 48), (1, 2, 3)))
    one = api.request("POST", "/v1/upload", json=upload_body(data, filename="a.png"))["data"]
    again = api.request("POST", "/v1/upload", json=upload_body(data, filename="b.png"))["data"]
    assert again["asset"] == one["asset"]  # the same bytes: the asset already stored
    assert again["request"]["filename"] == "b.png"  # the echo is this request's
    storage = api.client.app.state.storage
    agent_id = api.request("GET", "/v1/whoami")["actor"]["actor_id"]
    events = storage.activity(agent_id, limit=10, ref=one["asset"]["asset_id"])
    assert [e["type"] for e in events] == ["asset.uploaded"]  # nothing new was stored
    api.signup("second")
    theirs = api.request("POST", "/v1/upload", json=upload_body(data))["data"]
    assert theirs["asset"]["asset_id"] != one["asset"]["asset_id"]  # never another agent's asset
