"""Dashboard statistics: one view per role, each limited to the caller's tenant."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import NotFound, PermissionDenied, RuleViolation
from domain.roles import Role
from domain.timeslots import iso
from domain.zones import DEFAULT_ZONE, UTC, wall_clock

from application import policy
from application.dashboard_views import EmployeeStats, EnterpriseStats, ManagerStats, Moment, SystemStats
from application.local_time import zone_of
from application.ports import Dashboards, Directory, Inboxes
from application.principal import Principal

Stats = SystemStats | EnterpriseStats | ManagerStats | EmployeeStats


def moment(now: datetime, zone: str = DEFAULT_ZONE) -> Moment:
    """`now` (UTC, as the read models keep shift starts) and the ISO week and calendar month
    around it on the clocks of `zone` (shift dates are their department's wall-clock dates)."""
    now = now.astimezone(UTC)
    today = wall_clock(now, zone).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return Moment(
        now=now.strftime("%Y-%m-%dT%H:%M"),
        now_iso=iso(now),
        week_start=monday.isoformat(), week_end=(monday + timedelta(days=7)).isoformat(),
        month_start=first.isoformat(), month_end=next_month.isoformat(),
    )


class DashboardService:
    def __init__(self, dashboards: Dashboards, inboxes: Inboxes, directory: Directory) -> None:
        self._dashboards = dashboards
        self._inboxes = inboxes
        self._directory = directory

    def stats(self, principal: Principal, at: Moment, system_health: str) -> Stats:
        """The caller's own dashboard: its shape follows the caller's role."""
        if principal.role is Role.SYSTEM_ADMIN:
            return self.system(principal, system_health)
        if principal.role in policy.ENTERPRISE_WIDE:
            return self.enterprise(principal, None)
        if principal.role is Role.MANAGER:
            return self.manager(principal, None, at)
        return self.employee(principal, at)

    def system(self, principal: Principal, system_health: str) -> SystemStats:
        policy.require_role(principal, Role.SYSTEM_ADMIN)
        counts = self._dashboards.counters("system")
        return SystemStats(
            total_enterprises=counts.get("enterprises", 0), total_users=counts.get("users", 0),
            active_users=counts.get("active_users", 0), total_rosters=counts.get("rosters", 0),
            system_health=system_health, recent_activity=self._dashboards.recent_activity(None),
        )

    def enterprise(self, principal: Principal, enterprise_id: int | None) -> EnterpriseStats:
        policy.require_role(principal, Role.SYSTEM_ADMIN, *policy.ENTERPRISE_WIDE)
        enterprise_id = enterprise_id if enterprise_id is not None else principal.enterprise_id
        if enterprise_id is None:
            raise RuleViolation("enterprise_id is required", field="enterprise_id")
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        if self._directory.enterprise(enterprise_id) is None:
            raise NotFound("Enterprise not found")
        counts = self._dashboards.counters(f"enterprise:{enterprise_id}")
        return EnterpriseStats(
            total_departments=counts.get("departments", 0), total_users=counts.get("users", 0),
            active_users=counts.get("active_users", 0), total_rosters=counts.get("rosters", 0),
            pending_approvals=counts.get("pending_approvals", 0),
            department_breakdown=self._dashboards.department_breakdown(enterprise_id),
            recent_activity=self._dashboards.recent_activity(enterprise_id),
        )

    def manager(self, principal: Principal, department_id: int | None, at: Moment) -> ManagerStats:
        if principal.role is Role.EMPLOYEE:
            raise PermissionDenied("Insufficient permissions for this operation")
        department_id = department_id if department_id is not None else principal.department_id
        if department_id is None:
            raise RuleViolation("department_id is required", field="department_id")
        department = self._directory.department(department_id)
        if department is None:
            raise NotFound("Department not found")
        policy.require_department_overseer(principal, department.enterprise_id, department_id, "Department")
        counts = self._dashboards.counters(f"department:{department_id}")
        members, upcoming = self._dashboards.team(department_id, at)
        team = [m for m in members if m.id != principal.id]
        return ManagerStats(
            team_size=len(team), active_rosters=counts.get("active_rosters", 0),
            pending_approvals=counts.get("pending_approvals", 0), upcoming_shifts=upcoming,
            team_members=team,
        )

    def employee(self, principal: Principal, at: Moment) -> EmployeeStats:
        """This week's and month's hours: the weeks and months of the employee's department's clocks."""
        at = moment(datetime.fromisoformat(at.now_iso), zone_of(self._directory, principal))
        unread = self._inboxes.counts(principal.id, at.now_iso).unread_count
        return self._dashboards.employee(principal.id, at, unread)



