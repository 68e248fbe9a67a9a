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

from application.hours_tally import allowed_by_week, week_of, weekly_overtime
from application.hours_views import (
    DayShifts,
    HoursFigures,
    HoursScope,
    Person,
    RosterSpan,
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
            # Rosters that may cover a day of the first week, whatever weekday weeks start on.
            rosters = _rosters(cur, scope, (start_date - timedelta(days=6)).isoformat(), last)
            limits, week_starts_on = rules({r.roster_id: r.settings for r in rosters})
            # Monday weeks are stored with each row: a week report groups by them at once.
            by_week = group_by == "week" and week_starts_on == 0
            days = self._days(cur, scope, first, last, "s.week_start" if by_week else "s.date")
            key = {"employee": "a.employee_id", "week": "a.week_start" if by_week else "a.date"}.get(group_by, "a.date")
            sums = self._sums(cur, scope, first, last, key)
            first_week = week_of(start_date, week_starts_on)
            allowed = allowed_by_week(rosters, limits, first_week, end_date, week_starts_on)
            weeks: list[WeekLoad] = []
            by_day: dict[str, float] = {}
            if allowed:
                weeks = self._weeks(cur, scope, first_week, start_date, end_date, week_starts_on)
                over = weekly_overtime(weeks, allowed)
                if group_by == "day" and over:
                    by_day = self._day_overtime(cur, scope, over, start_date, end_date, allowed, week_starts_on)
            people = _people(cur, sorted({int(s.key) for s in sums})) if group_by == "employee" else {}
        return HoursFigures(days=days, sums=sums, allowed=allowed, week_starts_on=week_starts_on, weeks=weeks,
                            day_overtime=by_day, people=people)

    def _days(self, cur: Cursor, scope: HoursScope, first: str, last: str, key: str) -> list[DayShifts]:
        """Live shifts and their open places by `key` (their date, or their Monday)."""
        owner, value = _owner(scope, "s")
        cur.execute(
            f"SELECT {key} AS day, COUNT(*) AS shifts, SUM({OPEN}) AS open_places,"
            f" SUM(({OPEN}) * s.minutes) AS open_minutes FROM an_shifts s"
            f" WHERE {owner} AND s.date >= ? AND s.date <= ? AND s.is_deleted = ? GROUP BY 1",
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

    def _weeks(self, cur: Cursor, scope: HoursScope, first_week: date, start: date, end: date,
               week_starts_on: int) -> list[WeekLoad]:
        """Each employee's planned minutes in each week of the range. Monday weeks are kept summed
        by the analytics projection (`an_employee_weeks`); other weeks are summed here. The first
        and last week may reach outside the range: their minutes dated before it are told apart,
        and those dated after it left out (they come later in time, so they change no overtime
        of the range)."""
        last_week = week_of(end, week_starts_on)
        after = last_week + timedelta(days=6)
        if week_starts_on == 0:
            owner, value = _owner(scope, "e")
            cur.execute(
                "SELECT e.employee_id, e.week_start, SUM(e.minutes) AS minutes FROM an_employee_weeks e"
                f" WHERE {owner} AND e.week_start >= ? AND e.week_start <= ? GROUP BY 1, 2",
                (value, first_week.isoformat(), last_week.isoformat()),
            )
        else:
            owner, value = _owner(scope, "a")
            week = self._week.format(first=int(week_starts_on))
            cur.execute(
                f"SELECT a.employee_id, {week} AS week_start, SUM(a.minutes) AS minutes FROM an_assignments a"
                f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.is_booked = ? GROUP BY 1, 2",
                (value, first_week.isoformat(), after.isoformat(), True),
            )
        totals = [(int(r["employee_id"]), r["week_start"], int(r["minutes"])) for r in cur.fetchall()]
        before = self._booked(cur, scope, first_week, start - timedelta(days=1)) if start > first_week else {}
        late = self._booked(cur, scope, end + timedelta(days=1), after) if end < after else {}
        first_key, last_key = first_week.isoformat(), last_week.isoformat()
        loads = []
        for employee, week, minutes in totals:
            early = before.get(employee, 0) if week == first_key else 0
            later = late.get(employee, 0) if week == last_key else 0
            loads.append(WeekLoad(employee, week, early, minutes - early - later))
        return loads

    def _booked(self, cur: Cursor, scope: HoursScope, first: date, last: date) -> dict[int, int]:
        """Each employee's planned minutes dated first to last (a few days at the ends of the range)."""
        owner, value = _owner(scope, "a")
        cur.execute(
            "SELECT a.employee_id, SUM(a.minutes) AS minutes FROM an_assignments a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.is_booked = ? GROUP BY 1",
            (value, first.isoformat(), last.isoformat(), True),
        )
        return {int(r["employee_id"]): int(r["minutes"]) for r in cur.fetchall()}

    def _day_overtime(self, cur: Cursor, scope: HoursScope, over: dict[tuple[int, str], float], start: date,
                      end: date, allowed: dict[str, float], week_starts_on: int) -> dict[str, float]:
        """Overtime minutes by date, summed over employees. Each employee's week is taken day by day in
        date order (a running sum, by window function): the minutes past the week's limit fall on the
        day they are worked. Only the employees and weeks with overtime (`over`) are read, and only
        this sum per date leaves the database."""
        owner, value = _owner(scope, "a")
        week = "a.week_start" if week_starts_on == 0 else self._week.format(first=int(week_starts_on))
        weeks = sorted({w for _, w in over})
        employees = sorted({employee for employee, _ in over})
        first = weeks[0]
        last = min(end, date.fromisoformat(weeks[-1]) + timedelta(days=6)).isoformat()
        limits = [(w, allowed[w]) for w in weeks]
        limit = "CASE " + " ".join(f"WHEN {week} = ? THEN CAST(? AS INTEGER)" for _ in limits) + " END"
        cur.execute(
            "SELECT d, SUM(CASE WHEN cum <= lim THEN 0 WHEN cum - m >= lim THEN m ELSE cum - lim END) AS over"
            f" FROM (SELECT a.date AS d, SUM(a.minutes) AS m, {limit} AS lim,"
            f" SUM(SUM(a.minutes)) OVER (PARTITION BY a.employee_id, {week} ORDER BY a.date) AS cum"
            f" FROM an_assignments a WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.is_booked = ?"
            f" AND a.employee_id IN ({_marks(employees)}) GROUP BY a.employee_id, {week}, a.date) days"
            " WHERE lim IS NOT NULL AND d >= ? GROUP BY d",
            (*[v for w, minutes in limits for v in (w, round(minutes))], value, first, last, True, *employees,
             start.isoformat()),
        )
        return {r["d"]: float(r["over"]) for r in cur.fetchall() if r["over"]}


def _rosters(cur: Cursor, scope: HoursScope, first: str, last: str) -> list[RosterSpan]:
    """The rosters in scope overlapping first to last, with their stored settings (rostering projection)."""
    owner, value = _owner(scope, "r")
    cur.execute(f"SELECT r.id, r.start_date, r.end_date, r.settings FROM rm_rosters r WHERE {owner}"
                " AND r.is_deleted = ? AND r.start_date <= ? AND r.end_date >= ?", (value, False, last, first))
    return [RosterSpan(int(r["id"]), r["start_date"], r["end_date"], json.loads(r["settings"])) for r in cur.fetchall()]


def _people(cur: Cursor, employee_ids: list[int]) -> dict[int, Person]:
    if not employee_ids:
        return {}
    cur.execute(f"SELECT id, full_name, email FROM rm_users WHERE id IN ({_marks(employee_ids)})", employee_ids)
    return {int(r["id"]): Person(int(r["id"]), r["full_name"], r["email"]) for r in cur.fetchall()}
