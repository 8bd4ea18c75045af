"""The per-request call object handed to resource handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request

from image_skill_api.operations import Operation
from image_skill_mock.http.faults import Fault
from image_skill_mock.settings import Settings
from image_skill_mock.store.agents import Agent
from image_skill_mock.store.database import Storage


@dataclass
class Call:
    """One validated request: what a handler needs, nothing more."""

    request: Request
    operation: Operation
    settings: Settings
    storage: Storage
    trace_id: str
    path: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any] | None
    agent: Agent | None = None
    actor: dict[str, Any] | None = None
    #: The injected fault this request asked for (``serve --faults`` only; see ``faults``).
    fault: Fault | None = None
    #: The answer's ``warnings``: plain strings for a reader (a fact an agent acts on goes in data too).
    warnings: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """The server's configured public address (the request's Host header is never trusted)."""
        return self.settings.public_base_url.rstrip("/")

    def now(self) -> datetime:
        return self.settings.clock()

    def require_agent(self) -> Agent:
        assert self.agent is not None, "auth operations are authenticated before their handler runs"
        return self.agent
