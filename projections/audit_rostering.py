"""Audit entries of rosters, shifts, assignments and swap requests: a roster's own story.

Every event of these aggregates gets an entry carrying the roster's id; the ones that
repeat a fact another entry tells are hidden (see `application.history_types`).
"""

from __future__ import annotations

from typing import Any

from domain.assignment import Assignment
from domain.roster import Roster
from domain.shift import Shift
from domain.swap import SwapRequest

from projections.audit_ledger import Ledger, State, created, diff, label, listed
from projections.base import Handler, uuid_of
from projections.rostering import hhmm
from projections.sql import Cursor

ROSTER_FIELDS = ("name", "description", "start_date", "end_date", "timezone")
SHIFT_FIELDS = ("date", "start_time", "end_time", "title", "description", "required_staff", "location", "timezone")
WHEN = frozenset({"date", "start_time", "end_time", "timezone"})


def roster_fields(state: State) -> State:
    """A roster's reported fields, its settings one by one (`settings.min_rest_hours`)."""
    fields = {f: state[f] for f in ROSTER_FIELDS}
    fields.update({f"settings.{k}": v for k, v in state["settings"].items()})
    return fields


def times(shift: State) -> str:
    return f"{shift['date']} {shift['start_time']}-{shift['end_time']}"


def handlers(ledger: Ledger) -> dict[type, Handler]:  # noqa: C901 - one closure per event
    def roster(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    # -- rosters -------------------------------------------------------------------------

    def roster_planned(e: Any, cur: Cursor) -> None:
        state = {
            "id": e.roster_id, "roster_id": e.roster_id, "enterprise_id": e.enterprise_id,
            "department_id": e.department_id, "name": e.name, "description": e.description,
            "start_date": e.start_date.isoformat(), "end_date": e.end_date.isoformat(), "status": "draft",
            "settings": e.settings, "timezone": e.timezone,
        }
        ledger.put(uuid_of(e), state)
        fields = roster_fields(state)
        ledger.record(
            cur, e, "roster_created", "roster", e.roster_id, state, e.by,
            f"{ledger.who(cur, e.by)} created the roster {e.name} ({state['start_date']} to {state['end_date']})",
            {**created(fields, fields), "status": {"from": None, "to": "draft"}},
        )

    def roster_revised(e: Any, cur: Cursor) -> None:
        before = roster(cur, e)
        after = {**before, "name": e.name, "description": e.description, "start_date": e.start_date.isoformat(),
                 "end_date": e.end_date.isoformat(), "settings": e.settings, "timezone": e.timezone}
        old, new = roster_fields(before), roster_fields(after)
        changes = diff(old, new, sorted(set(old) | set(new)))
        who = ledger.who(cur, e.by)
        if set(changes) == {"name"}:
            summary = f"{who} renamed the roster {before.get('name')} to {e.name}"
        elif set(changes) == {"timezone"}:
            summary = (f"{who} moved the roster {before.get('name')} to the time zone {e.timezone}"
                       " with its department")
        elif changes:
            summary = f"{who} revised the roster {before.get('name')}: {listed(changes)}"
        else:
            summary = f"{who} saved the roster {before.get('name')} unchanged"
        ledger.record(cur, e, "roster_revised", "roster", before.get("id"), before, e.by, summary, changes)
        ledger.put(uuid_of(e), after)

    def roster_status(e: Any, cur: Cursor) -> None:
        before = roster(cur, e)
        ledger.record(
            cur, e, "roster_status_changed", "roster", before.get("id"), before, e.by,
            f"{ledger.who(cur, e.by)} moved the roster {before.get('name')} from {before.get('status')}"
            f" to {e.status}",
            {"status": {"from": before.get("status"), "to": e.status}},
        )
        ledger.put(uuid_of(e), {**before, "status": e.status})

    def roster_deleted(e: Any, cur: Cursor) -> None:
        before = roster(cur, e)
        ledger.record(cur, e, "roster_deleted", "roster", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} deleted the roster {before.get('name')}")
        ledger.put(uuid_of(e), {**before, "deleted": True})

    def auto_assign(e: Any, cur: Cursor) -> None:
        state = roster(cur, e)
        report = e.report or {}
        status = report.get("status")
        who, name = ledger.who(cur, e.by), state.get("name")
        if status == "completed":
            summary = (f"{who} auto-assigned {report.get('assigned', 0)} places on the roster {name}"
                       f" ({report.get('unfilled_places', 0)} left unfilled)")
        elif status == "failed":
            summary = f"Auto-assign of the roster {name} failed: {report.get('error')}"
        elif status == "running":
            summary = f"Auto-assign of the roster {name} started for {who}"
        elif status == "queued":
            summary = f"{who} queued auto-assign of the roster {name}"
        else:
            summary = f"{who} withdrew the auto-assign request of the roster {name}"
        changes = {"auto_assign.status": {"from": state.get("auto_assign"), "to": status}}
        if status == "completed":
            changes.update({f"auto_assign.{k}": {"from": None, "to": report.get(k)}
                            for k in ("assigned", "unfilled_places", "strategy")})
        ledger.record(cur, e, "auto_assign_recorded", "roster", state.get("id"), state, e.by, summary, changes)
        ledger.put(uuid_of(e), {**state, "auto_assign": status})

    def roster_noted(type_: str) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            ledger.hidden(cur, e, type_, "shift", e.shift_id, roster(cur, e), e.by)
        return handle

    # -- shifts --------------------------------------------------------------------------

    def shift(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    def shift_planned(e: Any, cur: Cursor) -> None:
        state = {
            "id": e.shift_id, "roster_id": e.roster_id, "enterprise_id": e.enterprise_id,
            "department_id": e.department_id, "date": e.day.isoformat(), "start_time": hhmm(e.start_time),
            "end_time": hhmm(e.end_time), "title": e.title, "description": e.description,
            "required_staff": e.required_staff, "location": e.location, "timezone": e.timezone,
        }
        ledger.put(uuid_of(e), state)
        owner = ledger.of(cur, "roster", e.roster_id) or {}
        ledger.record(
            cur, e, "shift_added", "shift", e.shift_id, state, e.by,
            f"{ledger.who(cur, e.by)} added {label(state)} ({state['start_time']}-{state['end_time']})"
            f" to the roster {owner.get('name')}",
            created(state, SHIFT_FIELDS),
        )

    def shift_revised(e: Any, cur: Cursor) -> None:
        before = shift(cur, e)
        after = {**before, "date": e.day.isoformat(), "start_time": hhmm(e.start_time),
                 "end_time": hhmm(e.end_time), "title": e.title, "description": e.description,
                 "required_staff": e.required_staff, "location": e.location, "timezone": e.timezone}
        changes = diff(before, after, SHIFT_FIELDS)
        who = ledger.who(cur, e.by)
        if set(changes) == {"timezone"}:
            type_, summary = "shift_moved", (f"{who} moved {before.get('title')} ({times(before)}) to the time"
                                             f" zone {e.timezone} with its department")
        elif changes and set(changes) <= WHEN:
            type_, summary = "shift_moved", f"{who} moved {before.get('title')} from {times(before)} to {times(after)}"
        elif changes:
            type_, summary = "shift_changed", f"{who} changed {label(before)}: {listed(changes)}"
        else:
            type_, summary = "shift_changed", f"{who} saved {label(before)} unchanged"
        ledger.record(cur, e, type_, "shift", before.get("id"), before, e.by, summary, changes)
        ledger.put(uuid_of(e), after)

    def shift_noted(type_: str) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            state = shift(cur, e)
            ledger.hidden(cur, e, type_, "shift", state.get("id"), state, e.by)
        return handle

    def shift_deleted(e: Any, cur: Cursor) -> None:
        state = shift(cur, e)
        owner = ledger.of(cur, "roster", state.get("roster_id")) or {}
        ledger.record(cur, e, "shift_removed", "shift", state.get("id"), state, e.by,
                      f"{ledger.who(cur, e.by)} removed {label(state)} from the roster {owner.get('name')}")
        ledger.put(uuid_of(e), {**state, "deleted": True})

    # -- assignments ---------------------------------------------------------------------

    def assignment(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    def assignment_made(e: Any, cur: Cursor) -> None:
        on = ledger.of(cur, "shift", e.shift_id) or {}
        claim = getattr(e, "claim_id", None)  # events before shift claims name none
        state = {
            "id": e.assignment_id, "shift_id": e.shift_id, "roster_id": e.roster_id,
            "enterprise_id": on.get("enterprise_id"), "department_id": on.get("department_id"),
            "employee_id": e.employee_id, "status": "pending" if claim is None else "confirmed", "notes": None,
        }
        where = ledger.shift_label(cur, e.shift_id)
        if claim is not None and e.by == e.employee_id:
            summary = f"{ledger.who(cur, e.by)} took the open place on {where} (claim #{claim})"
        else:
            summary = f"{ledger.who(cur, e.by)} assigned {ledger.who(cur, e.employee_id)} to {where}"
            summary += f" (claim #{claim})" if claim is not None else ""
        ledger.record(
            cur, e, "employee_assigned", "assignment", e.assignment_id, state, e.by, summary,
            created(state, ("shift_id", "employee_id", "status")), party=e.employee_id,
        )
        ledger.put(uuid_of(e), state)

    def answered(e: Any, cur: Cursor) -> None:
        before = assignment(cur, e)
        after = {**before, "status": e.status, "notes": e.notes}
        employee, where = before.get("employee_id"), ledger.shift_label(cur, before.get("shift_id"))
        verb = "confirmed" if e.status == "confirmed" else "declined"
        whose = "their" if e.by == employee else f"{ledger.who(cur, employee)}'s"
        if before.get("status") == e.status:
            summary = f"{ledger.who(cur, e.by)} changed the notes of {whose} assignment to {where}"
        else:
            summary = f"{ledger.who(cur, e.by)} {verb} {whose} assignment to {where}"
        ledger.record(cur, e, f"assignment_{verb}", "assignment", before.get("id"), before, e.by, summary,
                      diff(before, after, ("status", "notes")), party=employee)
        ledger.put(uuid_of(e), after)

    def removed(e: Any, cur: Cursor) -> None:
        before = assignment(cur, e)
        employee = before.get("employee_id")
        ledger.record(
            cur, e, "assignment_removed", "assignment", before.get("id"), before, e.by,
            f"{ledger.who(cur, e.by)} removed {ledger.who(cur, employee)} from"
            f" {ledger.shift_label(cur, before.get('shift_id'))}",
            {"status": {"from": before.get("status"), "to": "removed"}}, party=employee,
        )
        ledger.put(uuid_of(e), {**before, "status": "removed"})

    def handed_over(e: Any, cur: Cursor) -> None:
        before = assignment(cur, e)
        after = {**before, "employee_id": e.employee_id, "status": "pending", "notes": None}
        if before.get("offered"):
            after["offered"] = False  # the swap ended its holder's offer
        old = before.get("employee_id")
        ledger.record(
            cur, e, "assignment_handed_over", "assignment", before.get("id"), before, e.by,
            f"{ledger.who(cur, e.by)} handed {ledger.who(cur, old)}'s place on"
            f" {ledger.shift_label(cur, before.get('shift_id'))} over to {ledger.who(cur, e.employee_id)}",
            diff(before, after, ("employee_id", "status", "notes")), party=e.employee_id, other_party=old,
        )
        ledger.put(uuid_of(e), after)

    # -- swap requests -------------------------------------------------------------------

    def swap_proposed(e: Any, cur: Cursor) -> None:
        owner = ledger.of(cur, "roster", e.roster_id) or {}
        state = {
            "id": e.swap_id, "roster_id": e.roster_id, "enterprise_id": owner.get("enterprise_id"),
            "department_id": owner.get("department_id"), "requester_id": e.requester_id,
            "target_employee_id": e.target_employee_id, "shift_id": e.shift_id,
            "target_shift_id": e.target_shift_id, "status": "pending",
        }
        ledger.put(uuid_of(e), state)
        offer = f" in exchange for {ledger.shift_label(cur, e.target_shift_id)}" if e.target_shift_id else ""
        ledger.record(
            cur, e, "swap_requested", "swap_request", e.swap_id, state, e.requester_id,
            f"{ledger.who(cur, e.requester_id)} asked {ledger.who(cur, e.target_employee_id)} to take"
            f" {ledger.shift_label(cur, e.shift_id)}{offer}",
            created({**state, "reason": e.reason},
                    ("shift_id", "target_employee_id", "target_shift_id", "reason", "status")),
            party=e.requester_id, other_party=e.target_employee_id,
        )

    def swap_decided(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        who, requester = ledger.who(cur, e.by), before.get("requester_id")
        where = ledger.shift_label(cur, before.get("shift_id"))
        whose = "their" if e.by == requester else f"{ledger.who(cur, requester)}'s"
        summary = {
            "accepted": f"{who} accepted {whose} swap request for {where}",
            "approved": f"{who} approved the swap of {where} from {ledger.who(cur, requester)} to"
                        f" {ledger.who(cur, before.get('target_employee_id'))}",
            "rejected": f"{who} rejected {whose} swap request for {where}",
            "cancelled": f"{who} cancelled {whose} swap request for {where}",
        }.get(e.status, f"{who} set {whose} swap request for {where} to {e.status}")
        changes: dict[str, Any] = {"status": {"from": before.get("status"), "to": e.status}}
        if e.note is not None:
            changes["note"] = {"from": None, "to": e.note}
        ledger.record(cur, e, f"swap_{e.status}", "swap_request", before.get("id"), before, e.by, summary,
                      changes, party=requester, other_party=before.get("target_employee_id"))
        ledger.put(uuid_of(e), {**before, "status": e.status})

    return {
        Roster.Planned: roster_planned,
        Roster.Revised: roster_revised,
        Roster.StatusChanged: roster_status,
        Roster.Deleted: roster_deleted,
        Roster.AutoAssignRecorded: auto_assign,
        Roster.ShiftAdded: roster_noted("roster_shift_added"),
        Roster.ShiftMoved: roster_noted("roster_shift_moved"),
        Roster.ShiftRemoved: roster_noted("roster_shift_removed"),
        Shift.Planned: shift_planned,
        Shift.Revised: shift_revised,
        Shift.PlaceTaken: shift_noted("shift_place_taken"),
        Shift.PlaceFreed: shift_noted("shift_place_freed"),
        Shift.HandedOver: shift_noted("shift_place_handed_over"),
        Shift.Deleted: shift_deleted,
        Assignment.Made: assignment_made,
        Assignment.Answered: answered,
        Assignment.Removed: removed,
        Assignment.HandedOver: handed_over,
        SwapRequest.Proposed: swap_proposed,
        SwapRequest.Decided: swap_decided,
    }

