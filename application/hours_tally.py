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

from application.hours_views import HoursData, HoursRow, HoursTotals, Person, ShiftHours

PLANNED = frozenset({"pending", "confirmed"})
"""Assignments that are (still) meant to be worked: planned hours, and the hours overtime counts."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_of(day: date, week_starts_on: int) -> date:
    """The first day of `day`'s week, weeks starting on weekday `week_starts_on` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - week_starts_on) % 7)


def hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def overtime_minutes(
    planned: Iterable[tuple[int, ShiftHours]], limits: Mapping[int, float | None], week_starts_on: int,
) -> dict[tuple[int, int], float]:
    """Overtime minutes of each planned (employee_id, shift) whose week goes past its limit.

    An employee's week is their planned shifts dated in it (weeks starting on `week_starts_on`).
    Its limit is the smallest `max_hours_per_week` among the rosters of those shifts (`limits`:
    per roster id, None for no limit); with none, the week has no overtime. The shifts are
    taken in time order and the minutes past the limit are overtime: the shift that crosses it
    has part of its minutes over, every later one all of them, as payroll counts overtime.
    Keyed by (employee_id, shift_id); shifts without overtime are left out.
    """
    weeks: dict[tuple[int, date], list[ShiftHours]] = defaultdict(list)
    for employee_id, shift in planned:
        weeks[(employee_id, week_of(date.fromisoformat(shift.date), week_starts_on))].append(shift)
    found: dict[tuple[int, int], float] = {}
    for (employee_id, _), shifts in weeks.items():
        given = [limit for limit in (limits.get(s.roster_id) for s in shifts) if limit is not None]
        if not given:
            continue
        allowed = min(given) * 60
        worked = 0.0
        for shift in sorted(shifts, key=lambda s: (s.start_at, s.shift_id)):
            before, worked = worked, worked + shift.minutes
            over = min(shift.minutes, worked - max(before, allowed))
            if worked > allowed and over > 0:
                found[(employee_id, shift.shift_id)] = over
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


@dataclass(frozen=True)
class Window:
    start_date: date
    end_date: date
    group_by: str
    week_starts_on: int


def tally(data: HoursData, window: Window, limits: Mapping[int, float | None]) -> tuple[list[HoursRow], HoursTotals]:
    """The report's rows and totals over the shifts dated in the window. `data` may hold shifts
    from the start of the first week on: they count towards that week's overtime only."""
    first, last = window.start_date.isoformat(), window.end_date.isoformat()
    shifts = {s.shift_id: s for s in data.shifts}
    planned = [(w.employee_id, shifts[w.shift_id]) for w in data.worked if w.status in PLANNED]
    over = overtime_minutes(planned, limits, window.week_starts_on) if any(
        v is not None for v in limits.values()) else {}
    in_window = {k: s for k, s in shifts.items() if first <= s.date <= last}
    by_employee = window.group_by == "employee"
    period = {k: _period(s, window) for k, s in in_window.items()} if not by_employee else {}
    groups: dict[object, _Sums] = defaultdict(_Sums)
    total = _Sums()
    for s in in_window.values():
        total.shifts += 1
        total.open_places += s.open_places
        total.open_minutes += s.open_places * s.minutes
        if not by_employee:
            group = groups[period[s.shift_id]]
            group.shifts += 1
            group.open_places += s.open_places
            group.open_minutes += s.open_places * s.minutes
    for w in data.worked:
        s = in_window.get(w.shift_id)
        if s is None:
            continue
        group = groups[w.employee_id if by_employee else period[s.shift_id]]
        for sums in (group, total):
            if w.status in PLANNED:
                sums.planned += s.minutes
                sums.overtime += over.get((w.employee_id, s.shift_id), 0)
                if w.status == "confirmed":
                    sums.confirmed += s.minutes
            elif w.status == "declined":
                sums.declined += s.minutes
        if by_employee and w.status in PLANNED:
            group.shifts += 1
    rows = [_row(k, sums, window, data.people) for k, sums in groups.items()]
    rows.sort(key=lambda r: (r.employee_name or "", r.employee_id or 0) if by_employee else (r.period_start,))
    return rows, HoursTotals(
        shifts=total.shifts, planned_hours=hours(total.planned), confirmed_hours=hours(total.confirmed),
        declined_hours=hours(total.declined), overtime_hours=hours(total.overtime),
        open_places=total.open_places, open_hours=hours(total.open_minutes),
    )


def _period(shift: ShiftHours, window: Window) -> str:
    """The first day (ISO) of the week or day row a shift counts in."""
    if window.group_by == "week":
        return week_of(date.fromisoformat(shift.date), window.week_starts_on).isoformat()
    return shift.date


def _row(key: object, sums: _Sums, window: Window, people: Mapping[int, Person]) -> HoursRow:
    figures = dict(shifts=sums.shifts, planned_hours=hours(sums.planned), confirmed_hours=hours(sums.confirmed),
                   declined_hours=hours(sums.declined), overtime_hours=hours(sums.overtime))
    if window.group_by == "employee":
        person = people.get(int(key))  # type: ignore[call-overload]
        return HoursRow(period_start=window.start_date.isoformat(), period_end=window.end_date.isoformat(),
                        employee_id=int(key), employee_name=person.full_name if person else None,  # type: ignore[call-overload]
                        employee_email=person.email if person else None, **figures)
    start = str(key)
    end = (date.fromisoformat(start) + timedelta(days=6)).isoformat() if window.group_by == "week" else start
    return HoursRow(period_start=start, period_end=end, open_places=sums.open_places,
                    open_hours=hours(sums.open_minutes), **figures)
