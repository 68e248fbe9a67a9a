"""The ASGI app a server runs: socket.io beside the Litestar app.

socket.io sits outside Litestar's middleware (rate limits and content negotiation are
for the REST API, not engine.io's polling requests), and lifespan events go to Litestar,
which starts and stops the gateway.
"""

from __future__ import annotations

from typing import Any

import socketio
from litestar import Litestar

SOCKETIO_PREFIX = "/socket.io"


def with_socketio(app: Litestar) -> Any:
    engine = socketio.ASGIApp(app.state.gateway.socketio.server, socketio_path="socket.io")

    async def route(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(SOCKETIO_PREFIX):
            await engine(scope, receive, send)
        else:
            await app(scope, receive, send)

    route.litestar = app  # type: ignore[attr-defined]
    return route
