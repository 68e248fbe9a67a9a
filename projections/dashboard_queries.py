"""The Dashboards port: counters, activity, and per-person figures relative to now."""

from __future__ import annotations

from typing import Any

from application.dashboard_views import (
    Activity,
    DepartmentBreakdown,
    EmployeeStats,
    Moment,
    NextShift,
    TeamMember,
)

from projections.rostering_queries import hours_between
from projections.sql import Cursor, ReadStore

BOOKED = ("pending", "confirmed")
BOOKED_SQL = "a.status IN ('pending', 'confirmed') AND s.is_deleted = ?"


class SqlDashboards:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def counters(self, scope: str) -> dict[str, int]:
        with self._store.read() as cur:
            cur.execute("SELECT name, value FROM rm_counters WHERE scope = ?", (scope,))
            return {row["name"]: int(row["value"]) for row in cur.fetchall()}

    def recent_activity(self, enterprise_id: int | None, limit: int = 10) -> list[Activity]:
        where, params = ("WHERE enterprise_id = ?", [enterprise_id]) if enterprise_id is not None else ("", [])
        with self._store.read() as cur:
            cur.execute(
                f"SELECT type, description, timestamp FROM rm_activity {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
            return [Activity(**row) for row in cur.fetchall()]

    def department_breakdown(self, enterprise_id: int) -> list[DepartmentBreakdown]:
        with self._store.read() as cur:
            cur.execute(
                "SELECT d.id, d.name,"
                " COALESCE(MAX(CASE WHEN c.name = 'users' THEN c.value END), 0) AS total_users,"
                " COALESCE(MAX(CASE WHEN c.name = 'active_users' THEN c.value END), 0) AS active_users,"
                " COALESCE(MAX(CASE WHEN c.name = 'active_rosters' THEN c.value END), 0) AS active_rosters"
                " FROM db_departments d LEFT JOIN rm_counters c ON c.scope = 'department:' || d.id"
                " WHERE d.enterprise_id = ? AND d.is_deleted = ? GROUP BY d.id, d.name ORDER BY d.id",
                (enterprise_id, False),
            )
            return [DepartmentBreakdown(**{k: int(v) if k != "name" else v for k, v in row.items()})
                    for row in cur.fetchall()]

    def team(self, department_id: int, at: Moment) -> tuple[list[TeamMember], int]:
        """The department's active members with their upcoming shifts, and the department's total."""
        with self._store.read() as cur:
            cur.execute(
                "SELECT m.id, m.full_name, m.last_login,"
                " (SELECT COUNT(*) FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id"
                f"  WHERE a.employee_id = m.id AND {BOOKED_SQL} AND s.start_at >= ?) AS upcoming_shifts"
                " FROM rm_team_members m WHERE m.department_id = ? AND m.is_active = ? ORDER BY m.id",
                (False, at.now, department_id, True),
            )
            members = [TeamMember(**row) for row in cur.fetchall()]
            cur.execute(
                "SELECT COUNT(*) AS n FROM rm_shifts s JOIN rm_rosters r ON r.id = s.roster_id"
                " WHERE s.department_id = ? AND s.is_deleted = ? AND s.start_at >= ? AND r.is_deleted = ?",
                (department_id, False, at.now, False),
            )
            row = cur.fetchone()
        return members, int(row["n"]) if row else 0

    def employee(self, employee_id: int, at: Moment, unread_notifications: int) -> EmployeeStats:
        with self._store.read() as cur:
            upcoming = _booked(cur, employee_id, "s.start_at >= ?", at.now)
            week = _booked(cur, employee_id, "s.date >= ? AND s.date < ?", at.week_start, at.week_end)
            month = _booked(cur, employee_id, "s.date >= ? AND s.date < ?", at.month_start, at.month_end)
            cur.execute(
                "SELECT COUNT(*) AS n FROM rm_swaps WHERE (requester_id = ? OR target_employee_id = ?)"
                " AND status IN ('pending', 'accepted')",
                (employee_id, employee_id),
            )
            row = cur.fetchone()
        first = upcoming[0] if upcoming else None
        return EmployeeStats(
            upcoming_shifts=len(upcoming),
            this_week_hours=_total_hours(week),
            this_month_hours=_total_hours(month),
            pending_swaps=int(row["n"]) if row else 0,
            unread_notifications=unread_notifications,
            next_shift=NextShift(id=first["id"], date=first["date"], start_time=first["start_time"],
                                 end_time=first["end_time"], title=first["title"]) if first else None,
        )


def _booked(cur: Cursor, employee_id: int, when: str, *params: Any) -> list[dict[str, Any]]:
    cur.execute(
        "SELECT s.id, s.date, s.start_time, s.end_time, s.start_at, s.end_at, s.title"
        " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id"
        f" WHERE a.employee_id = ? AND {BOOKED_SQL} AND {when} ORDER BY s.start_at, s.id",
        (employee_id, False, *params),
    )
    return cur.fetchall()


def _total_hours(rows: list[dict[str, Any]]) -> float:
    return round(sum(hours_between(r["start_at"], r["end_at"]) for r in rows), 2)
