"""`OPTIONS` answers `Allow` with every method of the path.

Litestar (2.25) builds the automatic OPTIONS handler when a path's first handler is
registered, and its `Allow` is the methods known then: a controller registers its
handlers one by one, so `/api/rosters/{roster_id}` answered `Allow: GET, OPTIONS`
although it also takes PUT and DELETE. Routing's own 405 lists them all; this hook
makes OPTIONS agree with it, from the finished route table.
"""

from __future__ import annotations

from typing import Any

from litestar.routes import HTTPRoute

AUTOMATIC = "options_handler"
"""The name Litestar gives the OPTIONS handler it adds to every HTTP route."""


def methods_of(app: Any, path_template: str) -> list[str]:
    """The methods of the route whose template (`/api/users/{user_id}`, no types) is given."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == path_template:
            return sorted(route.methods)
    return []


async def allow_every_method(message: Any, scope: Any) -> None:
    """A `before_send` hook: rewrite the Allow header of automatic OPTIONS answers."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    handler = scope.get("route_handler")
    if getattr(handler, "handler_name", None) != AUTOMATIC:
        return
    methods = methods_of(scope["litestar_app"], scope.get("path_template", ""))
    if methods:
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", ", ".join(methods).encode())]
