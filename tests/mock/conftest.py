"""Mock-server harness: Starlette's TestClient against a strict app with its own database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

    def make(**settings: Any) -> Api:
        app = create_app(Settings(db_path=tmp_path / f"mock-{len(clients)}.sqlite3", strict=True, **settings))
        client = TestClient(app)
        clients.append(client)
        return Api(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
