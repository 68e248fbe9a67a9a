"""Shift claims: an employee takes an open place, or a place a colleague offered up.

A claim is carried out at once, or waits for a manager when the roster's
`require_claim_approval` holds. Carrying it out books the claimant through the same rules
as any assignment (`EmployeeSchedule.book`), so the claim aggregate only keeps the story:
who asked for which place, and what became of it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, PermissionDenied, RuleViolation
from domain.ids import aggregate_uuid

OPEN_STATUSES = frozenset({"published", "approved"})
"""Roster statuses whose shifts employees see, and so may claim (draft: planners only;
archived: read-only)."""


class ClaimStatus(str, Enum):
    PENDING = "pending"      # waiting for a manager
    APPROVED = "approved"    # done: the claimant holds the place
    REJECTED = "rejected"    # by a manager, or closed because the place went to someone else
    CANCELLED = "cancelled"  # withdrawn by the claimant


class ClaimKind(str, Enum):
    OPEN_PLACE = "open_place"  # a place nobody holds
    DROP = "drop"              # a place its holder offered up


class ClaimsNotAllowed(Conflict):
    def __init__(self) -> None:
        super().__init__("This roster does not allow shift claims (allow_shift_claims)",
                         setting="allow_shift_claims")


class RosterNotOpen(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"Shifts of a {status} roster cannot be claimed or offered up; it must be published",
                         status=status)


class ShiftStarted(Conflict):
    def __init__(self) -> None:
        super().__init__("The shift has already started")


class NoPlaceToClaim(Conflict):
    def __init__(self) -> None:
        super().__init__("The shift has no open place, and none is offered up")


class OwnOffer(Conflict):
    def __init__(self) -> None:
        super().__init__("You offered this place up yourself; withdraw the offer instead")


class AlreadyClaimed(Conflict):
    def __init__(self, claim_id: int) -> None:
        super().__init__("You already have a pending claim on this shift", claim_id=claim_id)


class ClaimClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"The claim is already {status}", status=status)


def check_open_for_claims(settings: dict[str, Any], status: str, is_deleted: bool) -> None:
    """A roster's shifts may be claimed and offered up: it allows it and employees see it."""
    if is_deleted or status not in OPEN_STATUSES:
        raise RosterNotOpen("deleted" if is_deleted else status)
    if not settings.get("allow_shift_claims", False):
        raise ClaimsNotAllowed()


def check_upcoming(starts: datetime, now: datetime) -> None:
    """Only a shift that has not started may change hands. `now` is UTC; a shift's start is
    compared as an instant when it carries a zone, or as the wall clock the read models keep."""
    if starts.tzinfo is None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    if starts <= now:
        raise ShiftStarted()


def check_note(note: str | None, field: str = "note") -> None:
    if note is not None and len(note) > 2000:
        raise RuleViolation(f"{field} must be at most 2000 characters", field=field)


class ShiftClaim(Aggregate):
    @staticmethod
    def create_id(claim_id: int, **_: object) -> UUID:
        return aggregate_uuid("shift_claim", claim_id)

    @classmethod
    def file(
        cls, *, claim_id: int, shift_id: int, roster_id: int, enterprise_id: int, department_id: int,
        employee_id: int, assignment_id: int | None, dropper_id: int | None, needs_approval: bool,
        note: str | None, by: int,
    ) -> ShiftClaim:
        """A claim; `dropper_id` names who offered the place up (None: an open place).
        Without approval it is approved at once, and `assignment_id` is the place it took."""
        if dropper_id is not None and dropper_id == employee_id:
            raise OwnOffer()
        if dropper_id is not None and assignment_id is None:
            raise RuleViolation("A claim of an offered-up place names its assignment", field="assignment_id")
        check_note(note)
        kind = ClaimKind.OPEN_PLACE if dropper_id is None else ClaimKind.DROP
        status = ClaimStatus.PENDING if needs_approval else ClaimStatus.APPROVED
        return cls(
            claim_id=claim_id, shift_id=shift_id, roster_id=roster_id, enterprise_id=enterprise_id,
            department_id=department_id, employee_id=employee_id, kind=kind.value,
            assignment_id=assignment_id, dropper_id=dropper_id, needs_approval=needs_approval,
            status=status.value, note=note, by=by,
        )

    @event("Made")
    def __init__(
        self, *, claim_id: int, shift_id: int, roster_id: int, enterprise_id: int, department_id: int,
        employee_id: int, kind: str, assignment_id: int | None, dropper_id: int | None,
        needs_approval: bool, status: str, note: str | None, by: int,
    ) -> None:
        self.claim_id = claim_id
        self.shift_id = shift_id
        self.roster_id = roster_id
        self.enterprise_id = enterprise_id
        self.department_id = department_id
        self.employee_id = employee_id
        self.kind = kind
        self.assignment_id = assignment_id
        self.dropper_id = dropper_id
        self.needs_approval = needs_approval
        self.status = status
        self.note = note

    @property
    def is_pending(self) -> bool:
        return self.status == ClaimStatus.PENDING.value

    @property
    def is_drop(self) -> bool:
        return self.kind == ClaimKind.DROP.value

    def _check_pending(self) -> None:
        if not self.is_pending:
            raise ClaimClosed(self.status)

    def approve(self, assignment_id: int, by: int, note: str | None = None) -> None:
        """A manager approved, and the claimant now holds the assignment `assignment_id`."""
        self._check_pending()
        check_note(note)
        self._decided(status=ClaimStatus.APPROVED.value, assignment_id=assignment_id, note=note, by=by)

    def reject(self, by: int, note: str | None = None) -> None:
        self._check_pending()
        check_note(note)
        self._decided(status=ClaimStatus.REJECTED.value, assignment_id=self.assignment_id, note=note, by=by)

    def cancel(self, by: int) -> None:
        if by != self.employee_id:
            raise PermissionDenied("Only the claimant can withdraw this claim")
        self._check_pending()
        self._decided(status=ClaimStatus.CANCELLED.value, assignment_id=self.assignment_id, note=None, by=by)

    @event("Decided")
    def _decided(self, *, status: str, assignment_id: int | None, note: str | None, by: int) -> None:
        self.status = status
        self.assignment_id = assignment_id
