"""The hours report's arithmetic, pure: overtime per employee and week, and the sums per group.

Minutes are counted as integers and turned into hours (two decimals) only at the end, so
that sums never drift. A shift counts on its wall-clock date in its department's zone, for
its real elapsed time (a 22:00-06:00 night is 7 hours on the night clocks go forward).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from application.hours_views import (
    DayShifts,
    HoursFigures,
    HoursRow,
    HoursTotals,
    Person,
    RosterSpan,
    WeekLoad,
)

PLANNED = frozenset({"pending", "confirmed"})
"""Assignments that are (still) meant to be worked: planned hours, and the hours overtime counts."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_of(day: date, week_starts_on: int) -> date:
    """The first day of `day`'s week, weeks starting on weekday `week_starts_on` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - week_starts_on) % 7)


def hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def allowed_by_week(rosters: Iterable[RosterSpan], limits: Mapping[int, float | None], first_week: date,
                    last_day: date, week_starts_on: int) -> dict[str, float]:
    """The minutes each week from `first_week` to the one of `last_day` allows before overtime: the
    smallest limit (hours, per roster id in `limits`) of the rosters covering a day of the week;
    weeks without a limit are left out."""
    allowed: dict[str, float] = {}
    week = first_week
    while week <= last_day:
        end = (week + timedelta(days=6)).isoformat()
        given = [limits.get(r.roster_id) for r in rosters if r.start_date <= end and r.end_date >= week.isoformat()]
        found = [limit for limit in given if limit is not None]
        if found:
            allowed[week.isoformat()] = min(found) * 60
        week += timedelta(days=7)
    return allowed


def weekly_overtime(weeks: Iterable[WeekLoad], allowed: Mapping[str, float]) -> dict[tuple[int, str], float]:
    """Overtime minutes of each (employee_id, week_start) past its week's limit, counting only the
    minutes dated in the report's range: the minutes dated before it come first in time, so only
    what goes past the limit after them is the range's."""
    over: dict[tuple[int, str], float] = {}
    for load in weeks:
        limit = allowed.get(load.week_start)
        if limit is not None and load.before + load.within - max(limit, load.before) > 0:
            over[(load.employee_id, load.week_start)] = load.before + load.within - max(limit, load.before)
    return over


@dataclass
class _Sums:
    shifts: int = 0
    planned: float = 0
    confirmed: float = 0
    declined: float = 0
    overtime: float = 0
    open_places: int = 0
    open_minutes: float = 0

    def add_status(self, status: str, minutes: int) -> None:
        if status in PLANNED:
            self.planned += minutes
            if status == "confirmed":
                self.confirmed += minutes
        elif status == "declined":
            self.declined += minutes

    def add_day(self, day: DayShifts) -> None:
        self.shifts += day.shifts
        self.open_places += day.open_places
        self.open_minutes += day.open_minutes


@dataclass(frozen=True)
class Window:
    start_date: date
    end_date: date
    group_by: str
    week_starts_on: int


def tally(figures: HoursFigures, window: Window) -> tuple[list[HoursRow], HoursTotals]:
    """The report's rows and totals from the database's sums."""
    over = weekly_overtime(figures.weeks, figures.allowed)
    total = _Sums()
    for day in figures.days:
        total.add_day(day)
    for found in figures.sums:
        total.add_status(found.status, found.minutes)
    total.overtime = sum(over.values())
    groups: dict[Any, _Sums] = defaultdict(_Sums)
    if window.group_by == "employee":
        for found in figures.sums:
            group = groups[found.key]
            group.add_status(found.status, found.minutes)
            group.shifts += found.assignments if found.status in PLANNED else 0
        for (employee_id, _), minutes in over.items():
            groups[employee_id].overtime += minutes
    else:
        period = (lambda day: day) if window.group_by == "day" else (
            lambda day: week_of(date.fromisoformat(day), window.week_starts_on).isoformat())
        for day in figures.days:
            groups[period(day.date)].add_day(day)
        for found in figures.sums:
            groups[period(str(found.key))].add_status(found.status, found.minutes)
        if window.group_by == "week":
            for (_, week), minutes in over.items():
                groups[week].overtime += minutes
        else:
            for day, minutes in figures.day_overtime.items():
                groups[day].overtime += minutes
    rows = [_row(key, sums, window, figures.people) for key, sums in groups.items()]
    if window.group_by == "employee":
        rows.sort(key=lambda r: (r.employee_name or "", r.employee_id or 0))
    else:
        rows.sort(key=lambda r: r.period_start)
    return rows, HoursTotals(
        shifts=total.shifts, planned_hours=hours(total.planned), confirmed_hours=hours(total.confirmed),
        declined_hours=hours(total.declined), overtime_hours=hours(total.overtime),
        open_places=total.open_places, open_hours=hours(total.open_minutes),
    )


def _row(key: Any, sums: _Sums, window: Window, people: Mapping[int, Person]) -> HoursRow:
    figures = dict(shifts=sums.shifts, planned_hours=hours(sums.planned), confirmed_hours=hours(sums.confirmed),
                   declined_hours=hours(sums.declined), overtime_hours=hours(sums.overtime))
    if window.group_by == "employee":
        person = people.get(int(key))
        return HoursRow(period_start=window.start_date.isoformat(), period_end=window.end_date.isoformat(),
                        employee_id=int(key), employee_name=person.full_name if person else None,
                        employee_email=person.email if person else None, **figures)
    start = str(key)
    end = (date.fromisoformat(start) + timedelta(days=6)).isoformat() if window.group_by == "week" else start
    return HoursRow(period_start=start, period_end=end, open_places=sums.open_places,
                    open_hours=hours(sums.open_minutes), **figures)
