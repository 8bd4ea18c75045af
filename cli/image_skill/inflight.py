"""In-flight breadcrumbs: a live create or edit leaves a note that it may have spent, until it knows.

Before the blocking request of every live (not ``--dry-run``) create or edit, the CLI writes
``<config dir>/in-flight/<sanitized key>.json`` (0600, the directory 0700) and prints one line on
stderr, ``{"in_flight": {"command", "idempotency_key", "recover_command"}}`` (stdout stays the
envelope). The note is removed when the request succeeds or is refused for good (a non-retryable
failure); it stays after a retryable failure or an interrupt, so another process (``doctor``) can
finish the spend safely.

What it holds: the command label, the idempotency key, the base URL, the trace id, when it was
written, and ``recover_command``: the same request as a command line with the same key, which the
server answers with the original result (never a second job or debit). It never holds the prompt or
a token. The prompt is the one part of the request the replay cannot take from the note, so
``recover_command`` reads it from standard input (``--prompt-file -``): pipe in the original
prompt, exactly (a changed prompt is a different request, which the server refuses for that key:
``IDEMPOTENCY_KEY_CONFLICT``, nothing spent). Every image is named by the asset id it was
uploaded as, so nothing is uploaded again.

Writing the note is best effort: a config directory that cannot take it does not stop the spend
(the stderr line and the failure's recovery still carry the key). ``entries`` lists the notes for
``doctor`` (age, whether a sweep may remove them); ``sweep`` removes only those older than
``SWEEP_AFTER_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

#: What the note's ``schema`` says (a reader skips notes of another shape).
SCHEMA = "image-skill.in-flight.v1"
DIRECTORY = "in-flight"
#: Notes older than this may be swept (``doctor --sweep-in-flight``): long past any retry of the run.
SWEEP_AFTER_SECONDS = 7 * 24 * 3600
#: A note larger than this is not ours (never read whole).
MAX_NOTE_BYTES = 64 << 10


def directory(config_path: Path) -> Path:
    return config_path.parent / DIRECTORY


def file_name(key: str) -> str:
    """``<key>.json`` with anything but ``[A-Za-z0-9._-]`` replaced (and a hash of the key added then,
    so two keys never share a note)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key)[:128].lstrip(".") or "key"
    if safe != key:
        safe += "-" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:8]
    return safe + ".json"


@dataclass(frozen=True)
class Note:
    """One live spend: where its note is (None: it could not be written)."""

    path: Path | None

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def begin(
    config_path: Path, stderr: TextIO, *, command: str, key: str, recover_command: str, **facts: str
) -> Note:
    """Write the note (best effort) and print the ``in_flight`` line on ``stderr``."""
    shown = {"command": command, "idempotency_key": key, "recover_command": recover_command}
    note = {"schema": SCHEMA, **shown, **facts, "created_at": _iso(time.time())}
    path: Path | None = directory(config_path) / file_name(key)
    try:
        _write(directory(config_path) / file_name(key), note)
    except OSError:
        path = None
    line = json.dumps({"in_flight": shown}, ensure_ascii=False, separators=(",", ":"))
    print(line, file=stderr, flush=True)
    return Note(path)


def _write(path: Path, note: dict[str, Any]) -> None:
    from image_skill.config import make_directories

    make_directories(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(note, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _read(path: Path) -> dict[str, Any] | None:
    from image_skill.validate import loads_bounded

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_NOTE_BYTES + 1)
        note = loads_bounded(raw) if len(raw) <= MAX_NOTE_BYTES else None
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) and note.get("schema") == SCHEMA else None


def _notes(config_path: Path) -> list[Path]:
    try:
        found = sorted(directory(config_path).iterdir())
    except OSError:
        return []
    return [path for path in found if path.suffix == ".json" and not path.name.startswith(".")]


def entries(config_path: Path, now: float | None = None) -> list[dict[str, Any]]:
    """Every note, oldest first: command, key, age, whether a sweep may remove it, recover_command
    (null for a note that is not readable as ours)."""
    now = time.time() if now is None else now
    listed = []
    for path in _notes(config_path):
        try:
            written = path.lstat().st_mtime
        except OSError:
            continue
        note = _read(path) or {}
        age = max(0, int(now - written))
        listed.append(
            {
                "command": _text(note.get("command")),
                "idempotency_key": _text(note.get("idempotency_key")),
                "created_at": _text(note.get("created_at")) or _iso(written),
                "age_seconds": age,
                "state": "stale" if age >= SWEEP_AFTER_SECONDS else "outstanding",
                "sweep_eligible": age >= SWEEP_AFTER_SECONDS,
                "recover_command": _text(note.get("recover_command")),
                "file": path.name,
            }
        )
    return sorted(listed, key=lambda entry: -entry["age_seconds"])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def sweep(config_path: Path, now: float | None = None) -> list[str]:
    """Remove the notes a sweep may remove (``sweep_eligible``); the names of those removed."""
    removed = []
    for entry in entries(config_path, now):
        if entry["sweep_eligible"]:
            (directory(config_path) / entry["file"]).unlink(missing_ok=True)
            removed.append(entry["file"])
    return removed
