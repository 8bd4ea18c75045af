"""The throughput baseline: a minimal Starlette app on the same uvicorn, configured as the mock's
``serve`` configures it, answering each path with the bytes the mock answered (status, headers,
body) recorded in a fixture file. ``python minimal_app.py FIXTURE.json`` prints
``{"base_url": ...}`` once it accepts connections, as ``image-skill-mock serve`` does."""

from __future__ import annotations

import base64
import json
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _route(path: str, answer: dict[str, Any]) -> Route:
    body = base64.b64decode(answer["body"])
    headers = {str(k): str(v) for k, v in answer["headers"]}
    status = int(answer["status"])

    async def endpoint(request: Request) -> Response:
        return Response(body, status_code=status, headers=headers)

    return Route(path, endpoint)


def main() -> int:
    fixture = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    app = Starlette(routes=[_route(path, answer) for path, answer in fixture.items()])
    # As the mock's listening_socket: IPPROTO_TCP, so asyncio sets TCP_NODELAY on each connection.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()[:2]

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.should_exit:
                print(json.dumps({"base_url": f"http://{host}:{port}"}), flush=True)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
