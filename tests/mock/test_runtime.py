"""The server's runtime against hostile clients (issue #14): connection deadlines, envelopes where
uvicorn would answer plain text, SIGTERM whatever clients hold, no litter in $TMPDIR, a bounded log
under fd exhaustion. Real server processes (or a real uvicorn in a thread, where a deadline is
shortened for the test); every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from image_skill_api.registry import EXIT_CODE_HEADER, ErrorCode
from image_skill_mock.app import Settings, create_app
from image_skill_mock.http import protocol, server

from .conftest import LiveServer
from .test_hostile import check_envelope, connect, read_response, request_head, signup


@contextmanager
def threaded_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The real runtime (``http.server``) serving a fresh app from a thread of this process."""
    app = create_app(Settings(db_path=tmp_path / "threaded.sqlite3", public_base_url="http://127.0.0.1"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    ready = threading.Event()
    runner = server.make(app, ready.set)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert ready.wait(30), "the server did not start"
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        runner.should_exit = True
        thread.join(30)
        app.state.storage.close()


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, object]]:
    status, headers, body = read_response(sock)
    return status, headers, check_envelope(status, headers, body)


def _closed(sock: socket.socket) -> bool:
    """Whether the peer closed the connection (within 10 s)."""
    ready, _, _ = select.select([sock], [], [], 10)
    try:
        return bool(ready) and sock.recv(1) == b""
    except ConnectionResetError:
        return True


# ------------------------------------------------------------ deadlines
@pytest.mark.parametrize("sent", [b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1"])
def test_a_silent_or_trickled_head_is_cut_off_with_an_envelope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sent: bytes
) -> None:
    monkeypatch.setattr(protocol, "HEADER_SECONDS", 0.3)
    with threaded_server(tmp_path) as address, socket.create_connection(address, timeout=15) as sock:
        sock.sendall(sent)
        status, headers, envelope = _answer(sock)
        assert status == 408
        assert envelope["error"]["code"] == ErrorCode.REQUEST_TIMEOUT  # type: ignore[index]
        assert headers["connection"] == "close"
        assert _closed(sock)


def test_a_trickled_body_is_cut_off_with_an_envelope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protocol, "BODY_GRACE_SECONDS", 0.2)
    monkeypatch.setattr(protocol, "CHECK_SECONDS", 0.1)
    with threaded_server(tmp_path) as address, socket.create_connection(address, timeout=15) as sock:
        sock.sendall(request_head("/v1/agent-signups", length=1000) + b'{"agent_name":')
        status, _, envelope = _answer(sock)
        assert status == 408
        assert envelope["error"]["code"] == ErrorCode.REQUEST_TIMEOUT  # type: ignore[index]
        assert _closed(sock)


def test_a_keep_alive_connection_is_not_cut_off_between_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(protocol, "HEADER_SECONDS", 0.3)
    with threaded_server(tmp_path) as address, socket.create_connection(address, timeout=15) as sock:
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, envelope = _answer(sock)
            assert (status, envelope["ok"]) == (200, True)
            time.sleep(0.5)  # idle longer than the head deadline: only uvicorn's keep-alive governs idling


def test_a_websocket_upgrade_is_answered_as_the_plain_request_it_also_is(tmp_path: Path) -> None:
    """The service speaks no WebSocket: an upgrade request gets the request's own envelope (uvicorn
    answered a bare 403 without one while it had a WebSocket library)."""
    upgrade = b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    key = b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    with threaded_server(tmp_path) as address, socket.create_connection(address, timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + upgrade + key + b"\r\n")
        status, headers, envelope = _answer(sock)
    assert (status, envelope["ok"], headers[EXIT_CODE_HEADER]) == (200, True, "0")


# ---------------------------------------------- protocol errors are envelopes
@pytest.mark.parametrize(
    "raw",
    [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",  # a NUL in a header
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"POST /v1/agent-signups HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"POST /v1/agent-signups HTTP/1.1\r\nHost: x\r\nContent-Length: +29\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n",  # a 1 MB header
        b"GET /h\xe9althz HTTP/1.1\r\nHost: x\r\n\r\n",  # a target that is not ASCII
    ],
    ids=["nul", "tls", "negative-length", "plus-length", "huge-header", "latin1-target"],
)
def test_requests_that_are_not_http_get_an_envelope(
    live_server: Callable[..., LiveServer], raw: bytes
) -> None:
    server_ = live_server()
    with connect(server_) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)  # the server may answer and close before the rest is sent
        status, headers, envelope = _answer(sock)
    assert status == 400
    assert envelope["error"]["code"] == ErrorCode.INVALID_ARGUMENTS  # type: ignore[index]
    assert int(headers[EXIT_CODE_HEADER]) == 2
    assert "Traceback" not in server_.stderr_path.read_text()


# ---------------------------------------------------- auth before the body
def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(
    live_server: Callable[..., LiveServer],
) -> None:
    server_ = live_server()
    with connect(server_) as sock:
        sock.sendall(request_head("/v1/upload", length=36 * 1024 * 1024) + b'{"filename":"x.png"')
        status, headers, envelope = _answer(sock)  # answered with 36 MiB still unsent
        assert status == 401
        assert envelope["error"]["code"] == ErrorCode.AUTH_REQUIRED  # type: ignore[index]
        assert headers["connection"] == "close"


def test_an_anonymous_body_is_held_to_the_anonymous_limit(live_server: Callable[..., LiveServer]) -> None:
    from image_skill_api.constants import LIMIT_MAX_ANONYMOUS_BODY_BYTES

    server_ = live_server()
    padding = "x" * LIMIT_MAX_ANONYMOUS_BODY_BYTES
    body = {"agent_contact": "a@example.com", "agent_name": "a", "runtime": padding}
    response = requests.post(f"{server_.base_url}/v1/agent-signups", json=body, timeout=30)
    envelope = check_envelope(response.status_code, dict(response.headers), response.content)
    assert envelope["error"]["code"] == ErrorCode.REQUEST_TOO_LARGE
    token = signup(server_.base_url)  # the same size with a token is read and validated
    response = requests.post(
        f"{server_.base_url}/v1/create",
        json={"prompt": "x", "model_parameters": {"seed": 1}, "style": padding},
        headers={"authorization": f"Bearer {token}"},
        timeout=30,
    )
    envelope = check_envelope(response.status_code, dict(response.headers), response.content)
    assert envelope["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


# ----------------------------------------------------- SIGTERM and litter
#: Runs ``image-skill-mock`` with at most N open files (``python -c LIMITED N ARGS...``).
LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_NOFILE, (n, n));"
    " os.execv(sys.executable, [sys.executable, '-m', 'image_skill_mock', *sys.argv[2:]])"
)


def _serve(tmp_path: Path, *args: str, limit_files: int = 0) -> tuple[subprocess.Popen[str], str]:
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    argv = [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", *args]
    if limit_files:
        argv = [sys.executable, "-c", LIMITED, str(limit_files), *argv[3:]]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=(tmp_path / "serve.stderr").open("w"), text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )  # fmt: skip
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    assert line, (tmp_path / "serve.stderr").read_text()[-2000:]
    return proc, str(json.loads(line)["base_url"])


def test_sigterm_ends_the_server_whatever_clients_hold_and_removes_its_throwaway_db(tmp_path: Path) -> None:
    proc, base_url = _serve(tmp_path)
    try:
        assert list((tmp_path / "tmp").glob("image-skill-mock-*"))  # the throwaway database
        host, port = base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=15) as half:
            half.sendall(request_head("/v1/agent-signups", length=1000) + b'{"agent_')
            time.sleep(0.3)  # the head has been read: the body is what the server waits for
            proc.terminate()
            assert proc.wait(timeout=10) == 0
            status, _, envelope = _answer(half)
        assert status == 503
        assert envelope["error"]["code"] == ErrorCode.SERVER_BUSY  # type: ignore[index]
    finally:
        proc.kill()
        proc.wait()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert "Traceback" not in (tmp_path / "serve.stderr").read_text()


def test_serve_with_a_db_makes_no_temporary_directory(tmp_path: Path) -> None:
    proc, _ = _serve(tmp_path, "--db", str(tmp_path / "kept.sqlite3"))
    try:
        assert list((tmp_path / "tmp").iterdir()) == []
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
    assert (tmp_path / "kept.sqlite3").is_file()


# --------------------------------------------------------- fd exhaustion
def test_fd_exhaustion_logs_a_few_lines_not_a_traceback_flood_and_recovers(tmp_path: Path) -> None:
    proc, base_url = _serve(tmp_path, "--db", str(tmp_path / "fd.sqlite3"), limit_files=64)
    host, port = base_url.removeprefix("http://").split(":")
    held: list[socket.socket] = []
    try:
        for _ in range(150):  # more than the server has descriptors for
            sock = socket.create_connection((host, int(port)), timeout=15)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # half a head
            held.append(sock)
        time.sleep(2.5)  # let the server hit its limit over and over
        for sock in held:
            sock.close()
        held.clear()
        answered = None
        for _ in range(100):  # healthz answers again once the sockets are gone
            try:
                answered = requests.get(f"{base_url}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        assert answered is not None
        assert answered.status_code == 200
    finally:
        for sock in held:
            sock.close()
        proc.terminate()
        proc.wait(timeout=15)
    log = (tmp_path / "serve.stderr").read_text()
    assert "Traceback" not in log
    assert len(log.splitlines()) < 20, log[-2000:]


def test_the_log_limiter_lets_one_line_through_per_interval() -> None:
    import logging

    now = [0.0]
    limiter = server.OncePerInterval(1.0, clock=lambda: now[0])

    def record(message: str) -> logging.LogRecord:
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, sys.exc_info())

    passed = []
    for step in range(1000):
        now[0] = step * 0.005  # 1000 records in 5 seconds
        entry = record("socket.accept() out of system resource")
        if limiter.filter(entry):
            passed.append(entry)
    assert len(passed) == 5
    assert all(entry.exc_info is None for entry in passed)
    assert "199 similar lines dropped" in passed[1].getMessage()
