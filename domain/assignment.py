"""Assignments: one employee on one shift, with the employee's answer."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, RuleViolation
from domain.ids import aggregate_uuid


class AssignmentStatus(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    REMOVED = "removed"


ACTIVE = frozenset({AssignmentStatus.PENDING.value, AssignmentStatus.CONFIRMED.value})


class AssignmentClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"The assignment is {status} and can no longer change", status=status)


class Assignment(Aggregate):
    @staticmethod
    def create_id(assignment_id: int, **_: object) -> UUID:
        return aggregate_uuid("assignment", assignment_id)

    @event("Made")
    def __init__(
        self, *, assignment_id: int, shift_id: int, roster_id: int, employee_id: int, by: int
    ) -> None:
        self.assignment_id = assignment_id
        self.shift_id = shift_id
        self.roster_id = roster_id
        self.employee_id = employee_id
        self.status = AssignmentStatus.PENDING.value
        self.notes: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def answer(self, status: AssignmentStatus, notes: str | None, by: int) -> None:
        """The employee (or a manager for them) confirms or declines."""
        if status not in (AssignmentStatus.CONFIRMED, AssignmentStatus.DECLINED):
            raise RuleViolation("status must be confirmed or declined", field="status")
        if not self.is_active:
            raise AssignmentClosed(self.status)
        if notes is not None and len(notes) > 2000:
            raise RuleViolation("Notes must be at most 2000 characters", field="notes")
        if status.value == self.status and notes == self.notes:
            return
        self._answered(status=status.value, notes=notes, by=by)

    @event("Answered")
    def _answered(self, *, status: str, notes: str | None, by: int) -> None:
        self.status = status
        self.notes = notes

    def remove(self, by: int) -> None:
        if not self.is_active:
            raise AssignmentClosed(self.status)
        self._removed(by=by)

    @event("Removed")
    def _removed(self, *, by: int) -> None:
        self.status = AssignmentStatus.REMOVED.value

    def hand_over(self, employee_id: int, by: int) -> None:
        """A swap gives this assignment to another employee, who must confirm it again."""
        if not self.is_active:
            raise AssignmentClosed(self.status)
        self._handed_over(employee_id=employee_id, by=by)

    @event("HandedOver")
    def _handed_over(self, *, employee_id: int, by: int) -> None:
        self.employee_id = employee_id
        self.status = AssignmentStatus.PENDING.value
