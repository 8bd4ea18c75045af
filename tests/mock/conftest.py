"""Mock-server harness: Starlette's TestClient against a strict app with its own database,
``asgi_request``: one request over raw ASGI (the messages exactly as the app sends them), and
``live_server``: the real ``image-skill-mock serve`` in a subprocess on a free loopback port."""

from __future__ import annotations

import asyncio
import json
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from image_skill_api.registry import ERRORS, EXIT_CODE_HEADER, ErrorCode
from image_skill_mock.app import Settings, create_app


class Api:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token: str | None = None

    def request(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        bearer = token or self.token
        if bearer:
            headers["authorization"] = f"Bearer {bearer}"
        response = self.client.request(method, path, headers=headers, **kw)
        body = response.json()
        assert set(body) == {"ok", "command", "trace_id", "actor", "data", "warnings", "error"}
        exit_code = int(response.headers[EXIT_CODE_HEADER])
        assert (exit_code == 0) is body["ok"]
        if not body["ok"]:
            spec = ERRORS[ErrorCode(body["error"]["code"])]
            assert response.status_code == spec.http_status, body
            assert exit_code == spec.exit_code
        body["status"] = response.status_code
        return body

    def signup(self, name: str = "agent") -> str:
        body = self.request(
            "POST",
            "/v1/agent-signups",
            json={"agent_contact": f"{name}@example.com", "agent_name": name, "return_token": True},
        )
        assert body["status"] == 201
        token: str = body["data"]["token"]
        self.token = token
        return token

    def create(self, **body: Any) -> Any:
        return self.request("POST", "/v1/create", json={"prompt": "a quiet harbour at dawn", **body})


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    clients: list[TestClient] = []

    def make(client_address: tuple[str, int] | None = None, **settings: Any) -> Api:
        settings = {
            "public_base_url": "http://testserver",
            "db_path": tmp_path / f"mock-{len(clients)}.sqlite3",
            **settings,
        }
        app = create_app(Settings(strict=True, **settings))
        client = TestClient(app, client=client_address) if client_address else TestClient(app)
        clients.append(client)
        return Api(client)

    yield make
    for client in clients:
        client.close()
        client.app.state.jobs.stop()  # type: ignore[attr-defined]  # the queued-job runner, if started


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def asgi_request(
    app: Any,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    observe: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One request to ``app`` over raw ASGI, with exactly ``headers``: every message the app sent, in
    order (``observe`` sees each as it is sent, and what it returns is kept)."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": headers,
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(observe(message) if observe else message)

    asyncio.run(app(scope, receive, send))
    return sent


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass
class LiveServer:
    """A running ``image-skill-mock serve`` (loopback only) and where its stderr goes."""

    base_url: str
    stderr_path: Path
    db_path: Path
    pid: int

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port or 80

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start ``image-skill-mock serve --port 0 --strict [ARGS]``; every server is stopped at teardown."""
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> LiveServer:
        n = len(procs)
        stderr_path = tmp_path / f"live-{n}.stderr"
        db_path = tmp_path / f"live-{n}.sqlite3"
        with stderr_path.open("w", encoding="utf-8") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "image_skill_mock", "serve", "--port", "0", "--strict",
                 "--db", str(db_path), *args],
                stdout=subprocess.PIPE, stderr=stderr, text=True,
            )  # fmt: skip
        procs.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the mock server did not start: {stderr_path.read_text()[-2000:]}")
        return LiveServer(str(json.loads(line)["base_url"]), stderr_path, db_path, proc.pid)

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ledger_check(db: Path) -> dict[str, Any]:
    """``image-skill-mock check --db DB``: the running totals recomputed from the ledger (its report;
    a non-zero exit exactly when it lists a difference)."""
    ran = subprocess.run(
        [sys.executable, "-m", "image_skill_mock", "check", "--db", str(db)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(ran.stdout)
    assert (ran.returncode == 0) is (report["differences"] == []), (ran.returncode, report)
    return report
