"""The hours report: what it is asked for, what it reads, and what it answers (issue 21, item 6)."""

from __future__ import annotations

from dataclasses import dataclass
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
class ShiftHours:
    """A shift of the report's window as the report counts it."""

    shift_id: int
    roster_id: int
    date: str
    """Its wall-clock date in its department's zone (ISO), the day it counts on."""
    start_at: str
    """Its UTC start to the minute, for the order of an employee's week."""
    minutes: int
    """Elapsed time, start to end as instants: 420 or 540 for a 22:00-06:00 night across a DST change."""
    open_places: int
    """Required staff minus the places taken (never below 0)."""


@dataclass(frozen=True)
class Worked:
    """One employee's assignment to a shift (removed ones are not read)."""

    shift_id: int
    employee_id: int
    status: str
    """pending, confirmed or declined."""


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str
    email: str


@dataclass
class HoursData:
    """Everything one report reads, from a few statements."""

    shifts: list[ShiftHours]
    worked: list[Worked]
    roster_settings: dict[int, dict[str, Any]]
    """The settings of the rosters of `shifts`, as stored."""
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
    """The report's port: read-model reads, a few statements each."""

    def department_enterprise(self, department_id: int) -> int | None:
        """The enterprise of a department that exists (not deleted), else None."""
        ...

    def enterprise_exists(self, enterprise_id: int) -> bool: ...

    def hours_data(self, scope: HoursScope, first_day: str, last_day: str, with_people: bool) -> HoursData:
        """The live shifts of rosters in `scope` dated `first_day` to `last_day` (ISO, inclusive),
        their pending, confirmed and declined assignments, their rosters' settings, and (when
        `with_people`) the names of the employees."""
        ...
