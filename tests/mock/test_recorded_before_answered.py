"""A request's access-log line and journal entry are written before its answer's last byte leaves.

A client (or a CI suite) that has read a whole answer and then reads the access log or asks
``/_mock/journal`` for the trace must find the request there: the records are not written after
the answer, where they would race the client. The app is driven over raw ASGI and the check runs
inside ``send``, at the moment the last body message is handed to the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from image_skill_mock.app import Settings, create_app
from image_skill_mock.http import access_log
from image_skill_mock.store import harness

from .conftest import asgi_request

TRACE = "trace_0123456789abcdef"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    saved = (access_log.LOGGER.handlers[:], access_log.LOGGER.level, access_log.LOGGER.propagate)
    path = tmp_path / "access.log"
    try:
        access_log.configure("info", str(path))
        yield path
    finally:
        access_log.LOGGER.handlers[:], access_log.LOGGER.level, access_log.LOGGER.propagate = saved


def _answer(app: Any, path: str, seen_at_last_byte: Any) -> list[dict[str, Any]]:
    """One GET over ASGI; ``seen_at_last_byte()`` is called when the last body message is sent."""

    def observe(message: dict[str, Any]) -> dict[str, Any]:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            return {**message, "seen": seen_at_last_byte()}
        return message

    headers = [(b"host", b"127.0.0.1:8000"), (b"x-image-skill-trace-id", TRACE.encode())]
    return asgi_request(app, "GET", path, headers, observe=observe)


@pytest.mark.parametrize("path", ["/healthz", "/nowhere"])
def test_the_log_line_and_the_journal_entry_exist_when_the_last_byte_is_sent(
    tmp_path: Path, log_file: Path, path: str
) -> None:
    settings = Settings(strict=True, control=True, public_base_url="http://t", db_path=tmp_path / "m")
    app = create_app(settings)

    def seen() -> tuple[list[str], list[str]]:
        lines = log_file.read_text(encoding="utf-8").splitlines() if log_file.exists() else []
        with app.state.storage.reading() as conn:
            entries = harness.journal(conn, trace_id=TRACE, agent_id=None, limit=10)
        return [json.loads(line)["trace_id"] for line in lines], [e["route"] for e in entries]

    try:
        sent = _answer(app, path, seen)
    finally:
        app.state.jobs.stop()
    [last] = [m for m in sent if m["type"] == "http.response.body" and not m.get("more_body", False)]
    logged, journaled = last["seen"]
    assert logged == [TRACE]
    assert journaled == (["/healthz"] if path == "/healthz" else [None])
