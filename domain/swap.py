"""Swap requests: one employee offers a shift to a colleague, optionally for theirs."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, PermissionDenied, RuleViolation
from domain.ids import aggregate_uuid


class SwapStatus(str, Enum):
    PENDING = "pending"      # waiting for the target employee
    ACCEPTED = "accepted"    # the target agreed; waiting for a manager
    APPROVED = "approved"    # done: the assignments changed hands
    REJECTED = "rejected"    # by the target or a manager
    CANCELLED = "cancelled"  # by the requester


OPEN = frozenset({SwapStatus.PENDING.value, SwapStatus.ACCEPTED.value})


class SwapClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"The swap request is already {status}", status=status)


class SwapRequest(Aggregate):
    @staticmethod
    def create_id(swap_id: int, **_: object) -> UUID:
        return aggregate_uuid("swap_request", swap_id)

    @classmethod
    def propose(
        cls, *, swap_id: int, roster_id: int, requester_id: int, target_employee_id: int,
        shift_id: int, assignment_id: int, target_shift_id: int | None,
        target_assignment_id: int | None, reason: str | None, message: str | None,
        needs_approval: bool,
    ) -> SwapRequest:
        if requester_id == target_employee_id:
            raise RuleViolation("You cannot swap with yourself", field="target_employee_id")
        if target_shift_id is not None and target_shift_id == shift_id:
            raise RuleViolation("target_shift_id must differ from shift_id", field="target_shift_id")
        for field, text in (("reason", reason), ("message", message)):
            if text is not None and len(text) > 2000:
                raise RuleViolation(f"{field} must be at most 2000 characters", field=field)
        return cls(
            swap_id=swap_id, roster_id=roster_id, requester_id=requester_id,
            target_employee_id=target_employee_id, shift_id=shift_id, assignment_id=assignment_id,
            target_shift_id=target_shift_id, target_assignment_id=target_assignment_id,
            reason=reason, message=message, needs_approval=needs_approval,
        )

    @event("Proposed")
    def __init__(
        self, *, swap_id: int, roster_id: int, requester_id: int, target_employee_id: int,
        shift_id: int, assignment_id: int, target_shift_id: int | None,
        target_assignment_id: int | None, reason: str | None, message: str | None,
        needs_approval: bool,
    ) -> None:
        self.swap_id = swap_id
        self.roster_id = roster_id
        self.requester_id = requester_id
        self.target_employee_id = target_employee_id
        self.shift_id = shift_id
        self.assignment_id = assignment_id
        self.target_shift_id = target_shift_id
        self.target_assignment_id = target_assignment_id
        self.reason = reason
        self.message = message
        self.needs_approval = needs_approval
        self.status = SwapStatus.PENDING.value

    def _check(self, *expected: SwapStatus) -> None:
        if self.status not in {s.value for s in expected}:
            raise SwapClosed(self.status)

    def respond(self, accept: bool, by: int, note: str | None = None) -> bool:
        """The target answers; True when the swap should now be carried out."""
        if by != self.target_employee_id:
            raise PermissionDenied("Only the target employee can respond to this swap request")
        self._check(SwapStatus.PENDING)
        if not accept:
            self._decided(status=SwapStatus.REJECTED.value, note=note, by=by)
            return False
        if self.needs_approval:
            self._decided(status=SwapStatus.ACCEPTED.value, note=note, by=by)
            return False
        return True

    def decide(self, approve: bool, by: int, note: str | None = None) -> bool:
        """A manager approves or rejects; True when the swap should now be carried out."""
        self._check(SwapStatus.ACCEPTED, SwapStatus.PENDING)
        if not approve:
            self._decided(status=SwapStatus.REJECTED.value, note=note, by=by)
            return False
        if self.status == SwapStatus.PENDING.value:
            raise Conflict("The target employee has not accepted the swap yet")
        return True

    def complete(self, by: int, note: str | None = None) -> None:
        self._check(SwapStatus.ACCEPTED, SwapStatus.PENDING)
        self._decided(status=SwapStatus.APPROVED.value, note=note, by=by)

    def cancel(self, by: int) -> None:
        if by != self.requester_id:
            raise PermissionDenied("Only the requester can cancel this swap request")
        self._check(SwapStatus.PENDING, SwapStatus.ACCEPTED)
        self._decided(status=SwapStatus.CANCELLED.value, note=None, by=by)

    @event("Decided")
    def _decided(self, *, status: str, note: str | None, by: int) -> None:
        self.status = status
