"""The ``asset_previews`` table: the working copy of a large upload (``creative.pixels.prove``), a PNG
that edits and references decode instead of the original."""

from __future__ import annotations

import sqlite3


def insert_preview(conn: sqlite3.Connection, asset_id: str, data: bytes) -> None:
    conn.execute("INSERT OR IGNORE INTO asset_previews (asset_id, bytes) VALUES (?, ?)", (asset_id, data))


def preview(conn: sqlite3.Connection, asset_id: str) -> bytes | None:
    row = conn.execute("SELECT bytes FROM asset_previews WHERE asset_id = ?", (asset_id,)).fetchone()
    return bytes(row[0]) if row else None


def has_preview(conn: sqlite3.Connection, asset_id: str) -> bool:
    return conn.execute("SELECT 1 FROM asset_previews WHERE asset_id = ?", (asset_id,)).fetchone() is not None
