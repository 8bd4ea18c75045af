"""Edits of one huge image (issue 14 item 3): the server's peak resident set while one agent (the
default daily cap of 4) sends 8 concurrent edits of a 12000 x 4166 lossless WebP (a ~2 KB file
of 50 MP), and the wall time until all 8 are answered (done or refused).

The image is uploaded first (its one full decode, outside the figure); the peak is the server's
``VmHWM`` started over from its RSS just before the edits, so it is the whole process's resident
set while they run (budget 600 MB), and all 8 must be answered within 10 s.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from bench.procs import BenchError, Client, Server, mock, signup
from bench.stats import Budget, Row

MB = 1_000_000
SIZE = (12000, 4166)
EDITS = 8
RSS_BUDGET = Budget(600, unit="MB")
TIME_BUDGET = Budget(10, unit="s")


def huge_webp() -> bytes:
    """A lossless WebP of ``SIZE``: a few kilobytes that decode to 50 megapixels."""
    out = io.BytesIO()
    Image.new("RGB", SIZE, (40, 120, 200)).save(out, format="WEBP", lossless=True)
    return out.getvalue()


def _upload(client: Client, token: str, data: bytes) -> str:
    body = {
        "source_kind": "local_path", "filename": "huge.webp", "remote_origin": None,
        "mime_type": "image/webp", "content_length": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "bytes_base64": base64.b64encode(data).decode(),
    }  # fmt: skip
    return str(client.json("POST", "/v1/upload", token=token, body=body)["data"]["asset"]["asset_id"])


def _edit(server: Server, token: str, asset_id: str) -> int:
    client = server.connect()
    try:
        body: Any = {"prompt": "make it dusk", "input_asset_id": asset_id, "accept_unknown_cost": True}
        status, _, _ = client.call("POST", "/v1/edit", token=token, body=body)
    finally:
        client.close()
    return status


def edit_rows(tmp: Path) -> list[Row]:
    with mock(tmp / "edits.sqlite3") as server:
        client = server.connect()
        token, _ = signup(client, "edits")
        asset_id = _upload(client, token, huge_webp())
        client.close()
        idle = server.rss()
        server.reset_peak()
        start = time.perf_counter()
        with ThreadPoolExecutor(EDITS) as pool:
            statuses = list(pool.map(lambda _: _edit(server, token, asset_id), range(EDITS)))
        wall = time.perf_counter() - start
        peak = server.peak()
    if any(status >= 500 for status in statuses):
        raise BenchError(f"an edit of the huge WebP failed: HTTP {statuses}")
    done = sum(1 for status in statuses if status < 300)
    answered = f"{done} done, {EDITS - done} refused"
    return [
        Row(
            f"{EDITS} concurrent edits of a 12000x4166 WebP: server peak RSS",
            f"{peak / MB:.0f} MB ({idle / MB:.0f} MB idle; {answered})",
            "one agent, daily cap 4",
            figure=peak / MB,
            budget=RSS_BUDGET,
        ),
        Row(
            f"{EDITS} concurrent edits of a 12000x4166 WebP: time until all are answered",
            f"{wall:.1f} s ({answered})",
            figure=wall,
            budget=TIME_BUDGET,
        ),
    ]
