"""The routes of the served documents: ``/openapi.json``, ``/llms.txt``, ``/cli.md`` and ``/docs``.
Each is made once, when the app is built, from the bundled spec."""

from __future__ import annotations

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


def routes() -> list[Route]:
    raw, spec = bundled_spec()
    served: dict[str, tuple[bytes, str, dict[str, str]]] = {
        "/openapi.json": (raw, "application/json", {}),
        "/llms.txt": (text.llms_txt(spec).encode(), "text/plain; charset=utf-8", {}),
        "/cli.md": (text.cli_md(spec).encode(), "text/markdown; charset=utf-8", {}),
        "/docs": (
            page.docs_html(spec).encode(),
            "text/html; charset=utf-8",
            {"content-security-policy": page.CSP},
        ),
    }

    def endpoint(path: str) -> Any:
        body, media_type, headers = served[path]

        async def serve(_request: Request) -> Response:
            return Response(body, media_type=media_type, headers=headers)

        return serve

    return [Route(path, endpoint(path), methods=["GET"]) for path in served]
