"""Hypothesis properties of the streamed upload body (``image_skill.media.UploadBody``): whatever the
bytes and however the transport reads it, it is exactly the JSON ``UploadRequest`` it stands for,
its declared length is its real length, and the sniffer agrees with the signatures it knows."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from image_skill.media import BLOCK, UploadBody, sniff

FIELDS = {
    "source_kind": "local_path",
    "filename": 's\u00e9ance "1".png',
    "remote_origin": None,
    "mime_type": "image/png",
    "content_length": 0,
    "sha256": "0" * 64,
}


@settings(max_examples=60, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=2048), st.integers(BLOCK - 4, BLOCK + 4).map(lambda n: b"\xab" * n)),
    reads=st.lists(st.integers(1, 70_000), min_size=1, max_size=8),
)
def test_the_stream_is_the_json_body_it_declares(data: bytes, reads: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bytes"
        path.write_bytes(data)
        fields = {**FIELDS, "sha256": hashlib.sha256(data).hexdigest()}  # the stream checks what it sends
        body = UploadBody(dict(fields), path, len(data))
        stream = body.open_stream()
        chunks, turn = [], 0
        while chunk := stream.read(reads[turn % len(reads)]):
            assert len(chunk) <= reads[turn % len(reads)]
            chunks.append(chunk)
            turn += 1
        sent = b"".join(chunks)
    assert len(sent) == len(stream) == body.encoded_length
    assert json.loads(sent) == {**fields, "bytes_base64": base64.b64encode(data).decode()}
    assert dict(body) == fields  # as a Mapping it holds the small fields only


@given(st.binary(max_size=64))
def test_the_sniffer_names_only_the_signatures_it_knows(head: bytes) -> None:
    mime = sniff(head)
    assert mime is None or (
        (mime == "image/png" and head.startswith(b"\x89PNG\r\n\x1a\n"))
        or (mime == "image/jpeg" and head.startswith(b"\xff\xd8\xff"))
        or (mime == "image/webp" and head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (mime == "image/gif" and head[:6] in (b"GIF87a", b"GIF89a"))
        or (mime == "image/avif" and head[4:8] == b"ftyp")
    )
