"""Analytics read model: shifts, assignments, daily roster coverage, weekly and daily hours per employee.

Self-contained: handlers read and write only the `an_` tables, never another projection's
`rm_` tables, which a different worker may keep ahead of or behind this one. What a later
event needs but does not carry (a shift's date and length for its assignments, the
department of an assignment) is kept here, in `an_shifts` and `an_assignments`.

The aggregate tables (roster days, employee weeks and days) are never adjusted by +/- deltas:
the rows a batch may have touched are recomputed from the base tables at the end of the batch, so an aggregate row
is always a function of `an_shifts` and `an_assignments`, whatever the order of the events
and wherever batches begin and end (neither table has a time column to depend on them).

Deterministic: every time written comes from the event (`stamp`), there are no generated
ids, and a row's `updated_at` moves only when one of its columns really changes, so a
rebuild from the first event reproduces every row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.assignment import ACTIVE, Assignment, AssignmentStatus
from domain.shift import Shift
from domain.timeslots import shift_interval
from domain.zones import UTC

from projections.analytics_schema import ANALYTICS
from projections.base import Handler, Projection, stamp, uuid_of
from projections.sql import Cursor, many, one

log = logging.getLogger(__name__)

Row = dict[str, Any]
TIMING = ("date", "week_start", "minutes", "hours")
"""The columns an assignment copies from its shift."""
SHIFT_FACTS = ("shift_id", "roster_id", "department_id", "enterprise_id", *TIMING, "is_deleted")
"""What an assignment's events read of its shift: all but the counts, which move on every booking."""
DAY_COUNTS = ("planned_shifts", "planned_minutes", "confirmed_shifts", "confirmed_minutes", "declined_shifts",
              "declined_minutes")
"""The assignment counts of an `an_employee_days` row, also kept per roster day in `an_roster_days`."""
CONFIRMED, DECLINED = AssignmentStatus.CONFIRMED.value, AssignmentStatus.DECLINED.value
OPEN = "CASE WHEN required_staff > assigned_staff THEN required_staff - assigned_staff ELSE 0 END"
"""A shift's places nobody holds."""


class AnalyticsProjection(Projection):
    name = "analytics"
    rebuild_cost = 3
    ddl = ANALYTICS
    query_indexes = frozenset({
        "an_shifts_enterprise_date",
        "an_assignments_enterprise_date",
        "an_shifts_department_date",  # these two: the hours report's
        "an_assignments_department_date",
        "an_employee_weeks_department_week",
        "an_roster_days_enterprise_date",
        "an_employee_weeks_enterprise_week",
        "an_employee_days_department_date",
        "an_roster_days_department_date",
        "an_employee_days_enterprise_date",
    })
    version = 4  # 2: assignments made or taken over by shift claims; 3: time zones: elapsed minutes,
    # an_shifts.timezone, start_utc, end_utc; 4: the hours report's: an_employee_days, and
    # an_roster_days' open places and assignment sums
    answers_commands = False  # analysts' tables: no command response waits for them

    def __init__(self) -> None:
        self._days: set[tuple[int, str]] = set()
        """(roster, date) and (employee, week, department) keys the batch touched."""
        self._weeks: set[tuple[int, str, int]] = set()
        self._shifts: dict[int, Row] = {}
        """SHIFT_FACTS of the shifts this batch planned or read: most assignments' events come
        in the batch that planned their shift."""
        self._bookings: dict[int, list[Any]] = {}
        """Per shift, the batch's unwritten change of assigned_staff and the time of its last
        booking event (see `book`)."""

    def begin_batch(self) -> None:
        self._days, self._weeks, self._shifts, self._bookings = set(), set(), {}, {}

    def book(self, shift_id: int, change: int, at: str) -> None:
        """One assignment of the shift became booked (+1) or stopped being booked (-1).

        assigned_staff equals the count of the shift's booked assignments after every batch:
        an assignment's own event moves it by one, and a shift change, which may move them
        all, recounts it (`refresh_shift_staff`). The moves of a batch are summed and written
        once per shift, with the time of the last, as one UPDATE per event would have left
        the row, before anything reads the column (a shift change, the batch's end)."""
        pending = self._bookings.get(shift_id)
        if pending is None:
            self._bookings[shift_id] = [change, at]
        else:
            pending[0] += change
            pending[1] = at

    def _write_bookings(self, cur: Cursor) -> None:
        for shift_id, (change, at) in self._bookings.items():
            cur.execute(
                "UPDATE an_shifts SET assigned_staff = assigned_staff + ?, updated_at = ? WHERE shift_id = ?",
                (change, at, shift_id),
            )
        self._bookings = {}

    def _shift(self, cur: Cursor, shift_id: int) -> Row | None:
        if shift_id not in self._shifts:
            row = one(cur, "SELECT * FROM an_shifts WHERE shift_id = ?", shift_id)
            if row is None:
                return None
            self._shifts[shift_id] = {column: row[column] for column in SHIFT_FACTS}
        return self._shifts[shift_id]

    def end_batch(self, cur: Cursor) -> None:
        self._write_bookings(cur)
        for roster_id, day in sorted(self._days):
            refresh_roster_day(cur, roster_id, day)
        refresh_weeks(cur, self._weeks)  # and their employee days
        self._days, self._weeks = set(), set()

    def handlers(self) -> dict[type, Handler]:
        # Shift.PlaceTaken / PlaceFreed / HandedOver are not needed: the same save carries
        # the assignment events, and assigned_staff is counted from the assignments.
        return {
            Shift.Planned: self.shift_planned,
            Shift.Revised: self.shift_changed(lambda e: {
                **timing(e.day, e.start_time, e.end_time, e.timezone), "required_staff": e.required_staff,
            }),
            Shift.Deleted: self.shift_changed(lambda e: {"is_deleted": True}),
            Assignment.Made: self.assignment_made,
            Assignment.Answered: self.assignment_changed(lambda e: {"status": e.status}),
            Assignment.Removed: self.assignment_changed(
                lambda e: {"status": AssignmentStatus.REMOVED.value}
            ),
            # A swap: the assignment changes hands and must be confirmed again.
            Assignment.HandedOver: self.assignment_changed(
                lambda e: {"employee_id": e.employee_id, "status": AssignmentStatus.PENDING.value}
            ),
            # A claim of a place offered up: the claimant holds it, confirmed (their own yes).
            Assignment.TakenOver: self.assignment_changed(
                lambda e: {"employee_id": e.employee_id, "status": AssignmentStatus.CONFIRMED.value}
            ),
        }

    # -- shifts ---------------------------------------------------------------

    def shift_planned(self, e: Any, cur: Cursor) -> None:
        at, _ = stamp(e)
        when = timing(e.day, e.start_time, e.end_time, e.timezone)
        cur.execute(
            "INSERT INTO an_shifts (shift_id, uuid, roster_id, department_id, enterprise_id, date,"
            " week_start, start_at, end_at, minutes, hours, required_staff, assigned_staff,"
            " is_deleted, created_at, updated_at, timezone, start_utc, end_utc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
            (e.shift_id, uuid_of(e), e.roster_id, e.department_id, e.enterprise_id,
             when["date"], when["week_start"], when["start_at"], when["end_at"], when["minutes"],
             when["hours"], e.required_staff, False, at, at, when["timezone"], when["start_utc"],
             when["end_utc"]),
        )
        self._shifts[e.shift_id] = {
            "shift_id": e.shift_id, "roster_id": e.roster_id, "department_id": e.department_id,
            "enterprise_id": e.enterprise_id, **{column: when[column] for column in TIMING}, "is_deleted": False,
        }
        self._days.add((e.roster_id, when["date"]))

    def shift_changed(self, values: Callable[[Any], Row]) -> Handler:
        """Revised or deleted: the shift's assignments follow it, and every total it was in."""

        def handle(e: Any, cur: Cursor) -> None:
            at, _ = stamp(e)
            self._write_bookings(cur)  # it reads and recounts assigned_staff
            old = one(cur, "SELECT * FROM an_shifts WHERE uuid = ?", uuid_of(e))
            if old is None:
                log.warning("analytics: %s of an unknown shift %s skipped", type(e).__qualname__, e.originator_id)
                return
            update(cur, "an_shifts", "shift_id", old, values(e), at)
            self._shifts.pop(old["shift_id"], None)
            new = one(cur, "SELECT * FROM an_shifts WHERE shift_id = ?", old["shift_id"])
            assert new is not None
            held = many(cur, "SELECT * FROM an_assignments WHERE shift_id = ? ORDER BY assignment_id",
                        old["shift_id"])
            for a in held:
                update(cur, "an_assignments", "assignment_id", a, {
                    **{column: new[column] for column in TIMING},
                    "is_booked": a["status"] in ACTIVE and not new["is_deleted"],
                }, at)
            refresh_shift_staff(cur, old["shift_id"], at)
            self._days.update((old["roster_id"], day) for day in (old["date"], new["date"]))
            self._weeks.update(
                (a["employee_id"], week, a["department_id"])
                for a in held for week in (old["week_start"], new["week_start"])
            )

        return handle

    # -- assignments ----------------------------------------------------------

    def assignment_made(self, e: Any, cur: Cursor) -> None:
        at, _ = stamp(e)
        # The event names only the shift: its date, length and tenant come from our copy.
        shift = self._shift(cur, e.shift_id)
        if shift is None:
            log.warning("analytics: assignment %s on an unknown shift %s skipped", e.assignment_id, e.shift_id)
            return
        cur.execute(
            "INSERT INTO an_assignments (assignment_id, uuid, shift_id, roster_id, department_id,"
            " enterprise_id, employee_id, date, week_start, minutes, hours, status, is_booked,"
            " assigned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.assignment_id, uuid_of(e), e.shift_id, shift["roster_id"],
             shift["department_id"], shift["enterprise_id"], e.employee_id, shift["date"],
             shift["week_start"], shift["minutes"], shift["hours"], made_status(e),
             not shift["is_deleted"], at, at),
        )
        if not shift["is_deleted"]:
            self.book(e.shift_id, 1, at)
        self._days.add((shift["roster_id"], shift["date"]))
        self._weeks.add((e.employee_id, shift["week_start"], shift["department_id"]))

    def assignment_changed(self, values: Callable[[Any], Row]) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            at, _ = stamp(e)
            old = one(cur, "SELECT * FROM an_assignments WHERE uuid = ?", uuid_of(e))
            if old is None:
                log.warning("analytics: %s of an unknown assignment %s skipped", type(e).__qualname__,
                            e.originator_id)
                return
            shift = self._shift(cur, old["shift_id"])
            assert shift is not None  # an assignment row is only written for a known shift
            changes = values(e)
            status = changes.get("status", old["status"])
            booked = status in ACTIVE and not shift["is_deleted"]
            changes["is_booked"] = booked
            update(cur, "an_assignments", "assignment_id", old, changes, at)
            if booked != bool(old["is_booked"]):
                self.book(old["shift_id"], 1 if booked else -1, at)
            self._days.add((shift["roster_id"], shift["date"]))
            employees = {old["employee_id"], changes.get("employee_id", old["employee_id"])}
            self._weeks.update((emp, old["week_start"], old["department_id"]) for emp in employees)

        return handle


# -- derived values -------------------------------------------------------------


def made_status(e: Any) -> str:
    """A new assignment is pending, unless a claim made it (confirmed: the claimant's own yes)."""
    return AssignmentStatus.PENDING.value if getattr(e, "claim_id", None) is None else AssignmentStatus.CONFIRMED.value


def timing(day: date, start: time, end: time, zone: str) -> Row:
    """When a shift lies and how long it is; an end not after the start is the next day.

    `start_at` and `end_at` are the wall clock of the shift's zone, as planned; `start_utc` and
    `end_utc` the instants; the length is the time elapsed between them, in whole minutes, so
    a night across a daylight-saving change counts 7 or 9 hours.
    """
    span = shift_interval(day, start, end, zone)
    minutes = round((span.end - span.start).total_seconds() / 60)
    ends_on = day if end > start else day + timedelta(days=1)
    return {
        "date": day.isoformat(),
        "week_start": week_start(day),
        "start_at": _minute(datetime.combine(day, start)),
        "end_at": _minute(datetime.combine(ends_on, end)),
        "minutes": minutes,
        "hours": minutes / 60,
        "timezone": zone,
        "start_utc": _minute(span.start.astimezone(UTC)),
        "end_utc": _minute(span.end.astimezone(UTC)),
    }


def week_start(day: date) -> str:
    """The Monday of the ISO week holding `day`."""
    return (day - timedelta(days=day.weekday())).isoformat()


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


# -- recomputing the aggregates from the base tables ------------------------------------


def refresh_shift_staff(cur: Cursor, shift_id: int, at: str) -> None:
    """assigned_staff: the shift's booked assignments (the domain keeps it equal to its filled places)."""
    row = one(cur, "SELECT COUNT(*) AS n FROM an_assignments WHERE shift_id = ? AND is_booked = ?",
              shift_id, True)
    count = int(row["n"]) if row else 0
    cur.execute(
        "UPDATE an_shifts SET assigned_staff = ?, updated_at = ? WHERE shift_id = ? AND assigned_staff <> ?",
        (count, at, shift_id, count),
    )


def refresh_roster_day(cur: Cursor, roster_id: int, day: str) -> None:
    """Recount one roster day from its live shifts; a day left without any has no row."""
    row = one(
        cur,
        "SELECT COUNT(*) AS shifts, SUM(required_staff) AS required, SUM(assigned_staff) AS filled,"
        f" SUM({OPEN}) AS open_places, SUM(({OPEN}) * minutes) AS open_minutes,"
        " MIN(department_id) AS department_id, MIN(enterprise_id) AS enterprise_id"
        " FROM an_shifts WHERE roster_id = ? AND date = ? AND is_deleted = ?",
        roster_id, day, False,
    )
    if row is None or int(row["shifts"]) == 0:
        cur.execute("DELETE FROM an_roster_days WHERE roster_id = ? AND date = ?", (roster_id, day))
        return
    required, filled = int(row["required"]), int(row["filled"])
    coverage = round(filled * 100 / required, 2) if required else 0.0
    # The day's assignments: those of its live shifts (a deleted shift's are neither booked nor
    # counted as declined).
    held = one(
        cur,
        "SELECT SUM(CASE WHEN a.is_booked = ? THEN 1 ELSE 0 END) AS planned_shifts,"
        " SUM(CASE WHEN a.is_booked = ? THEN a.minutes ELSE 0 END) AS planned_minutes,"
        " SUM(CASE WHEN a.is_booked = ? AND a.status = ? THEN 1 ELSE 0 END) AS confirmed_shifts,"
        " SUM(CASE WHEN a.is_booked = ? AND a.status = ? THEN a.minutes ELSE 0 END) AS confirmed_minutes,"
        " SUM(CASE WHEN a.status = ? THEN 1 ELSE 0 END) AS declined_shifts,"
        " SUM(CASE WHEN a.status = ? THEN a.minutes ELSE 0 END) AS declined_minutes"
        " FROM an_shifts s JOIN an_assignments a ON a.shift_id = s.shift_id"
        " WHERE s.roster_id = ? AND s.date = ? AND s.is_deleted = ?",
        True, True, True, CONFIRMED, True, CONFIRMED, DECLINED, DECLINED, roster_id, day, False,
    )
    sums = [int(held[c] or 0) if held else 0 for c in DAY_COUNTS]
    columns = ("week_start", "department_id", "enterprise_id", "shifts", "required_places", "filled_places",
               "coverage_percentage", "open_places", "open_minutes", *DAY_COUNTS)
    cur.execute(
        f"INSERT INTO an_roster_days (roster_id, date, {', '.join(columns)})"
        f" VALUES (?, ?, {', '.join('?' for _ in columns)}) ON CONFLICT (roster_id, date) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns),
        (roster_id, day, week_start(date.fromisoformat(day)), row["department_id"], row["enterprise_id"],
         int(row["shifts"]), required, filled, coverage, int(row["open_places"]), int(row["open_minutes"]), *sums),
    )


def refresh_weeks(cur: Cursor, keys: Iterable[tuple[int, str, int]]) -> None:
    """Recount each (employee, week, department): its `an_employee_weeks` row from its booked
    assignments (none left, no row), and its days in `an_employee_days` (`write_days`), from one
    read of the week's assignments."""
    for employee_id, week, department_id in sorted(set(keys)):
        held = many(
            cur,
            "SELECT a.date, a.enterprise_id, a.minutes, a.status, a.is_booked, s.is_deleted"
            " FROM an_assignments a JOIN an_shifts s ON s.shift_id = a.shift_id"
            " WHERE a.employee_id = ? AND a.week_start = ? AND a.department_id = ?",
            employee_id, week, department_id,
        )
        write_days(cur, employee_id, week, department_id, held)
        booked = [a for a in held if a["is_booked"]]
        if not booked:
            cur.execute(
                "DELETE FROM an_employee_weeks WHERE employee_id = ? AND week_start = ? AND department_id = ?",
                (employee_id, week, department_id),
            )
            continue
        minutes = sum(int(a["minutes"]) for a in booked)
        cur.execute(
            "INSERT INTO an_employee_weeks (employee_id, week_start, department_id, enterprise_id, shifts,"
            " minutes, hours) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (employee_id, week_start, department_id) DO UPDATE SET"
            " enterprise_id = excluded.enterprise_id, shifts = excluded.shifts,"
            " minutes = excluded.minutes, hours = excluded.hours",
            (employee_id, week, department_id, min(int(a["enterprise_id"]) for a in booked), len(booked), minutes,
             minutes / 60),
        )


def write_days(cur: Cursor, employee_id: int, week: str, department_id: int, held: list[Row]) -> None:
    """The employee's days of one week in one department, from all its assignments there (`held`).

    A day counts the employee's booked assignments, the confirmed among them, and declined
    ones of live shifts (read through `an_shifts`: a declined assignment is never booked, so
    only its shift says whether it still counts); with none of these it has no row. Its
    `week_minutes` (the week's planned minutes up to that day) moves with any earlier day of
    the week, so a week is recounted whole, and only the rows that change are written."""
    wanted = employee_days(held)
    # By date range, not week_start: the primary key (employee, date, department) finds them.
    stored = {r["date"]: r for r in many(
        cur, f"SELECT date, enterprise_id, {', '.join(DAY_COUNTS)}, week_minutes FROM an_employee_days"
             " WHERE employee_id = ? AND date >= ? AND date <= ? AND department_id = ?",
        employee_id, week, (date.fromisoformat(week) + timedelta(days=6)).isoformat(), department_id,
    )}
    for day in sorted(set(stored) - set(wanted)):
        cur.execute("DELETE FROM an_employee_days WHERE employee_id = ? AND date = ? AND department_id = ?",
                    (employee_id, day, department_id))
    columns = ("enterprise_id", *DAY_COUNTS, "week_minutes")
    for day, values in sorted(wanted.items()):
        old = stored.get(day)
        if old is not None and all(old[c] == v for c, v in zip(columns, values)):
            continue
        cur.execute(
            f"INSERT INTO an_employee_days (employee_id, date, department_id, week_start, {', '.join(columns)})"
            f" VALUES (?, ?, ?, ?, {', '.join('?' for _ in columns)})"
            " ON CONFLICT (employee_id, date, department_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in columns),
            (employee_id, day, department_id, week, *values),
        )


def employee_days(held: Iterable[Row]) -> dict[str, tuple[int, ...]]:
    """One week's assignments of an employee in a department, counted per date: (enterprise_id,
    *DAY_COUNTS, week_minutes) of each date with a booked assignment or a declined one of a
    live shift."""
    counts: dict[str, list[int]] = {}
    for a in held:
        booked, declined = bool(a["is_booked"]), a["status"] == DECLINED and not a["is_deleted"]
        if not booked and not declined:
            continue
        day = counts.setdefault(a["date"], [int(a["enterprise_id"]), 0, 0, 0, 0, 0, 0])
        minutes = int(a["minutes"])
        if booked:
            day[1], day[2] = day[1] + 1, day[2] + minutes
            if a["status"] == CONFIRMED:
                day[3], day[4] = day[3] + 1, day[4] + minutes
        else:
            day[5], day[6] = day[5] + 1, day[6] + minutes
    running, days = 0, {}
    for day, values in sorted(counts.items()):
        running += values[2]
        days[day] = (*values, running)
    return days


# -- small SQL helpers ----------------------------------------------------------------


def update(cur: Cursor, table: str, key: str, old: Row, new: Row, at: str) -> None:
    """Write the columns of `new` that differ from `old`, and `updated_at` only if any does."""
    changes = {column: value for column, value in new.items() if old[column] != value}
    if not changes:
        return
    sets = "".join(f"{column} = ?, " for column in changes)
    cur.execute(f"UPDATE {table} SET {sets}updated_at = ? WHERE {key} = ?", (*changes.values(), at, old[key]))
