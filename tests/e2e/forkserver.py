"""A fork server for the end-to-end tests' CLI runs: each run is its own process, started in a few
milliseconds instead of a fresh interpreter's ~200 ms of start-up and imports.

The server (this file run as a script) imports the CLI once (with ``requests`` and every module of
``image_skill``) and then waits. For each run, the test process sends the argv, environment and
working directory over a Unix socket, with four file descriptors (``SCM_RIGHTS``): the child's stdin,
stdout and stderr pipes and a status pipe. The server forks; the child takes the pipes as fds 0-2,
the environment (``os.environ``, so what it spawns gets it too), the directory and ``sys.argv``, and
calls the console script's own entry point (``image_skill.main:run``). The server reaps each child
and writes its wait status to that run's status pipe, so the test sees the exit code (or the signal)
exactly as ``subprocess.run`` reports it.

What a fresh interpreter reads at start-up is the one difference, so a run whose environment changes
a ``PYTHON*``, ``LC_*`` or ``LANG`` variable is spawned as a real process (``needs_spawn``), and so
is every run when ``IMAGE_SKILL_TEST_SPAWN=1``. ``test_forkserver.py`` runs the same commands both
ways and compares the answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

#: Environment variables a fresh interpreter reads at start-up (a run changing one is spawned).
STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG")
_HEADER = struct.Struct(">I")


def needs_spawn(env: Mapping[str, str]) -> bool:
    """Whether a run with ``env`` must be a fresh interpreter: one of its start-up variables differs
    from this process's (the fork server started with this process's environment)."""
    if os.environ.get("IMAGE_SKILL_TEST_SPAWN") == "1":
        return True
    names = {name for name in [*env, *os.environ] if name.startswith(STARTUP_PREFIXES)}
    return any(env.get(name) != os.environ.get(name) for name in names)


class ForkServer:
    """The test side: starts the server on first use; ``run`` is ``subprocess.run`` for one CLI run."""

    def __init__(self, script: str) -> None:
        self._script = script
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.mkdtemp(prefix="image-skill-forkserver-")
        self._path = os.path.join(self._dir, "socket")

    def _started(self) -> str:
        with self._lock:
            if self._process is None:
                ready_r, ready_w = os.pipe()
                self._process = subprocess.Popen(
                    [sys.executable, __file__, self._path, self._script, str(ready_w)],
                    stdin=subprocess.PIPE,  # its end closing tells the server to stop
                    pass_fds=(ready_w,),
                )
                os.close(ready_w)
                with os.fdopen(ready_r, "rb") as ready:
                    if ready.read() != b"ready":
                        raise RuntimeError("the CLI fork server did not start")
            return self._path

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)
        Path(self._path).unlink(missing_ok=True)
        os.rmdir(self._dir)

    def run(
        self, argv: list[str], *, env: Mapping[str, str], cwd: Path, stdin: str | None, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI with ``argv`` as a forked child: its exit code, stdout and stderr (text)."""
        (in_r, in_w), (out_r, out_w), (err_r, err_w), (status_r, status_w) = (os.pipe() for _ in range(4))
        child_fds = [in_r, out_w, err_w, status_w]
        request = json.dumps({"argv": argv, "env": dict(env), "cwd": str(cwd)}).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self._started())
            socket.send_fds(conn, [_HEADER.pack(len(request))], child_fds)
            conn.sendall(request)
            for fd in child_fds:
                os.close(fd)
            pid = int(_read_all(conn))
        return _collect(pid, in_w, (out_r, err_r, status_r), stdin, timeout, argv)


def _read_all(conn: socket.socket) -> bytes:
    parts = []
    while part := conn.recv(65536):
        parts.append(part)
    return b"".join(parts)


def _collect(
    pid: int, stdin_w: int, readers: tuple[int, int, int], stdin: str | None, timeout: float, argv: list[str]
) -> subprocess.CompletedProcess[str]:
    """Feed stdin, read stdout, stderr and the wait status to their ends (killing the child at
    ``timeout``, as ``subprocess.run`` does, and raising ``TimeoutExpired``)."""
    writer = threading.Thread(target=_feed, args=(stdin_w, (stdin or "").encode()), daemon=True)
    writer.start()
    out: dict[int, list[bytes]] = {fd: [] for fd in readers}
    with selectors.DefaultSelector() as selector:
        for fd in readers:
            selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        try:
            while selector.get_map():
                ready = selector.select(max(0.0, deadline - time.monotonic()))
                if not ready:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(argv, timeout)
                for key, _ in ready:
                    data = os.read(key.fd, 65536)
                    if data:
                        out[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
        finally:
            for fd in readers:
                os.close(fd)
    writer.join()
    stdout, stderr, status = (b"".join(out[fd]) for fd in readers)
    code = os.waitstatus_to_exitcode(int(status))
    return subprocess.CompletedProcess(
        argv, code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    )


def _feed(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    except BrokenPipeError:
        pass  # the child did not read its stdin


# ----------------------------------------------------------------------------------- the server
def _serve(path: str, script: str, ready_fd: int) -> None:
    sys.path[0] = str(Path(script).parent)  # as the console script's own directory
    import pkgutil

    import requests  # noqa: F401 - imported once, before any fork

    import image_skill

    for module in pkgutil.walk_packages(image_skill.__path__, "image_skill."):
        if module.name != "image_skill.__main__":
            # (an optional extra that is absent: the run imports it, and fails, as it would)
            with contextlib.suppress(ImportError):
                __import__(module.name)
    statuses: dict[int, int] = {}  # child pid -> its status pipe

    def reap(signum: int, frame: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = statuses.pop(pid, None)
            if fd is not None:
                with contextlib.suppress(OSError):  # (the test side stopped reading: a timeout)
                    os.write(fd, str(status).encode())
                os.close(fd)

    signal.signal(signal.SIGCHLD, reap)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(64)
        os.write(ready_fd, b"ready")
        os.close(ready_fd)
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(sys.stdin, selectors.EVENT_READ)  # EOF: the test process is done
            while True:
                events = [key.fileobj for key, _ in selector.select()]
                if sys.stdin in events:
                    return
                conn, _ = listener.accept()
                with conn:
                    _start_one(conn, listener, script, statuses)


def _start_one(conn: socket.socket, listener: socket.socket, script: str, statuses: dict[int, int]) -> None:
    header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 4)
    (length,) = _HEADER.unpack(header)
    body = b""
    while len(body) < length:
        body += conn.recv(length - len(body))
    request = json.loads(body)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # the pid is recorded before it is reaped
    pid = os.fork()
    if pid == 0:
        _child(request, fds, script, [conn, listener])
    statuses[pid] = os.dup(fds[3])
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    for fd in fds:
        os.close(fd)
    conn.sendall(str(pid).encode())


def _child(request: dict[str, object], fds: list[int], script: str, sockets: list[socket.socket]) -> None:
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        for sock in sockets:
            sock.close()
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        os.closerange(3, 1 << 16)  # its status pipe, other runs' and the server's own descriptors
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        sys.argv = [script, *request["argv"]]  # type: ignore[misc]
        from image_skill.main import run

        run()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = code or 120  # as the interpreter does when stdout cannot be flushed at exit
        os._exit(code)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
