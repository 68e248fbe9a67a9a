"""Read DTOs of open shifts and shift claims."""

from __future__ import annotations

import msgspec

from application.rostering_views import RosterRef, ShiftBrief, UserRef


class OpenShiftFilter(msgspec.Struct, kw_only=True, frozen=True):
    department_id: int
    after: str
    """Shifts starting after this minute (`YYYY-MM-DDTHH:MM`, as the read models keep starts)."""
    roster_id: int | None = None
    start_date: str | None = None
    end_date: str | None = None


class OfferedPlace(msgspec.Struct, kw_only=True):
    """A place its holder offered up: still theirs until a colleague claims it."""

    assignment_id: int
    employee: UserRef
    offered_at: str


class ClaimRef(msgspec.Struct, kw_only=True):
    id: int
    status: str


class Refusal(msgspec.Struct, kw_only=True):
    """Why the caller may not claim a place now: the rule that would refuse the claim."""

    code: str
    message: str


class OpenShiftView(msgspec.Struct, kw_only=True):
    id: int
    """The shift's id: claim it with `POST /api/shifts/{id}/claim`."""
    roster: RosterRef
    department_id: int
    date: str
    start_time: str
    end_time: str
    title: str
    description: str | None
    location: str | None
    required_staff: int
    assigned_staff: int
    open_places: int
    """Places nobody holds."""
    offered: list[OfferedPlace]
    """Places their holders offered up."""
    pending_claims: int
    """Claims of this shift waiting for a manager (the caller's included)."""
    needs_approval: bool
    """Whether a claim waits for a manager (the roster's `require_claim_approval`)."""
    my_claim: ClaimRef | None = None
    """The caller's pending claim of this shift."""
    can_claim: bool = False
    reason: Refusal | None = None
    """When the caller may not claim it now: why."""
    version: int


class ClaimView(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    """`open_place` or `drop` (a place its holder offered up)."""
    status: str
    """`pending` (waiting for a manager), `approved`, `rejected` or `cancelled`."""
    shift_id: int
    roster_id: int
    department_id: int
    enterprise_id: int
    employee_id: int
    employee: UserRef
    assignment_id: int | None
    """The offered-up assignment claimed, or the assignment an approved claim made."""
    dropper_id: int | None
    dropper: UserRef | None
    needs_approval: bool
    note: str | None
    decision_note: str | None
    decided_by: int | None
    shift: ShiftBrief | None
    created_at: str
    updated_at: str
    version: int
