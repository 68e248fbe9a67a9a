"""Auto-assign: fill every open place without breaking a rule, spreading hours evenly.

A domain service over aggregates the caller loaded: it takes places on the shifts and
books the employees' schedules in memory; the caller saves everything in one go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.errors import Conflict
from domain.schedule import Booking, EmployeeSchedule, Rules
from domain.shift import Shift

STRATEGIES = ("balanced", "round_robin")


@dataclass
class Unfilled:
    shift_id: int
    date: str
    title: str
    open_places: int
    reasons: dict[str, int]


@dataclass
class Plan:
    placements: list[tuple[int, Shift, int]] = field(default_factory=list)
    """(assignment id, shift, employee id) for every place filled."""
    unfilled: list[Unfilled] = field(default_factory=list)


def auto_assign(
    shifts: list[Shift],
    schedules: dict[int, EmployeeSchedule],
    rules: Rules,
    roster_id: int,
    next_assignment_id: Callable[[], int],
    by: int,
    strategy: str = "balanced",
) -> Plan:
    plan = Plan()
    hours = {e: s.hours_in(roster_id) for e, s in schedules.items()}
    counts = {e: s.shifts_in(roster_id) for e, s in schedules.items()}
    rotation = sorted(schedules)
    pointer = 0
    for shift in sorted(shifts, key=lambda s: (s.interval.start, s.shift_id)):
        if shift.is_deleted:
            continue
        booking = Booking(shift.shift_id, roster_id, shift.interval)
        reasons: Counter[str] = Counter()
        while shift.open_places > 0:
            if strategy == "round_robin":
                order = rotation[pointer:] + rotation[:pointer]
            else:
                # Fewest hours first; ties broken by fewest shifts, then by id.
                order = sorted(schedules, key=lambda e: (hours[e], counts[e], e))
            chosen = None
            for employee_id in order:
                why = refusal(schedules[employee_id], shift, employee_id, booking, rules)
                if why is None:
                    chosen = employee_id
                    break
                reasons[why[0]] += 1
            if chosen is None:
                plan.unfilled.append(Unfilled(
                    shift_id=shift.shift_id, date=shift.day.isoformat(), title=shift.title,
                    open_places=shift.open_places, reasons=dict(reasons),
                ))
                break
            assignment_id = next_assignment_id()
            shift.take_place(assignment_id, chosen, by=by)
            schedules[chosen].book(assignment_id, booking, rules, by=by)
            hours[chosen] += booking.interval.hours
            counts[chosen] += 1
            plan.placements.append((assignment_id, shift, chosen))
            if strategy == "round_robin":
                pointer = (rotation.index(chosen) + 1) % len(rotation)
    return plan


def refusal(
    schedule: EmployeeSchedule, shift: Shift, employee_id: int, booking: Booking, rules: Rules
) -> tuple[str, str] | None:
    """Why the employee should not take the place, as (code, message); None when they can."""
    if employee_id in shift.slots.values():
        return "already_on_shift", "Already assigned to this shift"
    if schedule.is_unavailable(booking.interval):
        return "unavailable", "Marked unavailable at this time"
    try:
        schedule.check(booking, rules)
    except Conflict as refused:
        return _snake(type(refused).__name__), refused.message
    return None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
