"""Helpers for the upload, edit and reference tests: real images, uploaded through the real endpoint."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from PIL import Image

from .conftest import Api

MIME = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def upload_body(data: bytes, mime_type: str = "image/png", **overrides: Any) -> dict[str, Any]:
    return {
        "source_kind": "local_path",
        "filename": "source.png",
        "remote_origin": None,
        "mime_type": mime_type,
        "content_length": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes_base64": base64.b64encode(data).decode(),
        **overrides,
    }


def upload(api: Api, image: Image.Image, fmt: str = "PNG", *, token: str | None = None) -> str:
    """Upload ``image`` (as ``fmt``); its new asset id."""
    body = api.request("POST", "/v1/upload", json=upload_body(encode(image, fmt), MIME[fmt]), token=token)
    assert body["status"] == 201, body
    asset_id: str = body["data"]["asset"]["asset_id"]
    return asset_id


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (400, 400)) -> Image.Image:
    return Image.new("RGB", size, colour)


def fetch(api: Api, url: str) -> Image.Image:
    """The image behind an owned media URL of the test server."""
    response = api.client.get(url.replace("http://testserver", ""))
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.content))


def working_copy(api: Api, asset_id: str) -> Image.Image:
    """The working copy stored for an upload (``asset_previews``), opened and checked to fit
    ``pixels.PREVIEW_LONG_EDGE``."""
    from image_skill_mock.creative import pixels

    storage = api.client.app.state.storage  # type: ignore[attr-defined]
    with storage.reading() as conn:
        (copy,) = conn.execute("SELECT bytes FROM asset_previews WHERE asset_id = ?", (asset_id,)).fetchone()
    preview = Image.open(io.BytesIO(copy))
    assert max(preview.size) <= pixels.PREVIEW_LONG_EDGE
    return preview
