"""Starlette's router, with a request for a literal path (no parameter) sent straight to its route.

Starlette walks its routes in order and takes the first full match (else the first partial one: a
405). For a path with no parameter, that walk's choice is known in advance: the route whose path it
is, for each of that route's methods, when no route before it matches the same path and method.
``Router`` keeps those choices in a dict and sets the scope as the walk would (``router``, ``route``,
``endpoint``, ``path_params``); every other request walks as before.
"""

from __future__ import annotations

from starlette import routing
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send


def _direct(routes: list[routing.BaseRoute]) -> dict[tuple[str, str], Route]:
    """(path, method) -> the route the walk would take, for the literal paths it is known for."""
    found: dict[tuple[str, str], Route] = {}
    for index, route in enumerate(routes):
        if not isinstance(route, Route) or route.param_convertors or not route.methods:
            continue
        for method in route.methods:
            probe = {"type": "http", "path": route.path, "root_path": "", "method": method}
            if route.matches(probe)[0] is not Match.FULL:
                continue
            if all(earlier.matches(probe)[0] is not Match.FULL for earlier in routes[:index]):
                found.setdefault((route.path, method), route)
    return found


class Router(routing.Router):
    """``routing.Router`` with the literal paths found by a lookup (see the module docstring)."""

    _table: tuple[int, dict[tuple[str, str], Route]] = (-1, {})

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            counted, table = self._table
            if counted != len(self.routes):  # built on first use, again if routes were added
                table = _direct(self.routes)
                self._table = (len(self.routes), table)
            route = table.get((scope["path"], scope["method"]))
            if route is not None:
                if "router" not in scope:
                    scope["router"] = self
                scope["route"] = route
                scope.update(endpoint=route.endpoint, path_params=dict(scope.get("path_params", {})))
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)
