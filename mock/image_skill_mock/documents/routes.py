"""The routes of the served documents: ``/openapi.json``, ``/llms.txt``, ``/cli.md`` and ``/docs``.
Each is made once a process, from the bundled spec, and every app built in it serves the same bytes."""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from image_skill_mock.documents import page, text


def bundled_spec() -> tuple[bytes, dict[str, Any]]:
    raw = (files("image_skill_api") / "spec.json").read_bytes()
    return raw, json.loads(raw)


#: A served document: its body, media type and extra headers.
Served = tuple[bytes, str, dict[str, str]]


@functools.cache
def _documents() -> dict[str, Served]:
    """Every document, made once a process (they depend on the bundled spec alone; 15 ms of an app's
    30 ms build)."""
    raw, spec = bundled_spec()
    return {
        "/openapi.json": (raw, "application/json", {}),
        "/llms.txt": (text.llms_txt(spec).encode(), "text/plain; charset=utf-8", {}),
        "/cli.md": (text.cli_md(spec).encode(), "text/markdown; charset=utf-8", {}),
        "/docs": (
            page.docs_html(spec).encode(),
            "text/html; charset=utf-8",
            {"content-security-policy": page.CSP},
        ),
    }


def routes() -> list[Route]:
    served = _documents()

    def endpoint(path: str) -> Any:
        body, media_type, headers = served[path]

        async def serve(_request: Request) -> Response:
            return Response(body, media_type=media_type, headers=headers)

        return serve

    return [Route(path, endpoint(path), methods=["GET"]) for path in served]
