"""End-to-end harness: the real ``image-skill`` CLI (each run its own process, forked from a server that
has the CLI imported: ``forkserver``) against a real ``image-skill-mock serve --strict``."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli.output_rules import check_output

from image_skill_api.registry import ExitCode
from image_skill_mock.demo import running_server

from .forkserver import ForkServer, needs_spawn


def cli_command() -> list[str]:
    """The installed console script when there is one (as agents run it), else ``python -m image_skill``."""
    script = shutil.which("image-skill", path=str(Path(sys.executable).parent)) or shutil.which("image-skill")
    return [script] if script else [sys.executable, "-m", "image_skill"]


@functools.cache
def fork_server(script: str) -> ForkServer:
    """This process's CLI fork server (``forkserver``), started on first use, stopped at exit."""
    forks = ForkServer(script)
    atexit.register(forks.close)
    return forks


def run_cli(
    argv: list[str], *, env: dict[str, str], cwd: Path, stdin: str | None
) -> subprocess.CompletedProcess[str]:
    """One run of the CLI: forked from the fork server, or spawned as a fresh process when the run
    needs one (``forkserver.needs_spawn``) or there is no console script to stand in for."""
    command = cli_command()
    if len(command) == 1 and not needs_spawn(env):
        return fork_server(command[0]).run(argv, env=env, cwd=cwd, stdin=stdin, timeout=120)
    return subprocess.run(
        [*command, *argv],
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Result:
    exit_code: int
    envelope: dict[str, Any]
    stdout: str
    stderr: str

    @property
    def data(self) -> Any:
        return self.envelope["data"]

    @property
    def error(self) -> Any:
        return self.envelope["error"]


class Cli:
    """Runs ``image-skill`` with an isolated config path; checks the output rules on every run."""

    def __init__(self, base_url: str, home: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGE_SKILL_")}
        self.env.update(
            IMAGE_SKILL_API_BASE_URL=base_url,
            IMAGE_SKILL_CONFIG_PATH=str(home / "config" / "config.json"),
            IMAGE_SKILL_HTTP_TIMEOUT_SECONDS="10",
        )
        self.cwd = home
        self.config_path = home / "config" / "config.json"

    def __call__(self, *argv: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        done = run_cli(list(argv), env={**self.env, **(env or {})}, cwd=self.cwd, stdin=stdin)
        envelope = check_output(argv, done.returncode, done.stdout, done.stderr)
        return Result(done.returncode, envelope, done.stdout, done.stderr)

    def follow(self, command: str) -> Result:
        """Run a ``next_command`` the way a POSIX shell would split it."""
        import shlex

        argv = shlex.split(command)
        assert argv[0] == "image-skill", command
        return self(*argv[1:])

    def signup(self, name: str = "e2e-agent") -> Result:
        result = self(
            "signup",
            "--agent",
            "--agent-contact",
            "agent-inbox@example.invalid",
            "--agent-name",
            name,
            "--json",
        )
        assert result.exit_code == ExitCode.OK, result.envelope
        return result


@dataclass(frozen=True)
class Served:
    base_url: str
    db: Path


@pytest.fixture(scope="module")
def _module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module's tests: each test signs up its own agent and has its own config,
    so the tests that only see their own agent's state share it (a server start costs about as much
    as the test itself)."""
    db = tmp_path_factory.mktemp("e2e-server") / "mock.sqlite3"
    with running_server(db, extra_args=("--strict",)) as base_url:
        yield Served(base_url, db)


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The server of this test: the module's shared one, or a fresh one of its own for a test (or
    module) marked ``fresh_server`` - one that reads the whole database or a server-wide log."""
    if request.node.get_closest_marker("fresh_server") is None:
        yield request.getfixturevalue("_module_server")
        return
    with running_server(tmp_path / "mock.sqlite3", extra_args=("--strict",)) as base_url:
        yield Served(base_url, tmp_path / "mock.sqlite3")


@pytest.fixture
def server(served: Served) -> str:
    return served.base_url


@pytest.fixture
def server_db(served: Served) -> Path:
    """The database file of this test's server."""
    return served.db


@pytest.fixture
def cli(server: str, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(server, home)


def _servers(directory: Path) -> Iterator[Callable[..., str]]:
    """``start(*flags)``: a ``serve --strict`` with ``flags`` on a database of its own in ``directory``;
    every server started is stopped when the generator is closed."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        count = iter(range(1000))

        def start(*flags: str) -> str:
            db = directory / f"mock-extra-{next(count)}.sqlite3"
            return stack.enter_context(running_server(db, extra_args=("--strict", *flags)))

        yield start


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start extra mock servers with their own flags; all are stopped at teardown."""
    yield from _servers(tmp_path)


@pytest.fixture(scope="module")
def start_module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """``start_server`` for a whole module: servers with their own flags that the module's tests share
    (each signs up an agent of its own); all are stopped when the module ends."""
    yield from _servers(tmp_path_factory.mktemp("module-servers"))


@pytest.fixture
def hanging_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (for the timeout path)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


@pytest.fixture
def closed_port_url() -> str:
    """A base URL where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
