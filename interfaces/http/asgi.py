"""Entry point for ASGI servers: `uvicorn --factory interfaces.http.asgi:app`."""

from __future__ import annotations

from typing import Any

from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio


def app() -> Any:
    """The REST API with socket.io mounted beside it at /socket.io/."""
    return with_socketio(create_app())
