"""A department changes its time zone: its rosters' shifts keep their wall-clock times, read in the new zone.

Every roster of the department that still holds its dates (draft, published or approved;
archived ones keep the zone they were worked in) moves to the new zone with all its shifts,
and every employee booked on them is booked again at the shifts' new instants, with every
rule checked again (rest, overlap across departments and zones, time off). If a shift's time
does not exist in the new zone, or a booking would break a rule, the change is refused with a
409 naming them, and nothing is saved. The department's calendar takes the zone too, so a
roster planned at the same moment meets a newer version and is planned again in the new zone.
"""

from __future__ import annotations

from typing import Any

from domain.errors import Conflict
from domain.roster import DepartmentCalendar, Roster
from domain.schedule import Booking, EmployeeSchedule, Rules
from domain.shift import Shift

from application.hours_rules import rules_for
from application.events import SchedulaX


def rezone_department(events: SchedulaX, department_id: int, zone: str, by: int) -> list[Any]:
    """The calendar, rosters, shifts and schedules moved to `zone`, to save with the department."""
    calendar = events.find(DepartmentCalendar.id_for(department_id), DepartmentCalendar)
    if calendar is None:
        return [DepartmentCalendar(department_id=department_id, timezone=zone)]
    calendar.rezone(zone, by=by)
    touched: list[Any] = [calendar]
    moves: dict[int, dict[int, tuple[Booking, Rules]]] = {}
    for roster_id in sorted(calendar.ranges):
        roster = events.find(Roster.create_id(roster_id), Roster)
        if roster is None or not roster.is_live:
            continue
        roster.rezone(zone, by=by)
        touched.append(roster)
        rules = rules_for(events, roster)  # in the new zone: its weeks and days are the new zone's
        for shift_id in sorted(roster.shift_dates):
            shift = events.find(Shift.create_id(shift_id), Shift)
            if shift is None or shift.is_deleted:
                continue
            shift.rezone(zone, by=by)
            touched.append(shift)
            booking = Booking(shift.shift_id, roster.roster_id, shift.interval)
            for assignment_id, employee_id in shift.slots.items():
                moves.setdefault(employee_id, {})[assignment_id] = (booking, rules)
    for employee_id, moved in sorted(moves.items()):
        schedule = events.find(EmployeeSchedule.id_for(employee_id), EmployeeSchedule)
        if schedule is None:
            continue  # every place taken was booked in the same save; nothing to move
        try:
            schedule.rebook(moved, by=by)
        except Conflict as refused:
            raise Conflict(
                f"In {zone}, employee {employee_id} would break a rule: {refused.message}",
                **{**refused.details, "employee_id": employee_id, "timezone": zone},
            ) from None
        touched.append(schedule)
    return touched
