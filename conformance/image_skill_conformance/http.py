"""HTTP to the server under test: every exchange is logged, can be replayed as a curl command, and
has the commands it advertises (``suggested_command``, ``next_command``, ``recover_command``) collected.

A token never reaches a repro: it is written as ``$IMAGE_SKILL_TOKEN``.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import TRACE_ID_HEADER

#: Envelope keys whose string values are commands the answer advertises.
ADVERTISING_KEYS = ("suggested_command", "next_command", "recover_command")
TIMEOUT_SECONDS = 60


@dataclass
class Exchange:
    """One request and its answer."""

    method: str
    url: str
    request_headers: dict[str, str]
    body: Any
    status: int
    headers: dict[str, str]
    text: str
    content: bytes = b""
    operation_id: str | None = None
    api: bool = True  # an API answer (an envelope is due), not media or a checkout page
    envelope: dict[str, Any] | None = None

    def repro(self) -> str:
        words = ["curl -sS -X", self.method, shlex.quote(self.url)]
        for key, value in self.request_headers.items():
            if key.lower() == "authorization":
                words.append('-H "Authorization: Bearer $IMAGE_SKILL_TOKEN"')
            else:
                words.append("-H " + shlex.quote(f"{key}: {value}"))
        if self.body is not None:
            words.append(
                "-H 'content-type: application/json' --data " + shlex.quote(_short(json.dumps(self.body)))
            )
        return f"{' '.join(words)}\n# -> HTTP {self.status} {_short(self.text, 400)}"


def _short(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def walk_commands(value: Any) -> Iterator[tuple[str, str]]:
    """(key, command) for every advertised command anywhere in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ADVERTISING_KEYS and isinstance(item, str):
                yield key, item
            else:
                yield from walk_commands(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_commands(item)


@dataclass
class Log:
    """Every exchange of the run (thread-safe); checks read what happened while they ran."""

    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self.lock:
            self.exchanges.append(exchange)

    def mark(self) -> int:
        with self.lock:
            return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges[mark:])


class Api:
    """Calls the server at ``base_url`` by operation id (the generated ``OPERATIONS``) or by raw path."""

    def __init__(self, base_url: str, log: Log) -> None:
        self.base_url = base_url.rstrip("/")
        self.log = log

    def call(
        self,
        operation_id: str,
        *,
        token: str | None = None,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, str | int] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        op = OPERATIONS[operation_id]
        url_path = op.path.format(**dict(path or {}))
        exchange = self.raw(op.method, url_path, token=token, query=query, body=body, headers=headers)
        exchange.operation_id = operation_id
        return exchange

    def raw(
        self,
        method: str,
        url_path: str,
        *,
        token: str | None = None,
        query: Mapping[str, str | int] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        api: bool = True,
    ) -> Exchange:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        prepared = requests.Request(
            method,
            url_path if url_path.startswith(("http://", "https://")) else self.base_url + url_path,
            params=dict(query or {}),
            json=body,
            headers=sent,
        ).prepare()
        with requests.Session() as session:
            response = session.send(prepared, timeout=TIMEOUT_SECONDS, allow_redirects=False)
        exchange = Exchange(
            method=method,
            url=str(prepared.url),
            request_headers=sent,
            body=body,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            text=response.text if api else f"({len(response.content)} bytes)",
            content=response.content,
            api=api,
        )
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        exchange.envelope = parsed if isinstance(parsed, dict) else None
        self.log.add(exchange)
        return exchange


def trace_header(trace_id: str) -> dict[str, str]:
    return {TRACE_ID_HEADER: trace_id}
