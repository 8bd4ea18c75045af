"""Commands over a fake API client: no network, no real sleeping.

``command(ctx, *argv)`` runs a command the way ``main`` does after parsing (docopt reads ``argv``
with the command's usage; ``main.execute`` labels the run, turns the reading into the command's
typed options and runs them), but returns the envelope or raises the command's ``CliError`` /
``ServerError`` instead of printing it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from image_skill.command_table import COMMANDS
from image_skill.commands import load
from image_skill.context import Context
from image_skill.envelope import Refusal
from image_skill.main import execute, parse

from .conftest import TOKEN


class FakeClient:
    """Answers by operationId from a table of envelopes, callables or exceptions; records calls."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any, Any, Any]] = []
        self.downloads: list[tuple[str, Path, bool]] = []
        #: The ``bounded`` cap in force at each call (None: none).
        self.bounds: list[float | None] = []
        self.cap: float | None = None

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        previous, self.cap = self.cap, seconds
        try:
            yield
        finally:
            self.cap = previous

    def call(self, operation: Any, *, path: Any = None, query: Any = None, body: Any = None) -> Any:
        self.calls.append((operation.operation_id, path, query, body))
        self.bounds.append(self.cap)
        answer = self.answers[operation.operation_id]
        if callable(answer):
            answer = answer()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def download(self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None) -> Any:
        self.downloads.append((url, dest, overwrite))
        dest.write_bytes(b"png")
        return {"path": str(dest), "bytes": 3, "sha256": "x", "overwritten": overwrite}


def make_ctx(client: FakeClient, *, token: str | None = TOKEN, base: str | None = None) -> Context:
    """A Context whose client is ``client`` and whose clock only moves when the command sleeps."""
    clock = [0.0]
    return Context(
        env={"IMAGE_SKILL_TOKEN": token}
        if token
        else {"IMAGE_SKILL_CONFIG_PATH": "/nonexistent/config.json"},
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        api_base_url_flag=base,
        client_factory=lambda _: client,
        monotonic=lambda: clock[0],
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
    )


def command(ctx: Context, *argv: str) -> dict[str, Any]:
    """The envelope of ``image-skill <argv>`` run with ``ctx`` (argv must match the command's usage)."""
    parsed = parse(argv[0], list(argv))
    assert not isinstance(parsed, Refusal), argv
    return execute(ctx, load(COMMANDS[argv[0]]), parsed)
