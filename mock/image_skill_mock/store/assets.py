"""The ``assets`` table: asset metadata and bytes (a BLOB), owned by an agent."""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass


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
    data: bytes


#: Asset metadata columns (a constant: never built from input).
_COLUMNS = ", ".join(
    [
        *("asset_id", "agent_id", "job_id", "kind", "mime_type", "extension"),
        *("width", "height", "sha256", "content_length", "created_at"),
    ]
)


def insert_asset(conn: sqlite3.Connection, asset: NewAsset) -> None:
    conn.execute(
        f"INSERT INTO assets ({_COLUMNS}, bytes) VALUES ({', '.join('?' * 12)})",  # noqa: S608
        (*astuple(asset.meta), asset.data),
    )


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


def media(conn: sqlite3.Connection, asset_id: str, extension: str) -> tuple[str, bytes] | None:
    """The bytes behind a capability URL (no owner check: the URL is the capability)."""
    row = conn.execute(
        "SELECT mime_type, bytes FROM assets WHERE asset_id = ? AND extension = ?", (asset_id, extension)
    ).fetchone()
    return (str(row[0]), bytes(row[1])) if row else None
