"""Server settings and the per-request call object handed to resource handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request

from image_skill_api.operations import Operation
from image_skill_mock.storage import Agent, Storage


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, as the spec's ``Timestamp``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


#: Where asset URLs point when the server is not told its public address (``serve``'s default bind).
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8787"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    strict: bool = False
    free_credits: int = 50
    daily_jobs: int = 4
    clock: Callable[[], datetime] = field(default=utc_now)
    #: The scheme://host[:port] asset URLs are built on (``serve --public-base-url``); never the Host header.
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL


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

    @property
    def base_url(self) -> str:
        """The server's configured public address (the request's Host header is never trusted)."""
        return self.settings.public_base_url.rstrip("/")

    def now(self) -> datetime:
        return self.settings.clock()

    def require_agent(self) -> Agent:
        assert self.agent is not None, "auth operations are authenticated before their handler runs"
        return self.agent
