"""/health and /api/health: the event store, the read models, each projection (alive, not
parked, not too far behind), Redis and the job broker when configured, and realtime.

200 `ok` or 503 `degraded`, naming what failed, within a second whatever is down: the checks
are bounded and cached (`interfaces.health`).
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from interfaces.health import check_health, healthy
from interfaces.http.dto import HealthResponse
from interfaces.http.security import Services

__all__ = ["check_health", "health"]

REALTIME_HEALTHY = ("ok", "in-process", "starting", "not configured")

# Health's own threads: with PostgreSQL down, every thread of the default limiter may be a
# request waiting for a connection, and /health must not queue behind them.
_THREADS = anyio.CapacityLimiter(4)


@get(["/health", "/api/health"], tags=["Health"], summary="Health checks",
     responses={503: ResponseSpec(HealthResponse, description="A check failed: `checks` says which")})
async def health(container: Services, request: Request[Any, Any, Any]) -> Response[HealthResponse]:
    checks = await anyio.to_thread.run_sync(check_health, container, limiter=_THREADS)
    ok = healthy(checks)
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is not None:
        # Realtime: `ok` (subscribed to Redis), `in-process` (embedded), or `reconnecting`.
        checks["realtime"] = gateway.state
        ok = ok and gateway.state in REALTIME_HEALTHY
    return Response(
        HealthResponse(status="ok" if ok else "degraded", checks=checks),
        status_code=200 if ok else 503,
    )
