"""Schemathesis: the mock server conforms to the spec for every operation it serves.

Every check is on (see ``schemathesis.toml`` for the statuses a valid request may still get:
they are documented error envelopes). The app runs ``--strict``, so it also validates each of
its own responses. Operations the server does not serve yet are left out by reading its routes,
never by a hand-kept list.
"""

from __future__ import annotations

import json
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from starlette.routing import Route
from starlette.testclient import TestClient

from image_skill_api.operations import OPERATIONS
from image_skill_mock.app import Settings, create_app

SPEC: dict[str, Any] = json.loads((files("image_skill_api") / "spec.json").read_text(encoding="utf-8"))
APP = create_app(
    Settings(db_path=Path(tempfile.mkdtemp(prefix="conformance-")) / "mock.sqlite3", strict=True)
)
SERVED = {(op.method, op.path) for op in OPERATIONS.values()} & {
    (method, route.path) for route in APP.routes if isinstance(route, Route) for method in route.methods or ()
}
SERVED_IDS = sorted(op.operation_id for op in OPERATIONS.values() if (op.method, op.path) in SERVED)

schema = schemathesis.openapi.from_dict(SPEC)
schema.app = APP
schema = schema.include(operation_id=SERVED_IDS)


def _signup_token() -> str:
    with TestClient(APP) as client:
        response = client.post(
            OPERATIONS["createAgentSignup"].path,
            json={
                "agent_contact": "conformance@example.invalid",
                "agent_name": "conformance",
                "runtime": "schemathesis",
                "return_token": True,
            },
        )
    assert response.status_code == 201, response.text
    token: str = response.json()["data"]["token"]
    return token


@schema.auth()
class BearerToken:
    """A real agent token, made once through the signup operation."""

    token: str | None = None

    def get(self, case: Any, context: Any) -> str:
        if BearerToken.token is None:
            BearerToken.token = _signup_token()
        return BearerToken.token

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def test_serves_the_first_run_slice() -> None:
    expected = {
        "getHealth", "createAgentSignup", "getWhoami", "getQuota", "listPaymentMethods", "listModels",
        "getModel", "listCapabilities", "getCapability", "createImage", "getJob", "getAsset",
    }  # fmt: skip
    assert expected <= set(SERVED_IDS)


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_server_conforms_to_spec(case: Any) -> None:
    case.call_and_validate()
