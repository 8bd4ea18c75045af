"""Deliberate defects, for the conformance kit's own tests only: ``serve --defect NAME`` (repeatable).

Undocumented and off unless named: the kit must fail the right check against each of them.

- ``double-debit``: a job's debit is written twice over (the ledger takes 2x ``credits_required``).
- ``drop-envelope-key``: every JSON answer loses its ``warnings`` key.
- ``suggest-unrunnable``: every ``error.recovery.suggested_command`` becomes a command with an unknown flag.

Importable without the ``[mock]`` extra (``main`` splits the flag off before docopt sees it).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

NAMES = ("double-debit", "drop-envelope-key", "suggest-unrunnable")
FLAG = "--defect"
UNRUNNABLE = "image-skill usage quota --since-yesterday --json"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def split_argv(argv: list[str]) -> tuple[list[str], frozenset[str]]:
    """``argv`` without its ``--defect NAME`` / ``--defect=NAME`` options, and the names they gave."""
    rest: list[str] = []
    names: set[str] = set()
    items = iter(argv)
    for item in items:
        if item == FLAG:
            names.add(next(items, ""))
        elif item.startswith(FLAG + "="):
            names.add(item.partition("=")[2])
        else:
            rest.append(item)
    unknown = names - set(NAMES)
    if unknown:
        raise SystemExit(f"image-skill-mock: {FLAG} takes one of {', '.join(NAMES)}")
    return rest, frozenset(names)


def debit(defects: frozenset[str], credits: int) -> int:
    """The debit written for a job that costs ``credits``."""
    return credits * 2 if "double-debit" in defects else credits


def _rewrite(envelope: dict[str, Any], defects: frozenset[str]) -> dict[str, Any]:
    if "drop-envelope-key" in defects:
        envelope.pop("warnings", None)
    recovery = (
        (envelope.get("error") or {}).get("recovery") if isinstance(envelope.get("error"), dict) else None
    )
    if "suggest-unrunnable" in defects and isinstance(recovery, dict) and "suggested_command" in recovery:
        recovery["suggested_command"] = UNRUNNABLE
    return envelope


def wrap(app: App, defects: frozenset[str]) -> App:
    """``app`` with the answer-rewriting defects applied to every JSON response (``app`` itself when none)."""
    if not defects & {"drop-envelope-key", "suggest-unrunnable"}:
        return app

    async def defective(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held: list[Message] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                held.append(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            start, body = held[0], b"".join(chunks)
            headers = dict(start.get("headers", []))
            if headers.get(b"content-type", b"").startswith(b"application/json"):
                body = json.dumps(_rewrite(json.loads(body), defects)).encode()
                headers[b"content-length"] = str(len(body)).encode()
                start["headers"] = list(headers.items())
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return defective
