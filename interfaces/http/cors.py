"""Which web pages may use the API from another origin (CORS), for the REST API and socket.io alike.

Litestar's `CORSConfig` wraps the whole application, outside routing and the exception
handlers: it answers every preflight itself (before authentication and rate limits, for
every path), and adds `Access-Control-Allow-Origin` to every answer, errors and 429s
included. socket.io sits beside Litestar, so engine.io checks origins itself; it asks the
same config, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.config.cors import CORSConfig

from infrastructure.settings import Settings
from interfaces.http.idempotency import REPLAYED
from interfaces.http.request_id import HEADER as REQUEST_ID

ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", REQUEST_ID)
"""Request headers a page may send beyond the CORS-safelisted ones."""
EXPOSED_HEADERS = (
    "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
    "ETag", REQUEST_ID, REPLAYED, "Location", "Content-Disposition",
)
"""Response headers a page's script may read beyond the safelisted ones."""
MAX_AGE = 600
"""Seconds a browser may reuse a preflight's answer."""


def cors_config(settings: Settings) -> CORSConfig | None:
    """Litestar's CORS for the configured origins; None (same origin only) when there are none."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=list(ALLOWED_HEADERS),
        allow_credentials=settings.cors_allow_credentials,
        expose_headers=list(EXPOSED_HEADERS),
        max_age=MAX_AGE,
    )


def socketio_origins(settings: Settings) -> Callable[..., bool] | None:
    """engine.io's `cors_allowed_origins`: the same decision as the REST API's, or None for its
    same-origin default."""
    config = cors_config(settings)
    if config is None:
        return None

    def allowed(origin: str | None, environ: Any = None) -> bool:
        return origin is not None and config.is_origin_allowed(origin)

    return allowed
