"""The hours report: planned, confirmed and declined hours, overtime and open places per group.

Who reads it: a department's manager (their department), an enterprise's admins and auditors
(any department of it, or the whole enterprise), a system admin (anything). Employees get 403:
their own hours are in `GET /api/employee/my-schedule` and their dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from domain.errors import NotFound, PermissionDenied, RuleViolation
from domain.roles import Role

from application import policy
from application.hours_rules import HoursDefaults, effective_limits
from application.hours_tally import WEEKDAYS, Window, tally
from application.hours_views import GROUPINGS, HoursQueries, HoursReport, HoursScope
from application.principal import Principal

MAX_DAYS = 366
"""The longest range one report covers, first and last day included (a leap year)."""


def weekly_limit_and_week_start(
    roster_settings: Mapping[int, Mapping[str, Any]], enterprise_defaults: HoursDefaults | None,
) -> tuple[dict[int, float | None], int]:
    """Each roster's weekly hours limit (None: no limit), and the weekday weeks start on (0 = Monday).

    The one place the report learns the hours rules, from the same `effective_limits` every
    booking is checked with: a roster's own `max_hours_per_week`, else its enterprise's default,
    and weeks starting on the enterprise's `week_starts_on`.
    """
    limits = {roster_id: _positive_hours(effective_limits(settings, enterprise_defaults).max_hours_per_week)
              for roster_id, settings in roster_settings.items()}
    week_start = effective_limits({}, enterprise_defaults).week_starts_on
    return limits, WEEKDAYS.index(week_start)


def _positive_hours(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def default_range(start_date: date | None, end_date: date | None, today: date) -> tuple[date, date]:
    """The range a request means: without dates, this calendar month; with only `start_date`, to the
    end of its month; with only `end_date`, from the start of its month (a payroll month)."""
    if start_date is None and end_date is None:
        return month_of(today)
    if start_date is None:
        return month_of(end_date)[0], end_date  # type: ignore[arg-type]
    if end_date is None:
        return start_date, month_of(start_date)[1]
    return start_date, end_date


def check_window(start_date: date, end_date: date, group_by: str) -> None:
    if group_by not in GROUPINGS:
        raise RuleViolation(f"group_by is one of {', '.join(GROUPINGS)}", field="group_by")
    if end_date < start_date:
        raise RuleViolation("end_date must be on or after start_date", field="end_date")
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise RuleViolation(f"The report covers at most {MAX_DAYS} days (start_date to end_date, both included)",
                            field="end_date")


class HoursReportService:
    def __init__(self, queries: HoursQueries, defaults: Callable[[int], HoursDefaults | None]) -> None:
        """`defaults`: an enterprise's hours defaults by id (the directory's enterprise detail)."""
        self._queries = queries
        self._defaults = defaults

    def report(self, principal: Principal, department_id: int | None, enterprise_id: int | None,
               start_date: date | None, end_date: date | None, group_by: str, today: date) -> HoursReport:
        """`today` (the caller's date) only chooses the range when the request names no dates."""
        if principal.role is Role.EMPLOYEE:
            raise PermissionDenied("Insufficient permissions for this operation")
        start_date, end_date = default_range(start_date, end_date, today)
        check_window(start_date, end_date, group_by)
        scope = self._scope(principal, department_id, enterprise_id)
        defaults = self._defaults(scope.enterprise_id)
        figures = self._queries.hours_figures(
            scope, start_date, end_date, group_by,
            lambda settings: weekly_limit_and_week_start(settings, defaults),
        )
        rows, totals = tally(figures, Window(start_date, end_date, group_by, figures.week_starts_on))
        return HoursReport(
            enterprise_id=scope.enterprise_id, department_id=scope.department_id,
            start_date=start_date.isoformat(), end_date=end_date.isoformat(), group_by=group_by,
            week_starts_on=WEEKDAYS[figures.week_starts_on], rows=rows, totals=totals,
        )

    def _scope(self, principal: Principal, department_id: int | None, enterprise_id: int | None) -> HoursScope:
        """One department (named, or a manager's own), else an enterprise (named, or an admin's or
        auditor's own); anything outside the caller's tenant is not found."""
        if department_id is None and principal.role is Role.MANAGER:
            department_id = principal.department_id
            if department_id is None:
                raise RuleViolation("department_id is required", field="department_id")
        if department_id is not None:
            owner = self._queries.department_enterprise(department_id)
            if owner is None or (enterprise_id is not None and enterprise_id != owner):
                raise NotFound("Department not found")
            policy.require_department_overseer(principal, owner, department_id, "Department")
            return HoursScope(enterprise_id=owner, department_id=department_id)
        enterprise_id = enterprise_id if enterprise_id is not None else principal.enterprise_id
        if enterprise_id is None:
            raise RuleViolation("department_id or enterprise_id is required", field="department_id")
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        if not self._queries.enterprise_exists(enterprise_id):
            raise NotFound("Enterprise not found")
        return HoursScope(enterprise_id=enterprise_id, department_id=None)
