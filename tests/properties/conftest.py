"""A recording HTTP server: answers every request with a NOT_FOUND envelope and remembers it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER, ErrorCode


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    base_url: str
    requests: list[Recorded] = field(default_factory=list)


@pytest.fixture(scope="session")
def recorder() -> Iterator[Recorder]:
    spec = ERRORS[ErrorCode.NOT_FOUND]
    payload = json.dumps(
        {
            "ok": False,
            "command": "image-skill",
            "trace_id": "trace_0123456789abcdef",
            "actor": None,
            "data": None,
            "warnings": [],
            "error": {"code": ErrorCode.NOT_FOUND.value, "message": "recorded", "retryable": False},
        }
    ).encode()
    state = Recorder(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            path, _, query = self.path.partition("?")
            state.requests.append(
                Recorded(self.command, path, query, {k.lower(): v for k, v in self.headers.items()},
                         self.rfile.read(length))
            )  # fmt: skip
            self.send_response(spec.http_status or 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.send_header(EXIT_CODE_HEADER, str(int(spec.exit_code)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
