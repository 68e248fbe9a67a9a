"""Entry point for ASGI servers: `uvicorn --factory interfaces.http.asgi:app`."""

from __future__ import annotations

from litestar import Litestar

from interfaces.http.app import create_app


def app() -> Litestar:
    return create_app()
