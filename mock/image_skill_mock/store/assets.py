"""The ``assets`` table: asset metadata and bytes (a BLOB), owned by an agent.

The bytes are written and read in pieces (``sqlite3.Blob``): a large asset is never held whole to
store it or to serve it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredAsset:
    asset_id: str
    agent_id: str
    job_id: str | None
    kind: str
    mime_type: str
    extension: str
    width: int | None
    height: int | None
    sha256: str
    content_length: int
    created_at: str


@dataclass(frozen=True)
class NewAsset:
    meta: StoredAsset
    data: bytes | memoryview


#: The piece of an asset's bytes written or read at a time.
PIECE = 1 << 20


#: Asset metadata columns (a constant: never built from input).
_COLUMNS = ", ".join(
    [
        *("asset_id", "agent_id", "job_id", "kind", "mime_type", "extension"),
        *("width", "height", "sha256", "content_length", "created_at"),
    ]
)


def insert_asset(conn: sqlite3.Connection, asset: NewAsset) -> None:
    """The asset's row, then its bytes written into it a piece at a time (SQLite never assembles a
    record holding them all)."""
    view = memoryview(asset.data).cast("B")
    cursor = conn.execute(
        f"INSERT INTO assets ({_COLUMNS}, bytes) VALUES ({', '.join('?' * 11)}, zeroblob(?))",  # noqa: S608
        (*astuple(asset.meta), len(view)),
    )
    assert cursor.lastrowid is not None
    with conn.blobopen("assets", "bytes", cursor.lastrowid) as blob:
        for offset in range(0, len(view), PIECE):
            blob.write(view[offset : offset + PIECE])


def asset(conn: sqlite3.Connection, agent_id: str, asset_id: str) -> StoredAsset | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM assets WHERE agent_id = ? AND asset_id = ?",  # noqa: S608
        (agent_id, asset_id),
    ).fetchone()
    return StoredAsset(*row) if row else None


def uploaded_asset(
    conn: sqlite3.Connection, agent_id: str, sha256: str, mime_type: str
) -> StoredAsset | None:
    """The agent's earlier upload of the same bytes, if any (uploads are content-addressed)."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM assets WHERE agent_id = ? AND kind = 'uploaded'"  # noqa: S608
        " AND sha256 = ? AND mime_type = ? ORDER BY created_at LIMIT 1",
        (agent_id, sha256, mime_type),
    ).fetchone()
    return StoredAsset(*row) if row else None


def asset_bytes(conn: sqlite3.Connection, agent_id: str, asset_id: str) -> bytes | None:
    """The bytes of one of the agent's assets (an edit's input, mask or reference)."""
    row = conn.execute(
        "SELECT bytes FROM assets WHERE agent_id = ? AND asset_id = ?", (agent_id, asset_id)
    ).fetchone()
    return bytes(row[0]) if row else None


@dataclass(frozen=True)
class Media:
    """Where the bytes behind a capability URL are: their type, length and the asset's row."""

    mime_type: str
    length: int
    rowid: int


def media(conn: sqlite3.Connection, asset_id: str, extension: str) -> Media | None:
    """The bytes behind a capability URL, found but not read (no owner check: the URL is the capability)."""
    row = conn.execute(
        "SELECT mime_type, length(bytes), rowid FROM assets WHERE asset_id = ? AND extension = ?",
        (asset_id, extension),
    ).fetchone()
    return Media(str(row[0]), int(row[1]), int(row[2])) if row else None


def read_media(path: Path, rowid: int) -> Iterator[bytes]:
    """An asset's bytes, ``PIECE`` at a time, through one blob handle on a read-only connection of
    the download's own (no lock shared with requests; the handle keeps its place in the row's
    overflow pages, so reading on costs the same at any offset). Closed when the reader stops."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        with conn.blobopen("assets", "bytes", rowid, readonly=True) as blob:
            while piece := blob.read(PIECE):
                yield piece
    finally:
        conn.close()
