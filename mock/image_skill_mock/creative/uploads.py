"""POST /v1/upload: client-read image bytes become an owned ``uploaded`` asset.

The server never fetches a URL and never trusts what the client declares: the base64 body is
decoded strictly, its length and sha256 must equal ``content_length`` and ``sha256``, its type is
re-sniffed from the bytes (``sniff.sniff``: bytes of no supported type are refused; a declared
``mime_type`` that disagrees is stored as the sniffed type, with a warning string and
``upload.declared_mime_type`` in the answer, since clients declare the type from a file's
extension) and its width and height are re-measured from the image's own header
(``sniff.measure``), bounded by the spec's ``x-image-skill-limits`` (``upload_max_side_px``,
``upload_max_pixels``).

An upload is one ``completed`` job of operation ``upload`` (capability ``UPLOAD_CAPABILITY_ID``)
holding the asset: it debits nothing and does not count toward the daily job cap. The job, the
asset and its ``asset.uploaded`` event are stored in one transaction. Uploads are content-addressed
per agent: the same bytes again answer with the asset already stored (nothing new is stored), so a
retried ``edit --input ./file --idempotency-key K`` sends the same asset ids, hence the same body.
Responses and messages never echo the bytes, base64, a local path or a full URL (the request echo
is the base name and the remote origin the client sent, which the spec's patterns already bound).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from decimal import Decimal
from typing import Any, Final

from image_skill_api.registry import ActivityEventType, ErrorCode
from image_skill_mock import ids
from image_skill_mock.clock import timestamp
from image_skill_mock.creative import pricing, shapes, sniff
from image_skill_mock.errors import ApiError
from image_skill_mock.http import validation
from image_skill_mock.http.call import Call
from image_skill_mock.http.lifted import Base64Text
from image_skill_mock.ledger import activity
from image_skill_mock.ledger.credits import day_of
from image_skill_mock.store.assets import NewAsset, StoredAsset, insert_asset
from image_skill_mock.store.jobs import insert_job

#: The capability id an upload job reports (uploads run no model).
UPLOAD_CAPABILITY_ID: Final = "is.image.upload.v1"
UPLOAD_KIND: Final = "uploaded"
SUPPORTED: Final = "PNG, JPEG, WebP, GIF or AVIF"


def _policy(message: str) -> ApiError:
    return ApiError(ErrorCode.INPUT_POLICY_DENIED, message)


def decode(body: dict[str, Any]) -> tuple[bytes | memoryview, str]:
    """The uploaded bytes and their sha256, proven to be what the request declares (length, digest).
    A large upload's base64 arrives lifted out of the body (``http.lifted``): decoded in place."""
    text = body["bytes_base64"]
    data: bytes | memoryview
    try:
        if isinstance(text, Base64Text):
            data, digest = text.decode()
        else:
            data = base64.b64decode(text, validate=True)
            digest = hashlib.sha256(data).hexdigest()
    except (binascii.Error, ValueError):
        raise ApiError(ErrorCode.UPLOAD_BYTES_MISMATCH, "bytes_base64 is not valid padded base64.") from None
    if len(data) != body["content_length"]:
        raise ApiError(
            ErrorCode.UPLOAD_BYTES_MISMATCH,
            f"The decoded bytes are {len(data)} bytes long, not the declared content_length"
            f" {body['content_length']}; nothing was stored.",
        )
    if digest != body["sha256"]:
        raise ApiError(
            ErrorCode.UPLOAD_BYTES_MISMATCH,
            "The decoded bytes do not match the declared sha256; nothing was stored.",
        )
    return data, digest


def inspect(data: bytes | memoryview) -> tuple[str, sniff.Measured]:
    """The sniffed MIME type and measured size, or INPUT_POLICY_DENIED."""
    mime_type = sniff.sniff(bytes(data[: sniff.SNIFF_BYTES]))
    if mime_type is None:
        raise _policy(f"The bytes are not an image type uploads accept ({SUPPORTED}); nothing was stored.")
    bounds = validation.limits()
    max_side, max_pixels = int(bounds["upload_max_side_px"]), int(bounds["upload_max_pixels"])
    try:
        return mime_type, sniff.measure(data, mime_type, max_side=max_side, max_pixels=max_pixels)
    except sniff.TooLarge:
        raise _policy(
            f"The image is larger than uploads accept (at most {max_side} px a side and"
            f" {max_pixels} pixels); nothing was stored."
        ) from None
    except sniff.Unreadable:
        raise _policy(f"The bytes are not a decodable {mime_type} image; nothing was stored.") from None


def _declared(call: Call, declared: str, sniffed: str) -> str:
    """The declared type; when the bytes say otherwise, a warning (the asset is stored as ``sniffed``)."""
    if declared != sniffed:
        call.warnings.append(
            f"The bytes are {sniffed}, not the declared {declared}; the asset is stored as {sniffed}."
        )
    return declared


def upload(call: Call) -> dict[str, Any]:
    agent = call.require_agent()
    body = call.body or {}
    data, digest = decode(body)
    mime_type, size = inspect(data)
    declared = _declared(call, body["mime_type"], mime_type)
    request = {
        "source_kind": body["source_kind"],
        "filename": body["filename"],
        "remote_origin": body["remote_origin"],
    }
    known = call.storage.uploaded_asset(agent.agent_id, body["sha256"], mime_type)
    if known is not None:
        return answer(request, known, call.base_url, declared)
    now = call.now()
    stamp = timestamp(now)
    job_id = ids.new_id("JobId")
    meta = StoredAsset(
        asset_id=ids.new_asset_id(),
        agent_id=agent.agent_id,
        job_id=job_id,
        kind=UPLOAD_KIND,
        mime_type=mime_type,
        extension=sniff.EXTENSIONS[mime_type],
        width=size.width,
        height=size.height,
        sha256=digest,
        content_length=len(data),
        created_at=stamp,
    )
    asset = shapes.asset_object(meta, call.base_url)
    free = pricing.credit_pricing(Decimal(0), 1, confidence="known")
    job = shapes.job(
        job_id=job_id,
        verb="upload",
        trace_id=call.trace_id,
        stamp=stamp,
        capability_id=UPLOAD_CAPABILITY_ID,
        cost=shapes.cost(free),
        assets=[asset],
        plan=None,
    )
    uploaded = activity.event(
        ActivityEventType.ASSET_UPLOADED,
        agent_id=agent.agent_id,
        subject_id=meta.asset_id,
        summary=f"Uploaded a {mime_type} input asset ({size.width}x{size.height}).",
        status="available",
        occurred_at=stamp,
        trace_id=call.trace_id,
        links={"job_id": job_id, "asset_ids": [meta.asset_id], "usage_event_id": None},
    )
    with call.storage.transaction() as conn:
        insert_job(
            conn, agent_id=agent.agent_id, job=job, day=day_of(now), counts_toward_daily_cap=False, debit=0
        )
        insert_asset(conn, NewAsset(meta, data))
        activity.add(conn, uploaded)
    return answer(request, meta, call.base_url, declared)


def answer(request: dict[str, Any], meta: StoredAsset, base_url: str, declared: str) -> dict[str, Any]:
    """``UploadData``: the request echo (base name and origin only), the asset, the upload facts."""
    return {
        "request": request,
        "asset": shapes.asset_object(meta, base_url),
        "upload": {
            "bytes": meta.content_length,
            "mime_type": meta.mime_type,
            "declared_mime_type": declared,
            "sha256": meta.sha256,
            "policy": {"status": "allowed"},
        },
    }
