"""The hours report: what it is asked for, what it reads, and what it answers (issue 21, item 6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

import msgspec

GroupBy = Literal["employee", "week", "day"]
GROUPINGS: tuple[str, ...] = ("employee", "week", "day")


@dataclass(frozen=True)
class HoursScope:
    """Whose hours: one department, or (department_id None) a whole enterprise."""

    enterprise_id: int
    department_id: int | None


@dataclass(frozen=True)
class DayShifts:
    """The shifts dated on one day (or, for a week report, in one Monday week): how many, and their
    open places (required staff minus the places taken, never below 0) with those places' minutes."""

    date: str
    """The day, or the week's Monday."""
    shifts: int
    open_places: int
    open_minutes: int


@dataclass(frozen=True)
class StatusSum:
    """Assignments of one status in one group (an employee id, or a date), and their minutes.
    Minutes are elapsed time, start to end as instants: a 22:00-06:00 night across a DST change
    is 420 or 540."""

    key: int | str
    status: str
    """pending, confirmed or declined (removed assignments are not read)."""
    assignments: int
    minutes: int


@dataclass(frozen=True)
class WeekLoad:
    """An employee's planned (pending or confirmed) minutes in one week of the range: those dated
    in the range, and those of the same week dated before it (when the range starts mid-week)."""

    employee_id: int
    week_start: str
    before: int
    within: int


@dataclass(frozen=True)
class RosterSpan:
    roster_id: int
    start_date: str
    end_date: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str
    email: str


Rules = Callable[[dict[int, dict[str, Any]]], tuple[dict[int, "float | None"], int]]
"""From the rosters' stored settings (by roster id): each roster's weekly limit in hours (None:
none) and the weekday weeks start on (0 = Monday)."""


@dataclass
class HoursFigures:
    """Everything one report reads, summed by the database."""

    days: list[DayShifts]
    sums: list[StatusSum]
    """By employee id for an employee report, else by date (or, for a Monday-week report, by week)."""
    allowed: dict[str, float]
    """Minutes each week (by its first day) allows before overtime: the smallest limit of the
    rosters in scope that cover a day of it. A week without a limit is absent."""
    week_starts_on: int
    weeks: list[WeekLoad]
    """Empty when no week has a limit."""
    day_overtime: dict[str, float]
    """Overtime minutes by date (only for a day report): each employee's week taken in date order,
    the minutes past its limit fall on the day they are worked."""
    people: dict[int, Person]


class HoursRow(msgspec.Struct, kw_only=True):
    """One group of the report. A period row (week, day) leaves the employee fields null; an
    employee row covers the whole range and leaves the open places null (a place nobody
    holds belongs to no one)."""

    period_start: str
    period_end: str
    employee_id: int | None = None
    employee_name: str | None = None
    employee_email: str | None = None
    shifts: int
    planned_hours: float
    confirmed_hours: float
    declined_hours: float
    overtime_hours: float
    open_places: int | None = None
    open_hours: float | None = None


class HoursTotals(msgspec.Struct, kw_only=True):
    shifts: int
    planned_hours: float
    confirmed_hours: float
    declined_hours: float
    overtime_hours: float
    open_places: int
    open_hours: float


class HoursReport(msgspec.Struct, kw_only=True):
    enterprise_id: int
    department_id: int | None
    start_date: str
    end_date: str
    group_by: str
    week_starts_on: str
    """The weekday weeks start on, for `week` rows and for overtime."""
    rows: list[HoursRow]
    totals: HoursTotals


class HoursQueries(Protocol):
    """The report's port: read-model reads, summed by the database."""

    def department_enterprise(self, department_id: int) -> int | None:
        """The enterprise of a department that exists (not deleted), else None."""
        ...

    def enterprise_exists(self, enterprise_id: int) -> bool: ...

    def hours_figures(self, scope: HoursScope, start_date: date, end_date: date, group_by: str,
                      rules: Rules) -> HoursFigures:
        """The figures of the live shifts of live rosters in `scope` dated `start_date` to `end_date`,
        and, when `rules` give any roster a limit, the planned minutes of each employee's weeks
        from the start of the first week (one read, so the figures agree with each other)."""
        ...
