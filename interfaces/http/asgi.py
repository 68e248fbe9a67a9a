"""Entry point for ASGI servers: `uvicorn --factory interfaces.http.asgi:app`."""

from __future__ import annotations

import gc
from typing import Any

from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio


def app() -> Any:
    """The REST API with socket.io mounted beside it at /socket.io/."""
    built = with_socketio(create_app())
    # The start-up heap (modules, routes, the OpenAPI schema) lives as long as the
    # process: freezing it keeps full collections from walking it again and again, which
    # halved the collector's pauses during a 1,000-client fan-out (docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    return built
