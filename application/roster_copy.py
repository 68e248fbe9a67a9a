"""Copying a roster: its shifts laid on the new dates by the week's pattern, and optionally
its assignments, each booked again through the one booking path of every assignment.

Which source day feeds which target day is domain/week_pattern.py. An assignment carried
over is a new, pending assignment (the employee has not yet said yes to the new dates) of
the same employee on the copied shift. One that no longer fits (a rule of the schedule
refuses it, or the employee left) is not carried, and the copy's report says which and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import msgspec

from domain.assignment import Assignment
from domain.errors import DomainError
from domain.roles import Role
from domain.roster import Roster
from domain.schedule import EmployeeSchedule, Rules
from domain.shift import Shift
from domain.week_pattern import copy_days

from application.assignments import booking_of, place
from application.rostering_views import RosterDetail
from application.views import UserView


class SkippedAssignment(msgspec.Struct, kw_only=True):
    """An assignment of the source that the copy could not carry over."""

    employee_id: int
    source_assignment_id: int
    source_shift_id: int
    shift_id: int
    """The copied shift it would have been on."""
    date: str
    """The copied shift's date."""
    rule: str
    """What refused it: a rule of the schedule (double_booked, not_enough_rest, too_many_shifts,
    on_time_off, ...) or not_a_member (the employee left the enterprise or was deactivated)."""
    reason: str
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class CopyReport(msgspec.Struct, kw_only=True):
    source_roster_id: int
    weeks_moved: int
    """Whole weeks between the source's pattern and the copy (negative: an earlier copy)."""
    shifts_copied: int
    include_assignments: bool
    assignments_copied: int = 0
    assignments_skipped: list[SkippedAssignment] = msgspec.field(default_factory=list)


class CopiedRoster(msgspec.Struct, kw_only=True):
    roster: RosterDetail
    copy: CopyReport


def pattern_days(source: Roster, roster: Roster) -> list[tuple[date, date]]:
    """(day of the copy, source day whose shifts it takes)."""
    return copy_days(source.start_date, source.end_date, roster.start_date, roster.end_date)


def shifts_by_day(shifts: Iterable[Shift]) -> dict[date, list[Shift]]:
    found: dict[date, list[Shift]] = {}
    for shift in sorted(shifts, key=lambda s: (s.day, s.start_time, s.shift_id)):
        found.setdefault(shift.day, []).append(shift)
    return found


def refusal_of_member(user: UserView | None, roster: Roster) -> str | None:
    """Why the employee can no longer be assigned in the roster's enterprise (as a manual
    assignment would refuse them), or None."""
    if (
        user is None or not user.is_active or user.enterprise_id != roster.enterprise_id
        or user.role in (Role.SYSTEM_ADMIN.value, Role.AUDITOR.value)
    ):
        return "The employee is no longer an active member of this enterprise"
    return None


class AssignmentCarrier:
    """Books the source's assignments on the copied shifts, in time order, keeping what it
    touched for the one save of the copy."""

    def __init__(
        self, roster: Roster, user: Callable[[int], UserView | None],
        schedule: Callable[[int], EmployeeSchedule], next_id: Callable[[], int], by: int, rules: Rules,
    ) -> None:
        """`rules`: the copy's rules with its enterprise's defaults (`hours_rules.rules_for`)."""
        self._roster = roster
        self._rules = rules
        self._user = user
        self._schedule = schedule
        self._next_id = next_id
        self._by = by
        self._users: dict[int, UserView | None] = {}
        self._loaded: dict[int, EmployeeSchedule] = {}
        self._booked: dict[int, EmployeeSchedule] = {}
        self.made: list[Assignment] = []
        self.skipped: list[SkippedAssignment] = []

    @property
    def touched(self) -> list[Any]:
        return [*self._booked.values(), *self.made]

    def carry(self, pairs: list[tuple[Shift, Shift]]) -> None:
        """`pairs`: (source shift, its copy); the copies are not saved yet."""
        for original, copy in sorted(pairs, key=lambda p: (p[1].interval.start, p[1].shift_id)):
            for assignment_id, employee_id in sorted(original.slots.items()):
                self._carry_one(original, copy, assignment_id, employee_id)

    def _carry_one(self, original: Shift, copy: Shift, assignment_id: int, employee_id: int) -> None:
        def skip(rule: str, reason: str, details: dict[str, Any] | None = None) -> None:
            self.skipped.append(SkippedAssignment(
                employee_id=employee_id, source_assignment_id=assignment_id, source_shift_id=original.shift_id,
                shift_id=copy.shift_id, date=copy.day.isoformat(), rule=rule, reason=reason,
                details=details or {},
            ))

        if employee_id not in self._users:
            self._users[employee_id] = self._user(employee_id)
        why = refusal_of_member(self._users[employee_id], self._roster)
        if why is not None:
            skip("not_a_member", why)
            return
        if employee_id not in self._loaded:
            self._loaded[employee_id] = self._schedule(employee_id)
        schedule = self._loaded[employee_id]
        new_id = self._next_id()
        try:
            # Checked before the place is taken, so a refusal leaves the copied shift untouched.
            schedule.check(booking_of(copy, self._roster), self._rules)
            self.made.append(place(copy, self._roster, schedule, new_id, employee_id, self._by, self._rules))
        except DomainError as refused:
            if new_id in copy.slots:  # a rule checked only by the booking itself, after the place
                copy.free_place(new_id, by=self._by)
            skip(rule_code(refused), refused.message, dict(refused.details))
            return
        self._booked[employee_id] = schedule


def rule_code(error: DomainError) -> str:
    """DoubleBooked -> double_booked: the same codes auto-assign reports for unfilled places."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in type(error).__name__).lstrip("_")
