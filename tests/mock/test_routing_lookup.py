"""``http.routing.Router``: a literal path's route found by lookup is the one Starlette's walk takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import Match, Route

from image_skill_mock.app import Settings, create_app
from image_skill_mock.http.routing import Router, _direct

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _walk(routes: list[Any], path: str, method: str) -> Any:
    """The route Starlette's walk takes for a full match (None when there is none)."""
    scope = {"type": "http", "path": path, "root_path": "", "method": method}
    return next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)


def _endpoint() -> Response:
    return Response(b"")


def test_every_looked_up_route_is_the_walks_choice(tmp_path: Path) -> None:
    app = create_app(Settings(db_path=tmp_path / "m.sqlite3", control=True))
    try:
        assert isinstance(app.router, Router)
        routes = app.router.routes
        table = _direct(routes)
        assert ("/v1/models", "GET") in table
        assert ("/healthz", "GET") in table
        for route in routes:
            for method in METHODS:
                path = getattr(route, "path", "")
                if (path, method) in table:
                    assert table[(path, method)] is _walk(routes, path, method)
    finally:
        app.state.jobs.stop()
        app.state.storage.close()


def test_a_literal_path_an_earlier_route_matches_is_left_to_the_walk() -> None:
    earlier = Route("/a/{x}", _endpoint, methods=["GET"])
    literal = Route("/a/b", _endpoint, methods=["GET", "POST"])
    table = _direct([earlier, literal])
    assert ("/a/b", "GET") not in table
    assert ("/a/b", "HEAD") not in table
    assert table[("/a/b", "POST")] is literal
