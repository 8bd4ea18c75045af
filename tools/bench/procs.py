"""Processes the bench runs and watches: timed commands (wall and the child's own rusage) and servers
(their CPU clock and their resident memory, read from ``/proc``)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from bench.stats import Sample


class BenchError(RuntimeError):
    """Something could not be measured at all."""


@dataclass(frozen=True)
class Ran:
    wall: float
    cpu: float  # user + system seconds of the child (its own rusage, from wait4)
    peak_rss: int  # bytes: the child's peak resident set
    output: bytes  # stdout and stderr, interleaved


def run(argv: Sequence[str], env: Mapping[str, str], *, expect: int = 0) -> Ran:
    """Run ``argv`` with its output on a pipe; its wall time, CPU time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != expect:
        raise BenchError(f"{list(argv)} exited {proc.returncode}, not {expect}: {output[-2000:]!r}")
    return Ran(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, output)


#: Runs a command and prints its exit code, wall and CPU seconds and peak RSS (KiB). A child's peak
#: RSS counts what it inherited at fork, so the fork must come from this small process, not the bench.
_PEAK = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start,
      usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def run_for_peak(argv: Sequence[str], env: Mapping[str, str]) -> Ran:
    """As ``run``, with a true peak RSS (forked from a small launcher); the output is not kept."""
    fields = run([sys.executable, "-c", _PEAK, *argv], env).output.split()
    if int(fields[0]) != 0:
        raise BenchError(f"{list(argv)} exited {int(fields[0])}")
    return Ran(float(fields[1]), float(fields[2]), int(fields[3]) * 1024, b"")


def timed(argv: Sequence[str], env: Mapping[str, str], *, expect: int = 0) -> Sample:
    ran = run(argv, env, expect=expect)
    return Sample(ran.wall, ran.cpu)


def self_timed(argv: Sequence[str], env: Mapping[str, str]) -> Sample:
    """A process that times what it measures itself and prints it: ``wall cpu``, in seconds."""
    wall, cpu = (float(part) for part in run(argv, env).output.split())
    return Sample(wall, cpu)


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {field}")


class Server:
    """A server in a subprocess that prints ``{"base_url": ...}`` on its first line once it accepts."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv, env=None if env is None else dict(env),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            raise BenchError(f"{list(argv)} exited before it printed its base URL")
        self.base_url = str(json.loads(line)["base_url"])
        parts = urlsplit(self.base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.pid = self.proc.pid
        self._clock = ((~self.pid) << 3) | 2  # the process's CPU-time clock (clock_getcpuclockid)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def cpu(self) -> float:
        """CPU seconds the whole server process has used so far (every thread, living or gone)."""
        try:
            return time.clock_gettime(self._clock)
        except OSError:  # no per-process CPU clock: utime + stime, in clock ticks
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self) -> int:
        """Resident set, bytes."""
        return _status_kib(self.pid, "VmRSS") * 1024

    def reset_peak(self) -> None:
        """Start the peak RSS over from the current RSS (``clear_refs`` 5)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def peak(self) -> int:
        """Peak resident set since start or the last ``reset_peak``, bytes."""
        return _status_kib(self.pid, "VmHWM") * 1024

    def connect(self) -> Client:
        return Client(self)


def mock(db: Path, *extra: str) -> Server:
    """``image-skill-mock serve`` on a free loopback port, as the demo and the tests start it."""
    argv = [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--db", str(db), *extra]
    return Server(argv)


class Client:
    """One keep-alive connection to a server; each request is timed on the wall and the server's CPU."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=120)

    def close(self) -> None:
        self.conn.close()

    def call(
        self, method: str, path: str, *, token: str | None = None, body: Any = None
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        headers = {"accept": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read(), response.getheaders()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the connection while it sat idle (uvicorn's keep-alive timeout):
                # nothing was processed; one new connection.
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, *, token: str | None = None, body: Any = None) -> Any:
        status, payload, _ = self.call(method, path, token=token, body=body)
        if not 200 <= status < 300:
            raise BenchError(f"{method} {path} answered HTTP {status}: {payload[:500]!r}")
        return json.loads(payload)

    def sample(self, method: str, path: str, *, token: str | None = None, body: Any = None) -> Sample:
        """One request: its wall time and the server's CPU time over it."""
        cpu = self.server.cpu()
        start = time.perf_counter()
        self.json(method, path, token=token, body=body)
        wall = time.perf_counter() - start
        return Sample(wall, self.server.cpu() - cpu)


def signup(client: Client, name: str) -> tuple[str, str]:
    """A new agent on the server: its token and its agent id."""
    body = {"agent_contact": f"{name}@example.invalid", "agent_name": name, "return_token": True}
    data = client.json("POST", "/v1/agent-signups", body=body)["data"]
    return str(data["token"]), str(data["actor"]["actor_id"])
