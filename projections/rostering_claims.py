"""The rostering projection's handlers of drops (offers on assignments) and shift claims."""

from __future__ import annotations

from typing import Any

from domain.assignment import Assignment
from domain.claim import ShiftClaim

from projections.base import Handler, changed_row, stamp, uuid_of
from projections.sql import Cursor


def claim_made(e: Any, cur: Cursor) -> None:
    at, version = stamp(e)
    cur.execute(
        "INSERT INTO rm_shift_claims (id, uuid, shift_id, roster_id, department_id, enterprise_id, employee_id,"
        " kind, assignment_id, dropper_id, status, needs_approval, note, decision_note, decided_by, created_at,"
        " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
        (e.claim_id, uuid_of(e), e.shift_id, e.roster_id, e.department_id, e.enterprise_id, e.employee_id,
         e.kind, e.assignment_id, e.dropper_id, e.status, e.needs_approval, e.note,
         None if e.needs_approval else e.by, at, at, version),
    )


def handlers() -> dict[type, Handler]:
    assignments = "rm_assignments"
    return {
        Assignment.OfferedUp: changed_row(assignments, lambda e: {"offered": True, "offered_at": stamp(e)[0]}),
        Assignment.OfferWithdrawn: changed_row(assignments, lambda e: {"offered": False, "offered_at": None}),
        Assignment.TakenOver: changed_row(assignments, lambda e: {
            "employee_id": e.employee_id, "status": "confirmed", "notes": None, "offered": False,
            "offered_at": None,
        }),
        ShiftClaim.Made: claim_made,
        ShiftClaim.Decided: changed_row("rm_shift_claims", lambda e: {
            "status": e.status, "assignment_id": e.assignment_id, "decision_note": e.note, "decided_by": e.by,
        }),
    }
