"""/metrics: the projections' positions and lag in Prometheus text format.

Computed from the database on each scrape rather than kept in process-local
registries, so every API process reports the same figures.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response, get

from interfaces.http.security import Services
from projections.runner import ProjectionStatus

GAUGES = (
    ("schedulax_projection_position", "Id of the last event notification the projection has applied.",
     lambda s: s.position),
    ("schedulax_projection_lag_events", "Event notifications recorded but not yet applied by the projection.",
     lambda s: s.lag_events),
    ("schedulax_projection_lag_seconds", "Age of the oldest event the projection has not applied.",
     lambda s: round(s.lag_seconds, 3)),
    ("schedulax_projection_version", "Schema version of the projection's tables.", lambda s: s.version),
    ("schedulax_projection_parked", "1 when the projection stopped at an event it could not apply"
     " (`schedulax projections status` shows why), else 0.", lambda s: int(s.parked)),
)


def exposition(rows: list[ProjectionStatus]) -> str:
    head = rows[0].head if rows else 0
    lines = [
        "# HELP schedulax_event_log_head Id of the newest recorded event notification.",
        "# TYPE schedulax_event_log_head gauge",
        f"schedulax_event_log_head {head}",
    ]
    for name, help_text, value in GAUGES:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines += [f'{name}{{projection="{row.name}"}} {value(row)}' for row in rows]
    return "\n".join(lines) + "\n"


@get("/metrics", tags=["Health"], summary="Projection positions and lag (Prometheus text format)",
     media_type="text/plain; version=0.0.4")
async def metrics(container: Services, request: Request[Any, Any, Any]) -> Response[str]:
    rows = await anyio.to_thread.run_sync(container.runner.status)
    text = exposition(rows)
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is not None:
        text += realtime_exposition(len(gateway.hub), len(gateway.socketio))
    return Response(text, media_type="text/plain; version=0.0.4")


def realtime_exposition(websockets: int, socketio: int) -> str:
    """The one process-local figure: each API process counts its own connections."""
    name = "schedulax_realtime_connections"
    return (f"# HELP {name} Realtime clients connected to this API process.\n# TYPE {name} gauge\n"
            f'{name}{{kind="websocket"}} {websockets}\n{name}{{kind="socketio"}} {socketio}\n')
