"""Audit entries of drops (offers on assignments) and shift claims: part of a roster's story.

Every entry carries the roster's id (the claim's, or the assignment's), so a roster's
history and as-of find them as they find its other events.
"""

from __future__ import annotations

from typing import Any

from domain.assignment import Assignment
from domain.claim import ShiftClaim

from projections.audit_ledger import Ledger, State, created
from projections.base import Handler, uuid_of
from projections.sql import Cursor

CLAIM_FIELDS = ("shift_id", "kind", "assignment_id", "dropper_id", "status", "note")


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def assignment(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    def whose(cur: Cursor, by: int | None, employee: int | None) -> str:
        return "their" if by == employee else f"{ledger.who(cur, employee)}'s"

    # -- drops ---------------------------------------------------------------------------

    def offered(verb: str, type_: str, value: bool) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            before = assignment(cur, e)
            employee = before.get("employee_id")
            ledger.record(
                cur, e, type_, "assignment", before.get("id"), before, e.by,
                f"{ledger.who(cur, e.by)} {verb} {whose(cur, e.by, employee)} place on"
                f" {ledger.shift_label(cur, before.get('shift_id'))}",
                {"offered": {"from": bool(before.get("offered")), "to": value}}, party=employee,
            )
            ledger.put(uuid_of(e), {**before, "offered": value})
        return handle

    def taken_over(e: Any, cur: Cursor) -> None:
        before = assignment(cur, e)
        old = before.get("employee_id")
        after = {**before, "employee_id": e.employee_id, "status": "confirmed", "notes": None, "offered": False}
        ledger.record(
            cur, e, "assignment_taken_over", "assignment", before.get("id"), before, e.by,
            f"{ledger.who(cur, old)}'s place on {ledger.shift_label(cur, before.get('shift_id'))} passed to"
            f" {ledger.who(cur, e.employee_id)} (claim #{e.claim_id})",
            {"employee_id": {"from": old, "to": e.employee_id},
             "status": {"from": before.get("status"), "to": "confirmed"}},
            party=e.employee_id, other_party=old,
        )
        ledger.put(uuid_of(e), after)

    # -- claims --------------------------------------------------------------------------

    def claim_made(e: Any, cur: Cursor) -> None:
        state = {
            "id": e.claim_id, "roster_id": e.roster_id, "enterprise_id": e.enterprise_id,
            "department_id": e.department_id, "shift_id": e.shift_id, "employee_id": e.employee_id,
            "kind": e.kind, "assignment_id": e.assignment_id, "dropper_id": e.dropper_id, "status": e.status,
            "note": e.note,
        }
        ledger.put(uuid_of(e), state)
        who, where = ledger.who(cur, e.employee_id), ledger.shift_label(cur, e.shift_id)
        place = f"{ledger.who(cur, e.dropper_id)}'s place" if e.dropper_id is not None else "the open place"
        if e.status == "pending":
            summary = f"{who} claimed {place} on {where}, pending a manager's approval"
        elif e.dropper_id is not None:
            summary = f"{who} took over {place} on {where}"
        else:
            summary = f"{who} claimed {place} on {where}"
        ledger.record(cur, e, "shift_claimed", "shift_claim", e.claim_id, state, e.by, summary,
                      created(state, CLAIM_FIELDS), party=e.employee_id, other_party=e.dropper_id)

    def claim_decided(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        claimant, where = before.get("employee_id"), ledger.shift_label(cur, before.get("shift_id"))
        who = ledger.who(cur, e.by)
        because = f": {e.note}" if e.note else ""
        summary = {
            "approved": f"{who} approved {whose(cur, e.by, claimant)} claim of {where}",
            "rejected": f"{who} rejected {whose(cur, e.by, claimant)} claim of {where}{because}",
            "cancelled": f"{who} withdrew {whose(cur, e.by, claimant)} claim of {where}",
        }.get(e.status, f"{who} set {whose(cur, e.by, claimant)} claim of {where} to {e.status}")
        changes: dict[str, Any] = {"status": {"from": before.get("status"), "to": e.status}}
        if e.assignment_id != before.get("assignment_id"):
            changes["assignment_id"] = {"from": before.get("assignment_id"), "to": e.assignment_id}
        if e.note is not None:
            changes["note"] = {"from": None, "to": e.note}
        ledger.record(cur, e, f"claim_{e.status}", "shift_claim", before.get("id"), before, e.by, summary,
                      changes, party=claimant, other_party=before.get("dropper_id"))
        ledger.put(uuid_of(e), {**before, "status": e.status, "assignment_id": e.assignment_id})

    return {
        Assignment.OfferedUp: offered("offered up", "assignment_dropped", True),
        Assignment.OfferWithdrawn: offered("withdrew the offer of", "drop_withdrawn", False),
        Assignment.TakenOver: taken_over,
        ShiftClaim.Made: claim_made,
        ShiftClaim.Decided: claim_decided,
    }
