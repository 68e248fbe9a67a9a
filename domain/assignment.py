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


class NotOffered(Conflict):
    def __init__(self) -> None:
        super().__init__("The assignment is not offered up")


class AlreadyOffered(Conflict):
    def __init__(self) -> None:
        super().__init__("The assignment is already offered up")


class Assignment(Aggregate):
    @staticmethod
    def create_id(assignment_id: int, **_: object) -> UUID:
        return aggregate_uuid("assignment", assignment_id)

    # Not keyword-only: eventsourcing applies the default of a positional-or-keyword parameter
    # to events stored before it existed (it refuses a keyword-only one's).
    @event("Made")
    def __init__(
        self, assignment_id: int, shift_id: int, roster_id: int, employee_id: int, by: int,
        claim_id: int | None = None,
    ) -> None:
        self.assignment_id = assignment_id
        self.shift_id = shift_id
        self.roster_id = roster_id
        self.employee_id = employee_id
        # A claim is the employee's own yes: the place it takes is confirmed at once.
        self.status = (AssignmentStatus.PENDING if claim_id is None else AssignmentStatus.CONFIRMED).value
        self.notes: str | None = None
        self.claim_id = claim_id
        self.offered = False

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_offered(self) -> bool:
        """Offered up by its holder for a colleague to claim; still theirs until then."""
        return self.offered and self.is_active

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
        self.offered = False  # the new holder did not offer it

    # -- drops: offering an assignment up, and a colleague taking it over -------------

    def offer_up(self, by: int) -> None:
        """The holder offers the place to colleagues; it stays theirs until one takes it over."""
        if not self.is_active:
            raise AssignmentClosed(self.status)
        if self.offered:
            raise AlreadyOffered()
        self._offered_up(by=by)

    @event("OfferedUp")
    def _offered_up(self, *, by: int) -> None:
        self.offered = True

    def withdraw_offer(self, by: int) -> None:
        if not self.is_offered:
            raise NotOffered()
        self._offer_withdrawn(by=by)

    @event("OfferWithdrawn")
    def _offer_withdrawn(self, *, by: int) -> None:
        self.offered = False

    def take_over(self, employee_id: int, claim_id: int, by: int) -> None:
        """A claim gives the offered assignment to the claimant, confirmed (their own yes)."""
        if not self.is_offered:
            raise NotOffered()
        self._taken_over(employee_id=employee_id, claim_id=claim_id, by=by)

    @event("TakenOver")
    def _taken_over(self, *, employee_id: int, claim_id: int, by: int) -> None:
        self.employee_id = employee_id
        self.status = AssignmentStatus.CONFIRMED.value
        self.notes = None
        self.offered = False
