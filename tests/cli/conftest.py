"""CLI unit-test harness: in-process ``main`` with injected IO (every run checked against the output
rules), a scripted local HTTP server, and a ``Transport`` built with plain values."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

import pytest

from image_skill.auth import Credential
from image_skill.config import DEFAULT_READ_TIMEOUT
from image_skill.envelope import new_trace_id
from image_skill.main import main
from image_skill.transport.api import Transport

from .output_rules import check_output

TOKEN = "isk_r_unit_test_token_abcdefghijklmnop"
#: A complete signup command line (its token is saved by default).
SIGNUP = ("signup", "--agent", "--agent-contact", "a@example.com", "--agent-name", "n")


def envelope(data: Any = None, *, ok: bool = True, error: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "ok": ok,
        "command": "image-skill",
        "trace_id": "trace_0123456789abcdef",
        "actor": None,
        "data": data if ok else None,
        "warnings": [],
        "error": error,
    }


@dataclass
class Reply:
    """One scripted reply. ``declared_length`` -1 sends no content-length (the body ends at close);
    ``dribble`` sends the body one byte every that many seconds (``dribble_head``: the status line
    and headers too); ``drop`` closes the connection once the request is read, with no answer."""

    status: int = 200
    body: bytes | dict[str, Any] = field(default_factory=envelope)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declared_length: int | None = None
    dribble: float = 0.0
    dribble_head: bool = False
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Script:
    """Replies by (method, path-without-query); a list of replies is consumed in order."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.seen: list[Seen] = []

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def next(self, method: str, path: str) -> Reply:
        replies = self.routes.get((method, path))
        if not replies:
            return Reply(
                404, envelope(ok=False, error={"code": "NOT_FOUND", "message": "no", "retryable": False})
            )
        return replies.pop(0) if len(replies) > 1 else replies[0]


def _handler(script: Script, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            script.seen.append(
                Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            reply = script.next(self.command, path)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.delay:
                stop.wait(reply.delay)
            raw = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            declared = reply.declared_length if reply.declared_length is not None else len(raw)
            if reply.dribble_head:
                head = [f"HTTP/1.0 {reply.status} Scripted", *(f"{k}: {v}" for k, v in reply.headers.items())]
                head += [f"content-length: {declared}"] if declared >= 0 else []
                self._dribble(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + raw, reply.dribble)
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if declared >= 0:
                self.send_header("content-length", str(declared))
            self.end_headers()
            if reply.dribble:
                self._dribble(raw, reply.dribble)
                return
            try:
                self.wfile.write(raw)
            except OSError:  # the client gave up (a reply over its limit, a deadline) and closed
                self.close_connection = True

        def _dribble(self, raw: bytes, interval: float) -> None:
            for index in range(len(raw)):
                if stop.is_set():
                    return
                try:
                    self.wfile.write(raw[index : index + 1])
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up and closed the connection
                stop.wait(interval)

        do_GET = do_POST = _serve

    return Handler


@contextmanager
def _scripted_server() -> Iterator[tuple[str, Script]]:
    script = Script()
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script, stop))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)  # fast shutdown
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def http() -> Iterator[tuple[str, Script]]:
    with _scripted_server() as served:
        yield served


@pytest.fixture
def other_http() -> Iterator[tuple[str, Script]]:
    """A second scripted server: another origin (for redirects that must not be followed)."""
    with _scripted_server() as served:
        yield served


@dataclass
class Run:
    code: int
    envelope: dict[str, Any]
    stdout: str
    stderr: str

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.envelope["error"]
        return error

    @property
    def data(self) -> Any:
        return self.envelope["data"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run_cli(home: Path) -> Callable[..., Run]:
    """Runs ``main`` in-process; every run is checked against the output rules (``output_rules``)."""

    def run(*argv: str, env: dict[str, str] | None = None, stdin: str | TextIO = "") -> Run:
        stdout, stderr = io.StringIO(), io.StringIO()
        environment = {"IMAGE_SKILL_CONFIG_PATH": str(home / "cfg" / "config.json"), "HOME": str(home)}
        environment.update(env or {})
        stream = io.StringIO(stdin) if isinstance(stdin, str) else stdin
        code = main(list(argv), env=environment, stdin=stream, stdout=stdout, stderr=stderr)
        parsed = check_output(argv, code, stdout.getvalue(), stderr.getvalue())
        return Run(code, parsed, stdout.getvalue(), stderr.getvalue())

    return run


def transport(base: str, *, read_timeout: float = DEFAULT_READ_TIMEOUT) -> tuple[Transport, list[float]]:
    """A ``Transport`` to ``base`` that sends ``TOKEN``, and the delays it slept (it never sleeps)."""
    slept: list[float] = []
    client = Transport(
        base,
        credential=lambda: Credential(TOKEN, "env"),
        read_timeout=read_timeout,
        trace_id=new_trace_id(),
        sleep=slept.append,
    )
    return client, slept


@pytest.fixture
def closed_port() -> str:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
