"""Audit entries of employees' schedules (time off, availability) and shift templates.

Bookings (`EmployeeSchedule.Booked`, `.Released`) get none: they are the schedule's copy of
an assignment, which the assignment's own entries tell, and as-of replays no schedule.
"""

from __future__ import annotations

from typing import Any

from domain.schedule import EmployeeSchedule
from domain.templates import ShiftTemplate
from domain.zones import wall_clock

from projections.audit_ledger import Ledger, State, created, diff, listed
from projections.base import Handler, uuid_of
from projections.sql import Cursor

TEMPLATE_FIELDS = ("name", "description", "shifts")
DECISIONS = {"approved": "approved", "rejected": "rejected", "cancelled": "withdrew"}


def minute(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def local(moment: Any, zone: str) -> str:
    """An instant on the clocks of the zone it was given in, as the employee entered it."""
    return minute(wall_clock(moment, zone))


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def employee_scope(cur: Cursor, employee_id: int) -> State:
        user = ledger.of(cur, "user", employee_id) or {}
        return {"enterprise_id": user.get("enterprise_id"), "department_id": user.get("department_id")}

    def whose(cur: Cursor, by: int | None, employee_id: int) -> str:
        return "their" if by == employee_id else f"{ledger.who(cur, employee_id)}'s"

    # -- time off ------------------------------------------------------------------------

    def time_off_requested(e: Any, cur: Cursor) -> None:
        state = {"id": e.time_off_id, "employee_id": e.employee_id, "start": local(e.start, e.timezone),
                 "end": local(e.end, e.timezone), "timezone": e.timezone, "reason": e.reason,
                 "status": "requested", **employee_scope(cur, e.employee_id)}
        ledger.put(f"time_off:{e.time_off_id}", state)
        asked = "asked for time off" if e.by == e.employee_id else \
            f"asked for time off for {ledger.who(cur, e.employee_id)}"
        ledger.record(cur, e, "time_off_requested", "time_off", e.time_off_id, state, e.by,
                      f"{ledger.who(cur, e.by)} {asked} from {state['start']} to {state['end']}",
                      created(state, ("start", "end", "timezone", "reason", "status")))

    def time_off_decided(e: Any, cur: Cursor) -> None:
        key = f"time_off:{e.time_off_id}"
        before = ledger.get(cur, key) or {}
        employee = before.get("employee_id")
        verb = DECISIONS.get(e.status, e.status)
        ledger.record(
            cur, e, f"time_off_{e.status}", "time_off", e.time_off_id, before, e.by,
            f"{ledger.who(cur, e.by)} {verb} {whose(cur, e.by, employee)} time off from {before.get('start')}"
            f" to {before.get('end')}",
            {"status": {"from": before.get("status"), "to": e.status}},
        )
        ledger.put(key, {**before, "status": e.status})

    # -- availability --------------------------------------------------------------------

    def marked(e: Any, cur: Cursor) -> None:
        state = {"id": e.entry_id, "employee_id": e.employee_id, "start": local(e.start, e.timezone),
                 "end": local(e.end, e.timezone), "timezone": e.timezone, "note": e.note,
                 **employee_scope(cur, e.employee_id)}
        ledger.put(f"unavailable:{e.entry_id}", state)
        whom = "themselves" if e.by == e.employee_id else ledger.who(cur, e.employee_id)
        ledger.record(cur, e, "unavailability_marked", "availability", e.entry_id, state, e.by,
                      f"{ledger.who(cur, e.by)} marked {whom} unavailable from {state['start']} to {state['end']}",
                      created(state, ("start", "end", "timezone", "note")))

    def cleared(e: Any, cur: Cursor) -> None:
        key = f"unavailable:{e.entry_id}"
        before = ledger.get(cur, key) or {}
        ledger.record(
            cur, e, "unavailability_cleared", "availability", e.entry_id, before, e.by,
            f"{ledger.who(cur, e.by)} cleared {whose(cur, e.by, before.get('employee_id'))} unavailability"
            f" from {before.get('start')} to {before.get('end')}",
        )
        ledger.put(key, {**before, "cleared": True})

    # -- templates -----------------------------------------------------------------------

    def template_defined(e: Any, cur: Cursor) -> None:
        state = {"id": e.template_id, "enterprise_id": e.enterprise_id, "department_id": e.department_id,
                 "name": e.name, "description": e.description, "shifts": e.shifts}
        ledger.put(uuid_of(e), state)
        ledger.record(cur, e, "template_created", "template", e.template_id, state, e.by,
                      f"{ledger.who(cur, e.by)} created the shift template {e.name} for"
                      f" {ledger.place(cur, e.enterprise_id, e.department_id)}",
                      created(state, TEMPLATE_FIELDS))

    def template_revised(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        after = {**before, "name": e.name, "description": e.description, "shifts": e.shifts}
        changes = diff(before, after, TEMPLATE_FIELDS)
        ledger.record(cur, e, "template_revised", "template", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} revised the shift template {before.get('name')}:"
                      f" {listed(changes) or 'nothing changed'}", changes)
        ledger.put(uuid_of(e), after)

    def template_deleted(e: Any, cur: Cursor) -> None:
        before = ledger.get(cur, uuid_of(e)) or {}
        ledger.record(cur, e, "template_deleted", "template", before.get("id"), before, e.by,
                      f"{ledger.who(cur, e.by)} deleted the shift template {before.get('name')}")
        ledger.put(uuid_of(e), {**before, "deleted": True})

    return {
        EmployeeSchedule.TimeOffRequested: time_off_requested,
        EmployeeSchedule.TimeOffDecided: time_off_decided,
        EmployeeSchedule.MarkedUnavailable: marked,
        EmployeeSchedule.UnavailableCleared: cleared,
        ShiftTemplate.Defined: template_defined,
        ShiftTemplate.Revised: template_revised,
        ShiftTemplate.Deleted: template_deleted,
    }
