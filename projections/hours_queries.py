"""The HoursQueries port over the analytics tables: the database sums, Python only adds up.

A year of a department is about 4,000 shifts and 11,000 assignments: read row by row, or
joined shift to assignment, they would cost tens of times the roster listing. The analytics
projection (docs/analytics.md) keeps one row per shift (`an_shifts`, with its date, ISO week,
department and elapsed `minutes`: 7 or 9 hours for a Berlin night across a DST change), the
assignments summed per employee, day and department (`an_employee_days`: booked, confirmed
and declined counts and minutes, and the running sum of the employee's Monday week) and per
employee and Monday week (`an_employee_weeks`): so each statement here reads one table
through its (department_id, date) or (enterprise_id, date) index and groups what it reads
(by day, by employee or date, by employee and week).

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

WEEK = {
    "sqlite": "date(a.date, '-' || ((CAST(strftime('%w', a.date) AS INTEGER) + 13 - {first}) % 7) || ' days')",
    "postgres": "to_char(CAST(a.date AS date) - (CAST(EXTRACT(ISODOW FROM CAST(a.date AS date)) AS INTEGER)"
                " + 6 - {first}) % 7, 'YYYY-MM-DD')",
}
"""The first day (ISO) of an assignment's week, weeks starting on weekday `first` (0 = Monday), as
`week_of` says; for Monday, the stored `week_start` is that already."""
STATUSES = ("pending", "confirmed", "declined")
STATUS_COLUMNS = (
    ("pending", "planned_shifts - confirmed_shifts", "planned_minutes - confirmed_minutes"),
    ("confirmed", "confirmed_shifts", "confirmed_minutes"),
    ("declined", "declined_shifts", "declined_minutes"),
)
"""Each status's assignments and minutes, from the columns of an_employee_days and an_roster_days."""


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
            # The roster days (one row per roster and date) hold the shifts, open places and
            # assignment sums of the day and week reports; an employee report sums employee days.
            days, sums = self._roster_days(cur, scope, first, last, "r.week_start" if by_week else "r.date",
                                           group_by != "employee")
            if group_by == "employee":
                sums = self._sums(cur, scope, first, last, "a.employee_id")
            first_week = week_of(start_date, week_starts_on)
            allowed = allowed_by_week(rosters, limits, first_week, end_date, week_starts_on)
            weeks: list[WeekLoad] = []
            by_day: dict[str, float] = {}
            if allowed:
                weeks = self._weeks(cur, scope, first_week, start_date, end_date, week_starts_on,
                                    min(allowed.values()))
                if group_by == "day":
                    by_day = self._day_overtime(cur, scope, weeks, start_date, end_date, allowed, week_starts_on)
            people = _people(cur, sorted({int(s.key) for s in sums})) if group_by == "employee" else {}
        return HoursFigures(days=days, sums=sums, allowed=allowed, week_starts_on=week_starts_on, weeks=weeks,
                            day_overtime=by_day, people=people)

    def _roster_days(self, cur: Cursor, scope: HoursScope, first: str, last: str, key: str,
                     with_sums: bool) -> tuple[list[DayShifts], list[StatusSum]]:
        """Live shifts and their open places by `key` (their date, or their Monday), and with
        `with_sums` their assignments by status, from the projection's roster days (a roster's
        shifts and assignments of one date, summed: about 365 rows for a department's year)."""
        owner, value = _owner(scope, "r")
        statuses = "".join(f", SUM({n}) AS {status}_n, SUM({m}) AS {status}_m"
                           for status, n, m in STATUS_COLUMNS) if with_sums else ""
        cur.execute(
            f"SELECT {key} AS k, SUM(r.shifts) AS shifts, SUM(r.open_places) AS open_places,"
            f" SUM(r.open_minutes) AS open_minutes{statuses} FROM an_roster_days r"
            f" WHERE {owner} AND r.date >= ? AND r.date <= ? GROUP BY 1",
            (value, first, last),
        )
        rows = cur.fetchall()
        days = [DayShifts(r["k"], int(r["shifts"]), int(r["open_places"]), int(r["open_minutes"])) for r in rows]
        if not with_sums:
            return days, []
        return days, [StatusSum(r["k"], status, int(r[f"{status}_n"]), int(r[f"{status}_m"]))
                      for r in rows for status in STATUSES if r[f"{status}_n"]]

    def _sums(self, cur: Cursor, scope: HoursScope, first: str, last: str, key: str) -> list[StatusSum]:
        """Booked assignments (pending or confirmed, of a live shift) and declined ones of live shifts,
        as the analytics projection keeps them counted per employee and day (`an_employee_days`)."""
        owner, value = _owner(scope, "a")
        statuses = ", ".join(f"SUM(a.{n}) AS {status}_n, SUM(a.{m}) AS {status}_m" for status, n, m in STATUS_COLUMNS)
        cur.execute(
            f"SELECT {key} AS k, {statuses} FROM an_employee_days a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? GROUP BY 1",
            (value, first, last),
        )
        return [StatusSum(r["k"], status, int(r[f"{status}_n"]), int(r[f"{status}_m"]))
                for r in cur.fetchall() for status in STATUSES if r[f"{status}_n"]]

    def _weeks(self, cur: Cursor, scope: HoursScope, first_week: date, start: date, end: date,
               week_starts_on: int, least_limit: float) -> list[WeekLoad]:
        """Each employee's planned minutes in each week of the range that may go past a limit (more
        minutes than `least_limit`, the smallest: the others have no overtime, whatever their
        days). Monday weeks are kept summed by the analytics projection (`an_employee_weeks`, one
        row per employee and week of a department); other weeks are summed here from its employee
        days. The first and last week may reach outside the range: their minutes dated before it
        are told apart, and those dated after it left out (they come later in time, so they change
        no overtime of the range)."""
        last_week = week_of(end, week_starts_on)
        after = last_week + timedelta(days=6)
        if week_starts_on == 0 and scope.department_id is not None:
            cur.execute(
                "SELECT e.employee_id, e.week_start, e.minutes FROM an_employee_weeks e WHERE e.department_id = ?"
                " AND e.week_start >= ? AND e.week_start <= ? AND e.minutes > ?",
                (scope.department_id, first_week.isoformat(), last_week.isoformat(), least_limit),
            )
        elif week_starts_on == 0:
            cur.execute(
                "SELECT e.employee_id, e.week_start, SUM(e.minutes) AS minutes FROM an_employee_weeks e"
                " WHERE e.enterprise_id = ? AND e.week_start >= ? AND e.week_start <= ? GROUP BY 1, 2"
                " HAVING SUM(e.minutes) > ?",
                (scope.enterprise_id, first_week.isoformat(), last_week.isoformat(), least_limit),
            )
        else:
            owner, value = _owner(scope, "a")
            week = self._week.format(first=int(week_starts_on))
            cur.execute(
                f"SELECT a.employee_id, {week} AS week_start, SUM(a.planned_minutes) AS minutes"
                f" FROM an_employee_days a WHERE {owner} AND a.date >= ? AND a.date <= ?"
                " AND a.planned_shifts > 0 GROUP BY 1, 2 HAVING SUM(a.planned_minutes) > ?",
                (value, first_week.isoformat(), after.isoformat(), least_limit),
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
            "SELECT a.employee_id, SUM(a.planned_minutes) AS minutes FROM an_employee_days a"
            f" WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.planned_shifts > 0 GROUP BY 1",
            (value, first.isoformat(), last.isoformat()),
        )
        return {int(r["employee_id"]): int(r["minutes"]) for r in cur.fetchall()}

    def _day_overtime(self, cur: Cursor, scope: HoursScope, loads: list[WeekLoad], start: date,
                      end: date, allowed: dict[str, float], week_starts_on: int) -> dict[str, float]:
        """Overtime minutes by date, summed over employees: each employee's week is taken day by day in
        date order, and the minutes past the week's limit fall on the day they are worked. Only
        this sum per date leaves the database.

        For one department's Monday weeks the projection keeps the running sum of each employee's
        week on each of their days (`an_employee_days.week_minutes`): the days past the limit are
        picked out and summed by date. Otherwise (an enterprise, where one employee's week may span
        departments, or weeks starting on another day) the running sum is a window function over the
        employee days of the employees and weeks with overtime."""
        if not loads:  # no week past the smallest limit
            return {}
        if scope.department_id is not None and week_starts_on == 0:
            # Weeks without overtime have no day past their limit: every week's limit is given.
            limit, limit_params = _limit_by_week("a.week_start", sorted(allowed), allowed)
            cur.execute(
                "SELECT d, SUM(CASE WHEN cum - m >= lim THEN m ELSE cum - lim END) AS over"
                f" FROM (SELECT a.date AS d, a.planned_minutes AS m, a.week_minutes AS cum, {limit} AS lim"
                "  FROM an_employee_days a WHERE a.department_id = ? AND a.date >= ? AND a.date <= ?"
                "  AND a.planned_shifts > 0 AND a.week_minutes > ?) days WHERE cum > lim GROUP BY d",
                (*limit_params, scope.department_id, start.isoformat(), end.isoformat(), min(allowed.values())),
            )
            return {r["d"]: float(r["over"]) for r in cur.fetchall() if r["over"]}
        over = weekly_overtime(loads, allowed)
        if not over:
            return {}
        weeks = sorted({w for _, w in over})
        first = weeks[0]
        last = min(end, date.fromisoformat(weeks[-1]) + timedelta(days=6)).isoformat()
        owner, value = _owner(scope, "a")
        week = "a.week_start" if week_starts_on == 0 else self._week.format(first=int(week_starts_on))
        employees = sorted({employee for employee, _ in over})
        limit, limit_params = _limit_by_week(week, weeks, allowed)
        # An employee working in two departments of an enterprise report has two rows a day: summed.
        cur.execute(
            "SELECT d, SUM(CASE WHEN cum <= lim THEN 0 WHEN cum - m >= lim THEN m ELSE cum - lim END) AS over"
            f" FROM (SELECT a.date AS d, SUM(a.planned_minutes) AS m, {limit} AS lim,"
            f" SUM(SUM(a.planned_minutes)) OVER (PARTITION BY a.employee_id, {week} ORDER BY a.date) AS cum"
            f" FROM an_employee_days a WHERE {owner} AND a.date >= ? AND a.date <= ? AND a.planned_shifts > 0"
            f" AND a.employee_id IN ({_marks(employees)}) GROUP BY a.employee_id, {week}, a.date) days"
            " WHERE lim IS NOT NULL AND d >= ? GROUP BY d",
            (*limit_params, value, first, last, *employees, start.isoformat()),
        )
        return {r["d"]: float(r["over"]) for r in cur.fetchall() if r["over"]}


def _limit_by_week(week: str, weeks: list[str], allowed: dict[str, float]) -> tuple[str, list[Any]]:
    """A CASE giving each week's limit in minutes (NULL for weeks not listed): one `IN` list per
    distinct limit, as most years have a single one, rather than a branch per week."""
    by_limit: dict[int, list[str]] = {}
    for w in weeks:
        by_limit.setdefault(round(allowed[w]), []).append(w)
    sql = "CASE " + " ".join(f"WHEN {week} IN ({_marks(ws)}) THEN CAST(? AS INTEGER)" for ws in by_limit.values())
    return sql + " END", [v for minutes, ws in by_limit.items() for v in (*ws, minutes)]


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
