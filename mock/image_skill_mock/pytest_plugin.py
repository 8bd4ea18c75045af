"""The pytest plugin (entry point ``pytest11``, installed with ``image-skill[mock]``): the mock as fixtures.

- ``image_skill_mock`` (session): ``image-skill-mock serve --control --faults`` on a free loopback
  port with a throwaway database, started before the first test that asks for it and stopped at
  the end (or the server at ``--image-skill-mock-url``; ``--image-skill-mock-args`` adds serve
  flags). It has ``base_url``, ``webhook_secret`` and the control helpers: ``fault(name, times=)``,
  ``advance(hours=)``, ``pay(payment_attempt_id)``, ``reset()``, ``journal(trace_id=)``, and more.
- ``image_skill_agent`` (per test): a freshly signed-up agent: ``agent_id``, ``token``, an isolated
  ``config_path`` (``IMAGE_SKILL_CONFIG_PATH``), ``env`` for a subprocess running ``image-skill``,
  and ``run(*argv)`` that runs it and parses its envelope.

Standard library and pytest only; the server runs in a subprocess, so a test process never imports it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from image_skill_mock.control.client import TOKEN_ENV, call
from image_skill_mock.demo import serving


class MockControlError(AssertionError):
    """A control request the mock refused: its error envelope is ``envelope``."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        super().__init__(json.dumps(envelope.get("error")))


@dataclass
class MockServer:
    """A running mock and its control API (every method raises ``MockControlError`` on a refusal)."""

    base_url: str
    webhook_secret: str | None = None
    control_token: str | None = None

    def control(self, operation_id: str, **request: Any) -> Any:
        """One control operation (``body=``, ``query=``); its envelope's ``data``."""
        answer, _ = call(self.base_url, operation_id, token=self.control_token, **request)
        if not answer.get("ok"):
            raise MockControlError(answer)
        return answer["data"]

    def fault(
        self,
        name: str,
        times: int | None = None,
        *,
        operation: str | None = None,
        probability: float | None = None,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Add a fault rule: ``fault("provider_failed", times=2)`` fails the next two creates/edits."""
        rule = {
            "fault": name,
            "times": times,
            "operation": operation,
            "probability": probability,
            "after": after,
        }
        return dict(self.control("addMockFaultRule", body={k: v for k, v in rule.items() if v is not None}))

    def faults(self) -> list[dict[str, Any]]:
        return list(self.control("listMockFaultRules")["rules"])

    def clear_faults(self) -> int:
        return int(self.control("clearMockFaultRules")["cleared"])

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> dict[str, Any]:
        """Move the mock's one clock forward; the clock after."""
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        return dict(self.control("advanceMockClock", body={"seconds": total}))

    def clock(self) -> dict[str, Any]:
        return dict(self.control("getMockClock"))

    def pay(self, payment_attempt_id: str) -> dict[str, Any]:
        """Complete the attempt's checkout as the card form would (the credits are granted on return)."""
        return dict(self.control("payMockCheckout", body={"payment_attempt_id": payment_attempt_id}))

    def reset(self, agent_id: str | None = None) -> dict[str, Any]:
        """Delete all state (and the journal and fault rules), or one agent's."""
        return dict(self.control("resetMockState", body={"agent_id": agent_id} if agent_id else {}))

    def journal(
        self, *, trace_id: str | None = None, agent_id: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The journal's entries (oldest first), of one trace and/or agent when given."""
        query = {"trace_id": trace_id, "agent_id": agent_id, "limit": limit}
        return list(self.control("listMockJournal", query=query)["entries"])

    def export_state(self) -> dict[str, Any]:
        return dict(self.control("exportMockState"))

    def import_state(self, document: dict[str, Any]) -> dict[str, Any]:
        return dict(self.control("importMockState", body=document))

    def signup(self, home: Path, name: str = "pytest-agent") -> Agent:
        """A new agent of this mock, its CLI config isolated under ``home``."""
        body = {
            "agent_contact": f"{name}@example.invalid",
            "agent_name": name,
            "runtime": "pytest",
            "return_token": True,
        }
        answer, _ = call(self.base_url, "createAgentSignup", body=body)
        if not answer.get("ok"):
            raise MockControlError(answer)
        config_path = home / "image-skill" / "config.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGE_SKILL_")}
        env.update(
            IMAGE_SKILL_API_BASE_URL=self.base_url,
            IMAGE_SKILL_CONFIG_PATH=str(config_path),
            IMAGE_SKILL_TOKEN=answer["data"]["token"],
        )
        return Agent(answer["data"]["actor"]["actor_id"], answer["data"]["token"], config_path, env)


@dataclass
class CliRun:
    """One ``image-skill`` run: its exit code, its envelope (stdout parsed) and stderr."""

    exit_code: int
    envelope: dict[str, Any]
    stderr: str

    @property
    def data(self) -> Any:
        return self.envelope.get("data")


@dataclass
class Agent:
    """A signed-up agent: its id and token, an isolated config path and the env a CLI run needs."""

    agent_id: str
    token: str
    config_path: Path
    env: dict[str, str] = field(repr=False)

    def run(self, *argv: str, timeout: float = 120) -> CliRun:
        """Run ``image-skill ARGV`` as this agent (``--json`` output parsed)."""
        done = subprocess.run(  # noqa: S603 (our own CLI, by sys.executable)
            [sys.executable, "-m", "image_skill", *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return CliRun(done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("image-skill-mock", "the image-skill mock server (image_skill_mock fixture)")
    group.addoption("--image-skill-mock-url", default=None, help="use the mock running at this base URL")
    group.addoption("--image-skill-mock-args", default="", help="extra `image-skill-mock serve` flags")


@pytest.fixture(scope="session")
def image_skill_mock(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MockServer]:
    """A running mock with its control API (see the module's docstring)."""
    token = os.environ.get(TOKEN_ENV) or None
    url = request.config.getoption("image_skill_mock_url")
    if url:
        yield MockServer(str(url).rstrip("/"), os.environ.get("IMAGE_SKILL_MOCK_WEBHOOK_SECRET"), token)
        return
    work = tmp_path_factory.mktemp("image-skill-mock")
    extra = shlex.split(str(request.config.getoption("image_skill_mock_args") or ""))
    with (
        (work / "mock.log").open("w", encoding="utf-8") as log,
        serving(work / "mock.sqlite3", extra_args=("--control", "--faults", *extra), stderr=log) as ready,
    ):
        yield MockServer(ready["base_url"], ready["webhook_secret"], token)


@pytest.fixture
def image_skill_agent(image_skill_mock: MockServer, tmp_path: Path) -> Agent:
    """A freshly signed-up agent of ``image_skill_mock`` for this test."""
    return image_skill_mock.signup(tmp_path / "image-skill-home", name="pytest-agent")
