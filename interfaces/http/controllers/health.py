"""/health and /api/health: the event store, read models and (when configured) Redis."""

from __future__ import annotations

import anyio.to_thread
import redis
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from interfaces.http.security import Services
from interfaces.http.dto import HealthResponse


def check_health(container: Services) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        container.events.recorder.max_notification_id()
        checks["event_store"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["event_store"] = f"error: {type(error).__name__}"
    try:
        container.store.ping()
        checks["read_models"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["read_models"] = f"error: {type(error).__name__}"
    if container.settings.redis_url:
        checks["redis"] = _redis_check(container.settings.redis_url)
    else:
        checks["redis"] = "not configured"
    return checks


REALTIME_HEALTHY = ("ok", "in-process", "starting", "not configured")


def _redis_check(url: str) -> str:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"


@get(["/health", "/api/health"], tags=["Health"], summary="Health checks",
     responses={503: ResponseSpec(HealthResponse, description="A check failed: `checks` says which")})
async def health(container: Services, request: Request[Any, Any, Any]) -> Response[HealthResponse]:
    checks = await anyio.to_thread.run_sync(check_health, container)
    healthy = all(v in ("ok", "not configured") for v in checks.values())
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is not None:
        # Realtime: `ok` (subscribed to Redis), `in-process` (embedded), or `reconnecting`.
        checks["realtime"] = gateway.state
        healthy = healthy and gateway.state in REALTIME_HEALTHY
    return Response(
        HealthResponse(status="ok" if healthy else "degraded", checks=checks),
        status_code=200 if healthy else 503,
    )
