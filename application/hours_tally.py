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

from application.hours_views import DayLoad, DayShifts, HoursFigures, HoursRow, HoursTotals, Person, WeekLoad

PLANNED = frozenset({"pending", "confirmed"})
"""Assignments that are (still) meant to be worked: planned hours, and the hours overtime counts."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_of(day: date, week_starts_on: int) -> date:
    """The first day of `day`'s week, weeks starting on weekday `week_starts_on` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - week_starts_on) % 7)


def hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def weekly_overtime(weeks: Iterable[WeekLoad], limits: Mapping[int, float | None]) -> dict[tuple[int, str], float]:
    """Overtime minutes of each (employee_id, week_start) that goes past its limit, counting only
    the minutes dated in the report's range.

    A week's limit is the smallest `max_hours_per_week` among the rosters the employee works in
    it (`limits`: per roster id, None for none); with none, the week has no overtime. Minutes
    past the limit are overtime, in time order: the minutes dated before the range (the start
    of its first week) come first, so only what goes past the limit after them is the range's.
    """
    found: dict[tuple[int, str], list[Any]] = {}
    for load in weeks:
        entry = found.setdefault((load.employee_id, load.week_start), [0, 0, []])
        entry[0 if load.before else 1] += load.minutes
        entry[2].append(limits.get(load.roster_id))
    over: dict[tuple[int, str], float] = {}
    for key, (before, within, given) in found.items():
        allowed = _allowed(given)
        if allowed is not None and before + within - max(allowed, before) > 0:
            over[key] = before + within - max(allowed, before)
    return over


def week_limits(weeks: Iterable[WeekLoad], limits: Mapping[int, float | None]) -> dict[tuple[int, str], float]:
    """The limit in minutes of each (employee_id, week_start) that has one."""
    given: dict[tuple[int, str], list[float | None]] = defaultdict(list)
    for load in weeks:
        given[(load.employee_id, load.week_start)].append(limits.get(load.roster_id))
    return {key: allowed for key, found in given.items() if (allowed := _allowed(found)) is not None}


def _allowed(limits: Iterable[float | None]) -> float | None:
    given = [limit for limit in limits if limit is not None]
    return min(given) * 60 if given else None


def daily_overtime(day_loads: Iterable[DayLoad], allowed: Mapping[tuple[int, str], float],
                   week_starts_on: int) -> dict[str, float]:
    """Overtime minutes by date: each employee's week taken day by day in date order, the minutes
    past its limit (`allowed`, minutes per (employee_id, week_start)) fall on the day they are worked."""
    days: dict[tuple[int, str], list[DayLoad]] = defaultdict(list)
    for load in day_loads:
        days[(load.employee_id, week_of(date.fromisoformat(load.date), week_starts_on).isoformat())].append(load)
    found: dict[str, float] = defaultdict(float)
    for key, loads in days.items():
        limit = allowed.get(key)
        if limit is None:
            continue
        worked = 0.0
        for load in sorted(loads, key=lambda d: d.date):
            before, worked = worked, worked + load.minutes
            if worked > limit:
                found[load.date] += min(load.minutes, worked - max(before, limit))
    return found


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
    over = weekly_overtime(figures.weeks, figures.limits)
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
            allowed = week_limits(figures.weeks, figures.limits)
            first, last = window.start_date.isoformat(), window.end_date.isoformat()
            for day, minutes in daily_overtime(figures.day_loads, allowed, window.week_starts_on).items():
                if first <= day <= last:
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
