"""A recording HTTP proxy in front of the kit's mock: it sees what a client sends and can lose answers.

``lose_creates = N`` forwards the next N creates to the server and answers each with a 500
``INTERNAL_ERROR`` envelope instead of the server's answer (as if the answer was lost on the way):
a client that retries must reuse the idempotency key, or the server makes a second job.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from image_skill_api.constants import EXIT_CODE_HEADER
from image_skill_api.envelope import envelope, new_trace_id
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ERRORS, ErrorCode

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "upgrade",
    "content-length",
}


@dataclass
class Proxy:
    upstream: str
    create_keys: list[str | None] = field(default_factory=list)  # each create's idempotency key, in order
    seen_tokens: set[str] = field(default_factory=set)  # every bearer token a client sent
    lose_creates: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Proxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                status, reply_headers, payload = proxy.handle(self.command, self.path, headers, body)
                self.send_response(status)
                for key, value in reply_headers:
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        creating = method == "POST" and urlsplit(path).path == OPERATIONS["createImage"].path
        with self.lock:
            bearer = next((v for k, v in headers.items() if k.lower() == "authorization"), "").partition(" ")[
                2
            ]
            if bearer:
                self.seen_tokens.add(bearer)
            if creating:
                self.create_keys.append(_key(body))
            lose = creating and self.lose_creates > 0
            if lose:
                self.lose_creates -= 1
        target = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=120)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            reply = (response.status, response.getheaders(), response.read())
        finally:
            conn.close()
        return _lost() if lose else reply


def _key(body: bytes) -> str | None:
    try:
        key = json.loads(body).get("idempotency_key")
    except (ValueError, AttributeError):
        return None
    return key if isinstance(key, str) else None


def _lost() -> tuple[int, list[tuple[str, str]], bytes]:
    code = ErrorCode.INTERNAL_ERROR
    error = {
        "code": str(code),
        "message": "The answer was lost on the way (the kit's proxy).",
        "retryable": ERRORS[code].retryable,
    }
    body = envelope(ok=False, command=OPERATIONS["createImage"].command, trace_id=new_trace_id(), error=error)
    headers = [("content-type", "application/json"), (EXIT_CODE_HEADER, str(int(ERRORS[code].exit_code)))]
    return 500, headers, json.dumps(body).encode()
