"""/api/dashboard: role-shaped statistics (contract 002), and one endpoint per view."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from application.dashboard_views import EmployeeStats, EnterpriseStats, ManagerStats, SystemStats
from application.dashboards import moment
from interfaces.container import Container
from interfaces.http.controllers.health import check_health
from interfaces.http.dto import MAX_ID
from interfaces.http.security import Caller, Services

S = TypeVar("S")
MESSAGE = "Dashboard stats retrieved successfully"
LAG_GOOD = 100
"""Projection lag, in events, below which the system still counts as good."""


class StatsResponse(msgspec.Struct, Generic[S], kw_only=True):
    message: str
    stats: S


def system_health(container: Container) -> str:
    """excellent: every check passes and the read models are current; good: a little behind;
    degraded: Redis down or projections far behind; critical: a database is unreachable."""
    checks = check_health(container)
    if any(checks[k] != "ok" for k in ("event_store", "read_models")):
        return "critical"
    lag = max((s.lag_events for s in container.runner.status()), default=0)
    if checks["redis"] not in ("ok", "not configured") or lag > LAG_GOOD:
        return "degraded"
    return "excellent" if lag == 0 else "good"


def now() -> datetime:
    return datetime.now(timezone.utc)


class DashboardController(Controller):
    path = "/api/dashboard"
    tags = ["Dashboard"]

    @get("/stats", sync_to_thread=True, summary="The caller's dashboard; its shape follows the caller's role")
    def stats(
        self, principal: Caller, container: Services
    ) -> StatsResponse[SystemStats | EnterpriseStats | ManagerStats | EmployeeStats]:
        health = system_health(container) if principal.is_system_admin else ""
        found = container.dashboards.stats(principal, moment(now()), health)
        return StatsResponse(message=MESSAGE, stats=found)

    @get("/system", sync_to_thread=True, summary="System administrators: the whole system")
    def system(self, principal: Caller, container: Services) -> StatsResponse[SystemStats]:
        container.dashboards.system(principal, "")  # authorise before the health checks run
        return StatsResponse(message=MESSAGE,
                             stats=container.dashboards.system(principal, system_health(container)))

    @get("/enterprise", sync_to_thread=True, summary="An enterprise (default: the caller's)")
    def enterprise(
        self, principal: Caller, container: Services,
        enterprise_id: Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="System admins name one")] = None,
    ) -> StatsResponse[EnterpriseStats]:
        return StatsResponse(message=MESSAGE, stats=container.dashboards.enterprise(principal, enterprise_id))

    @get("/manager", sync_to_thread=True, summary="A department's team (default: the caller's)")
    def manager(
        self, principal: Caller, container: Services,
        department_id: Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="Admins name one")] = None,
    ) -> StatsResponse[ManagerStats]:
        return StatsResponse(message=MESSAGE,
                             stats=container.dashboards.manager(principal, department_id, moment(now())))

    @get("/employee", sync_to_thread=True, summary="The caller's own shifts, hours, swaps and inbox")
    def employee(self, principal: Caller, container: Services) -> StatsResponse[EmployeeStats]:
        return StatsResponse(message=MESSAGE, stats=container.dashboards.employee(principal, moment(now())))
