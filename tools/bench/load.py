"""Server throughput (issues #5, #19): requests/s at 16 keep-alive connections of the mock against a
minimal Starlette app sending the same bytes on the same uvicorn, alternated window by window, and
the latency of one keep-alive connection (a ~40 ms figure means TCP_NODELAY is off).

The load generator is one thread multiplexing raw sockets (``selectors``): one request in flight
per connection, the next sent as soon as the answer is whole. Its own CPU share is recorded with
each window; near 1.0 the generator, not the server, set the pace.

These rows alone, against a mock started with any ``serve`` arguments (``--strict`` to see what the
response validation costs): ``cd tools && python -m bench.load [--rounds N] [--seconds S] [--strict]``.
"""

from __future__ import annotations

import base64
import json
import selectors
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import BenchError, Server
from bench.stats import Budget, Row, Sample, alternate, paired_row
from bench.wire import complete_response, request_bytes

PATHS = ("/v1/models", "/v1/whoami", "/healthz")
CONNECTIONS = 16
BUDGET = Budget(0.6, at_least=True)
#: The minimal app does a subset of the mock's work for the same bytes: the mock cannot be faster.
CEILING = 1.0
#: Headers the server makes per response; the minimal app's own uvicorn adds them.
PER_RESPONSE = {"date", "server", "content-length"}


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    server_cpu: float
    client_cpu: float

    def sample(self) -> Sample:
        """requests/s, with the server's CPU seconds per request."""
        return Sample(self.requests / self.seconds, self.server_cpu / max(self.requests, 1))


def _answer(sock: socket.socket, buffer: bytearray) -> int | None:
    """Read what is there; the status once a whole response is in (and drop it from ``buffer``)."""
    data = sock.recv(1 << 18)
    if not data:
        raise BenchError("the server closed a keep-alive connection")
    buffer += data
    found = complete_response(buffer)
    if found is None:
        return None
    status, length = found
    del buffer[:length]
    return status


def hammer(server: Server, request: bytes, *, connections: int, seconds: float) -> Load:
    """Keep ``connections`` keep-alive connections busy with ``request`` for ``seconds``."""
    selector = selectors.DefaultSelector()
    socks = []
    try:
        for _ in range(connections):
            sock = socket.create_connection((server.host, server.port), timeout=30)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, bytearray())
            socks.append(sock)
        cpu, client = server.cpu(), time.process_time()
        deadline = time.perf_counter() + seconds
        for sock in socks:
            sock.sendall(request)
        done, busy = 0, connections
        while busy:
            events = selector.select(timeout=30)
            if not events:
                raise BenchError("no answer within 30 s")
            for key, _ in events:
                status = _answer(key.fileobj, key.data)  # type: ignore[arg-type]
                if status is None:
                    continue
                if status != 200:
                    raise BenchError(f"HTTP {status} under load")
                if time.perf_counter() < deadline:
                    done += 1
                    key.fileobj.sendall(request)  # type: ignore[union-attr]
                else:
                    busy -= 1
        return Load(done, seconds, server.cpu() - cpu, time.process_time() - client)
    finally:
        selector.close()
        for sock in socks:
            sock.close()


def record(server: Server, token: str, path: Path) -> None:
    """The mock's answer to each of ``PATHS`` (status, headers, body) as the minimal app's fixture."""
    client = server.connect()
    fixture = {}
    for route in PATHS:
        status, body, headers = client.call("GET", route, token=token)
        kept = [(k, v) for k, v in headers if k.lower() not in PER_RESPONSE]
        fixture[route] = {"status": status, "headers": kept, "body": base64.b64encode(body).decode()}
    client.close()
    path.write_text(json.dumps(fixture), encoding="utf-8")


def minimal_app(fixture: Path) -> Server:
    return Server([sys.executable, str(Path(__file__).with_name("minimal_app.py")), str(fixture)])


def _same_bytes(mock: Server, minimal: Server, token: str) -> None:
    """The minimal app answers each path with a body as long as the mock's (trace ids differ)."""
    ours, theirs = mock.connect(), minimal.connect()
    for route in PATHS:
        mine, other = ours.call("GET", route, token=token), theirs.call("GET", route, token=token)
        if (mine[0], len(mine[1])) != (other[0], len(other[1])):
            raise BenchError(f"the minimal app's {route} is not the mock's")
    ours.close()
    theirs.close()


def throughput_rows(mock: Server, minimal: Server, token: str, *, rounds: int, seconds: float) -> list[Row]:
    _same_bytes(mock, minimal, token)
    auth = {"authorization": f"Bearer {token}"}
    rows = []
    for route in PATHS:
        loads: dict[str, list[Load]] = {"ours": [], "baseline": []}

        def window(
            server: Server, side: str, route: str = route, loads: dict[str, list[Load]] = loads
        ) -> Sample:
            request = request_bytes(server.host, server.port, route, auth)
            load = hammer(server, request, connections=CONNECTIONS, seconds=seconds)
            loads[side].append(load)
            return load.sample()

        for server in (mock, minimal):  # warm-up, unrecorded
            hammer(
                server,
                request_bytes(server.host, server.port, route, auth),
                connections=CONNECTIONS,
                seconds=0.3,
            )
        paired = alternate(
            lambda: window(mock, "ours"), lambda: window(minimal, "baseline"), rounds, warmup=0
        )
        row = paired_row(
            f"GET {route}: req/s at {CONNECTIONS} keep-alive connections vs minimal Starlette app",
            paired, budget=BUDGET, ceiling=CEILING, text=_rate_text,
        )  # fmt: skip
        share = {side: max(x.client_cpu / x.seconds for x in ls) for side, ls in loads.items()}
        row.details["load_generator_cpu_share_max"] = share  # ~1.0: the generator set the pace
        rows.append(row)
    rows.append(latency_row(mock, minimal, rounds=51))
    return rows


def _rate_text(sample: Sample) -> str:
    cpu = "" if sample.cpu is None else f" (cpu {sample.cpu * 1000:.2f} ms/req)"
    return f"{sample.value:,.0f} req/s{cpu}"


def latency_row(mock: Server, minimal: Server, *, rounds: int) -> Row:
    """``GET /v1/models`` on one keep-alive connection to each, request by request, alternately."""
    ours, theirs = mock.connect(), minimal.connect()
    paired = alternate(
        lambda: ours.sample("GET", "/v1/models"), lambda: theirs.sample("GET", "/v1/models"), rounds
    )
    ours.close()
    theirs.close()
    return paired_row(
        "GET /v1/models: one keep-alive connection, latency vs minimal app",
        paired, floor=1.0,
    )  # fmt: skip


def main(argv: list[str]) -> int:
    """``cd tools && python -m bench.load [--rounds N] [--seconds S] [SERVE-ARG ...]``: only these
    rows, against a mock started with the given ``serve`` arguments (e.g. ``--strict``)."""
    import argparse
    import tempfile

    from bench.procs import mock, signup
    from bench.stats import table

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=main.__doc__)
    parser.add_argument("--rounds", type=int, default=9, help="pairs of load windows per path")
    parser.add_argument("--seconds", type=float, default=0.7, help="seconds per load window")
    args, serve = parser.parse_known_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="image-skill-load-") as tmp,
        mock(Path(tmp) / "load.sqlite3", *serve) as server,
    ):
        token, _ = signup(server.connect(), "load")
        record(server, token, Path(tmp) / "fixture.json")
        with minimal_app(Path(tmp) / "fixture.json") as minimal:
            rows = throughput_rows(minimal=minimal, mock=server, token=token, **vars(args))
    print(table(rows))
    return 0


if __name__ == "__main__":  # run as ``python -m bench.load`` from tools/
    sys.exit(main(sys.argv[1:]))
