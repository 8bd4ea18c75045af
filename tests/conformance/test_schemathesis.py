"""Schemathesis: the mock server conforms to the spec for every operation it serves.

Every check is on (see ``schemathesis.toml`` for the statuses a valid request may still get:
they are documented error envelopes). The app runs ``--strict``, so it also validates each of
its own responses. Operations the server does not serve yet are left out by reading its routes,
never by a hand-kept list.

Nothing is built when this module is imported: the app (on a database in pytest's temporary
directory) and the schema are fixtures, and schemathesis loads the schema from its fixture
(``schemathesis.pytest.from_fixture``) when the test runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from image_skill_api.constants import MOCK_CONTROL_TOKEN_HEADER
from image_skill_api.operations import OPERATIONS
from image_skill_mock.app import Settings, create_app
from image_skill_mock.resources import CONTROL_HANDLERS, HANDLERS

FIRST_RUN_SLICE = {
    "getHealth", "createAgentSignup", "getWhoami", "getQuota", "listPaymentMethods", "listModels",
    "getModel", "listCapabilities", "getCapability", "createImage", "getJob", "getAsset",
}  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starlette]:
    app = create_app(Settings(db_path=tmp_path_factory.mktemp("conformance") / "mock.sqlite3", strict=True))
    yield app
    app.state.storage.close()


def routed(app: Starlette) -> set[tuple[str, str]]:
    """(method, path) of every route of the app."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
    }


def _signup_token(app: Starlette) -> str:
    with TestClient(app) as client:
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


def served_schema(app: Starlette) -> Any:
    """The bundled spec as a schemathesis schema served by ``app``."""
    spec = json.loads((files("image_skill_api") / "spec.json").read_text(encoding="utf-8"))
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = app
    return schema


@pytest.fixture(scope="module")
def api_schema(app: Starlette) -> Any:
    """The bundled spec, served by ``app``, with a real agent token."""
    schema = served_schema(app)

    @schema.auth()
    class BearerToken:
        """A real agent token, made once through the signup operation."""

        def get(self, case: Any, context: Any) -> str:
            return _signup_token(app)

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def _operation_id(ctx: Any) -> str:
    return str(ctx.operation.definition.raw["operationId"])


def conformance_tests(fixture: str, examples: dict[str, int]) -> dict[str, Any]:
    """One schemathesis test per operation, named ``test_<operationId>``: separate pytest items, so
    ``pytest -n`` spreads the operations over its workers (one test with a subtest per operation
    runs them all in one worker, the suite's longest item). The schema is loaded from ``fixture``
    when a test runs. ``examples``: operation id -> hypothesis examples."""

    tests = {}
    for operation_id, max_examples in sorted(examples.items()):
        only = schemathesis.pytest.from_fixture(fixture).include(
            lambda ctx, wanted=operation_id: _operation_id(ctx) == wanted
        )

        def conforms(case: Any) -> None:
            case.call_and_validate()

        name = conforms.__name__ = conforms.__qualname__ = f"test_{operation_id}"  # hypothesis' database key
        checked = settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
        tests[name] = only.parametrize()(checked(conforms))
    return tests


def test_serves_the_first_run_slice(app: Starlette) -> None:
    served = {op.operation_id for op in OPERATIONS.values() if (op.method, op.path) in routed(app)}
    assert served >= FIRST_RUN_SLICE
    assert served == set(HANDLERS)


#: Every operation the app routes (it routes each that has a handler: the test above). ``createImage``
#: and ``editImage`` take 100 examples: at 40, lines of ``creative/references.py`` went unreached
#: (coverage.py, two hypothesis seeds). Every other operation takes 25: with them at 25, four seeds
#: reached every line of the mock that two seeds with them at 100 did (the few lines only one run
#: reached are references and edit-model choices, reached through the two at 100 either way), and the
#: module took 35-42 s instead of 56 s on 4 workers.
DRAWING_OPERATIONS = {"createImage", "editImage"}
globals().update(
    conformance_tests("api_schema", {op: 100 if op in DRAWING_OPERATIONS else 25 for op in HANDLERS})
)


# ----------------------------------------------------------------- the control API (tag mock-control)
#: The control API runs on an app of its own (``serve --control``): resetting, importing and moving
#: the clock in the middle of the test above would only starve it of state. Its TestClient is no
#: loopback client, so the app has a control token, which every case carries.
CONTROL_TOKEN = "conformance-control-token"


@pytest.fixture(scope="module")
def control_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starlette]:
    db_path = tmp_path_factory.mktemp("conformance-control") / "mock.sqlite3"
    app = create_app(Settings(db_path=db_path, strict=True, control=True, control_token=CONTROL_TOKEN))
    yield app
    app.state.storage.close()


@pytest.fixture(scope="module")
def control_api_schema(control_app: Starlette) -> Any:
    schema = served_schema(control_app)

    @schema.auth()
    class ControlToken:
        def get(self, case: Any, context: Any) -> str:
            return CONTROL_TOKEN

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), MOCK_CONTROL_TOKEN_HEADER: data}

    return schema


def test_the_control_app_serves_the_control_api_too(control_app: Starlette) -> None:
    served = {op.operation_id for op in OPERATIONS.values() if (op.method, op.path) in routed(control_app)}
    assert served == set(HANDLERS) | set(CONTROL_HANDLERS)


def test_the_control_api_is_the_spec_operations_tagged_mock_control() -> None:
    spec = json.loads((files("image_skill_api") / "spec.json").read_text(encoding="utf-8"))
    tagged = {
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "mock-control" in operation.get("tags", [])
    }
    assert tagged == set(CONTROL_HANDLERS)


#: Every operation of the control API (tag ``mock-control``), 10 examples each: 25 reached no line of
#: the mock that 10 did not (coverage.py, two hypothesis seeds), and took twice as long.
globals().update(conformance_tests("control_api_schema", dict.fromkeys(CONTROL_HANDLERS, 10)))


def test_every_operation_has_a_test_of_its_own() -> None:
    assert {f"test_{operation_id}" for operation_id in [*HANDLERS, *CONTROL_HANDLERS]} <= set(globals())
