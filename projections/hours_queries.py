"""The HoursQueries port over the analytics tables: the database sums, Python only adds up.

A year of a department is about 4,000 shifts and 11,000 assignments: read row by row, or
joined shift to assignment, they would cost tens of times the roster listing. The analytics
projection (docs/analytics.md) already keeps one row per shift (`an_shifts`) and one per
assignment (`an_assignments`) with the shift's date, ISO week, department and elapsed
`minutes` (7 or 9 hours for a Berlin night across a DST change) copied in: so each statement
here reads one table through its (department_id, date) or (enterprise_id, date) index and
groups what it reads (by day, by employee or date and status, by employee and week).

The analytics tables follow the commands by a batch (their projection is not one a command
response waits for): a report read right after a command may not count it yet.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from application.hours_tally import weekly_overtime, week_of
from application.hours_views import (
    DayLoad,
    DayShifts,
    HoursFigures,
    HoursScope,
    Person,
    Rules,
    StatusSum,
    WeekLoad,
)

from projections.sql import Cursor, ReadStore

OPEN = "CASE WHEN s.required_staff > s.assigned_staff THEN s.required_staff - s.assigned_staff ELSE 0 END"
WEEK = {
    "sqlite": "date(a.date, '-' || ((CAST(strftime('%w', a.date) AS INTEGER) + 13 - {first}) % 7) || ' days')",
    "postgres": "to_char(CAST(a.date AS date) - (CAST(EXTRACT(ISODOW FROM CAST(a.date AS date)) AS INTEGER)"
                " + 6 - {first}) % 7, 'YYYY-MM-DD')",
}
"""The first day (ISO) of an assignment's week, weeks starting on weekday `first` (0 = Monday), as
`week_of` says; for Monday, the stored `week_start` is that already."""


def _marks(values: Any) -> str:
    return ", ".join("?" for _ in values)


def _owner(scope: HoursScope, alias: str) -> tuple[str, int]:
    if scope.department_id is not None:
        return f"{alias}.department_id = ?", scope.department_id
    return f"{alias}.enterprise_id = ?", scope.enterprise_id


class SqlHoursQueries:
    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self._week = WEEK[store.dialect]

    def department_enterprise(self, department_id: int) -> int | None:
        with self._store.read() as cur:
            cur.execute("SELECT enterprise_id FROM rm_departments WHERE id = ? AND is_deleted = ?",
                        (department_id, False))
            row = cur.fetchone()
        return int(row["enterprise_id"]) if row else None

    def enterprise_exists(self, enterprise_id: int) -> bool:
        with self._store.read() as cur:
            cur.execute("SELECT 1 AS found FROM rm_enterprises WHERE id = ?", (enterprise_id,))
            return cur.fetchone() is not None

    def hours_figures(self, scope: HoursScope, start_date: date, end_date: date, group_by: str,
                      rules: Rules) -> HoursFigures:
        first, last = start_date.isoformat(), end_date.isoformat()
        with self._store.read() as cur:
            # Rosters that may hold a shift of the first week, whatever weekday weeks start on.
            settings = _roster_settings(cur, scope, (start_date - timedelta(days=6)).isoformat(), last)
            limits, week_starts_on = rules(settings)
            days = self._days(cur, scope, first, last)
            sums = self._sums(cur, scope, first, last, "a.employee_id" if group_by == "employee" else "a.date")
            weeks: list[WeekLoad] = []
            loads: list[DayLoad] = []
            if any(limit is not None for limit in limits.values()):
                week_start = week_of(start_date, week_starts_on).isoformat()
                weeks = self._weeks(cur, scope, week_start, first, last, week_starts_on)
                over = sorted({employee for employee, _ in weekly_overtime(weeks, limits)})
                if group_by == "day" and over:
                    loads = self._day_loads(cur, scope, week_start, last, over)
            people = _people(cur, sorted({int(s.key) for s in sums})) if group_by == "employee" else {}
        return HoursFigures(days=days, sums=sums, limits=limits, week_starts_on=week_starts_on, weeks=weeks,
                            day_loads=loads, people=people)

    def _days(self, cur: Cursor, scope: HoursScope, first: str, last: str) -> list[DayShifts]:
        owner, value = _owner(scope, "s")
        cur.execute(
            f"SELECT s.date AS day, COUNT(*) AS shifts, SUM({OPEN}) AS open_places,"
            f" SUM(({OPEN}) * s.minutes) AS open_minutes FROM an_shifts s"
            f" WHERE {owner} AND s.date >= ? AND s.date <= ? AND s.is_deleted = ? GROUP BY s.date",
            (value, first, last, False),
        )
        return [DayShifts(r["day"], int(r["shifts"]), int(r["open_places"]), int(r["open_minutes"]))
                for r in cur.fetchall()]

    def _sums(self, cur: Cursor, scope: HoursScope, first: str, last: str, key: str) -> list[StatusSum]:
        """Booked assignments (pending or confirmed, of a live shift) and declined ones of live shifts."""
        owner, value = _owner(scope, "a")
        shift_owner, _ = _owner(scope, "s")
        cur.execute(
            f"SELECT {key} AS k, a.status, COUNT(*) AS n, SUM(a.minutes) AS minutes FROM an_assignments a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND (a.is_booked = ? OR (a.status = ?"
            f" AND a.shift_id NOT IN (SELECT s.shift_id FROM an_shifts s WHERE {shift_owner} AND s.date >= ?"
            "  AND s.date <= ? AND s.is_deleted = ?))) GROUP BY 1, 2",
            (value, first, last, True, "declined", value, first, last, True),
        )
        return [StatusSum(r["k"], r["status"], int(r["n"]), int(r["minutes"])) for r in cur.fetchall()]

    def _weeks(self, cur: Cursor, scope: HoursScope, week_start: str, first: str, last: str,
               week_starts_on: int) -> list[WeekLoad]:
        owner, value = _owner(scope, "a")
        week = "a.week_start" if week_starts_on == 0 else self._week.format(first=int(week_starts_on))
        cur.execute(
            f"SELECT a.employee_id, {week} AS week_start, a.roster_id, CASE WHEN a.date < ? THEN 1 ELSE 0 END"
            f" AS early, SUM(a.minutes) AS minutes FROM an_assignments a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.is_booked = ? GROUP BY 1, 2, 3, 4",
            (first, value, week_start, last, True),
        )
        return [WeekLoad(int(r["employee_id"]), r["week_start"], int(r["roster_id"]), bool(r["early"]),
                         int(r["minutes"])) for r in cur.fetchall()]

    def _day_loads(self, cur: Cursor, scope: HoursScope, week_start: str, last: str,
                   employees: list[int]) -> list[DayLoad]:
        owner, value = _owner(scope, "a")
        cur.execute(
            "SELECT a.employee_id, a.date, SUM(a.minutes) AS minutes FROM an_assignments a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.is_booked = ?"
            f" AND a.employee_id IN ({_marks(employees)}) GROUP BY 1, 2",
            (value, week_start, last, True, *employees),
        )
        return [DayLoad(int(r["employee_id"]), r["date"], int(r["minutes"])) for r in cur.fetchall()]


def _roster_settings(cur: Cursor, scope: HoursScope, first: str, last: str) -> dict[int, dict[str, Any]]:
    """The stored settings of the rosters in scope overlapping first to last (kept by the rostering projection)."""
    owner, value = _owner(scope, "r")
    cur.execute(f"SELECT r.id, r.settings FROM rm_rosters r WHERE {owner} AND r.is_deleted = ?"
                " AND r.start_date <= ? AND r.end_date >= ?", (value, False, last, first))
    return {int(r["id"]): json.loads(r["settings"]) for r in cur.fetchall()}


def _people(cur: Cursor, employee_ids: list[int]) -> dict[int, Person]:
    if not employee_ids:
        return {}
    cur.execute(f"SELECT id, full_name, email FROM rm_users WHERE id IN ({_marks(employee_ids)})", employee_ids)
    return {int(r["id"]): Person(int(r["id"]), r["full_name"], r["email"]) for r in cur.fetchall()}
