"""The mock under hostile load (issue #14 item 1): ``/healthz`` p99 while 45 clients keep sending the
issue's unauthenticated 93 KB feedback bodies (16,000 ``surface`` strings each) - and the same bodies
sent with one agent's token, which the server reads and validates (its admission and the validator's
bounds are what keep that cheap) - and the server's peak resident memory while six unauthenticated
36 MiB upload bodies are sent at once.

Latency is a probe on a fresh connection every few milliseconds (p99 of ``PROBES`` probes); memory
is the peak resident set (``VmHWM``, started over just before) - absolute, as the issue states it.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Callable

from bench.procs import Server, signup
from bench.stats import Budget, Row

MB = 1_000_000
HEALTH_P99_BUDGET = Budget(100, unit="ms")
UPLOAD_RSS_BUDGET = Budget(300, unit="MB")
ATTACKERS = 45
PROBES = 200
UPLOADS = 6
UPLOAD_BYTES = 36 << 20


def feedback_body() -> bytes:
    """The issue's repro: a feedback body whose ``surface`` holds 16,000 strings (~93 KB)."""
    surface = ",".join(['"cli"'] * 16_000)
    return (
        '{"type":"user_feedback","title":"t","severity":"low","confidence":"low","next_state":"watch",'
        f'"surface":[{surface}]}}'
    ).encode()


def _post(server: Server, path: str, body: bytes, *, length: int | None = None, token: str = "") -> None:
    """One POST of ``body`` (unauthenticated unless ``token``; announced as ``length`` bytes, sent as
    far as the server reads); the answer is read and dropped. Connection errors are the server
    refusing: fine."""
    auth = f"authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nhost: {server.host}\r\ncontent-type: application/json\r\n{auth}"
        f"content-length: {length if length is not None else len(body)}\r\nconnection: close\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection((server.host, server.port), timeout=30) as sock:
            sock.sendall(head)
            sent = 0
            total = length if length is not None else len(body)
            while sent < total:
                piece = body[: min(len(body), total - sent)]
                sock.sendall(piece)
                sent += len(piece)
            while sock.recv(65536):
                pass
    except OSError:
        pass


def _while(work: Callable[[], None], workers: int, during: Callable[[], None]) -> None:
    """Run ``work`` in a loop on ``workers`` threads while ``during()`` runs, then stop them."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            work()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    try:
        during()
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)


def _probe(server: Server) -> float:
    began = time.perf_counter()
    request = f"GET /healthz HTTP/1.1\r\nhost: {server.host}\r\nconnection: close\r\n\r\n".encode()
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    if not answer.startswith(b"HTTP/1.1 200"):
        return 30.0  # no answer counts as the probe's timeout
    return time.perf_counter() - began


def health_under_attack_row(server: Server, *, token: str = "") -> Row:
    body = feedback_body()
    latencies: list[float] = []

    def probes() -> None:
        time.sleep(1.0)  # let the attack build up
        for _ in range(PROBES):
            latencies.append(_probe(server))
            time.sleep(0.01)

    _while(lambda: _post(server, "/v1/feedback", body, token=token), ATTACKERS, probes)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    who = "one agent's" if token else "unauthenticated"
    return Row(
        f"GET /healthz p99 while {ATTACKERS} clients send {who} 93 KB feedback bodies",
        f"{p99:.1f} ms (median {statistics.median(latencies) * 1000:.1f} ms, {PROBES} probes)",
        budget=HEALTH_P99_BUDGET,
        figure=p99,
    )


def upload_memory_row(server: Server) -> Row:
    chunk = b"A" * (1 << 20)
    server.reset_peak()
    threads = [
        threading.Thread(target=_post, args=(server, "/v1/upload", chunk), kwargs={"length": UPLOAD_BYTES})
        for _ in range(UPLOADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    peak = server.peak()
    return Row(
        f"server peak RSS with {UPLOADS} unauthenticated 36 MiB uploads at once",
        f"{peak / MB:.0f} MB peak ({server.rss() / MB:.0f} MB after)",
        budget=UPLOAD_RSS_BUDGET,
        figure=peak / MB,
    )


def hostile_rows(server: Server) -> list[Row]:
    token, _ = signup(server.connect(), "hostile")
    return [
        health_under_attack_row(server),
        health_under_attack_row(server, token=token),
        upload_memory_row(server),
    ]
